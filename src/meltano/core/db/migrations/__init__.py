"""Alembic migration scripts for the system database."""
