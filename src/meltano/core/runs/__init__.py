"""A run as it goes and as it ended: progress while it runs, the summary afterwards."""
