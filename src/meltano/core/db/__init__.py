"""The system database: engine, ORM models and Alembic migrations."""
