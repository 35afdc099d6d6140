"""Singer state: the document model, the backends that store it, and what commands do with it."""
