"""Alembic migrations of the metadata store (run by MetadataDB.migrate)."""
