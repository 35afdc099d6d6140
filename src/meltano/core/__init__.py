"""Domain packages: everything except the command-line adapters."""
