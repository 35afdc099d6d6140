"""State backends: systemdb (default), file, s3, gs, azure, and memory (a test double)."""
