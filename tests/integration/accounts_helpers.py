"""Seeding the metadata store for HTTP tests: a project with an ingest key and a read key."""

from __future__ import annotations

from cluster.metadata import MetadataDB
from cluster.metadata.projects import add_key, create_project, revoke_key
from cluster.metadata.models import ApiKey
from cluster.metadata.credentials import key_digest
from cluster.settings import PlatformSettings

from sqlalchemy import select


def seed_project(settings: PlatformSettings, ingest_key: str, read_key: str | None = None, name: str = "default") -> tuple[MetadataDB, str]:
    """The settings' metadata store, migrated, with a project holding `ingest_key` (and `read_key`)."""
    db = MetadataDB.from_settings(settings)
    db.migrate()
    with db.session() as session:
        project, _, _ = create_project(session, name, None, "test", api_key=ingest_key)
        if read_key:
            add_key(session, project.id, "reader", "read", "test", read_key)
    return db, project.id


def revoke(db: MetadataDB, key: str) -> None:
    """Revoke an API key by its plaintext."""
    with db.session() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.digest == key_digest(key)))
        assert row is not None
        revoke_key(session, row.project_id, row.id)
