"""Alembic revisions of the metadata store, oldest first."""
