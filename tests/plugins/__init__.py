"""Stdlib Singer scripts used as extractors, mappers and loaders in tests."""
