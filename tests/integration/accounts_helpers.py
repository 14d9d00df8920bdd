"""Seeding the metadata store for HTTP tests: a project with an ingest key and a read key."""

from __future__ import annotations

from sqlalchemy import select

from cluster.metadata import MetadataDB
from cluster.metadata.bootstrap import bootstrap_accounts
from cluster.metadata.credentials import key_digest
from cluster.metadata.models import ApiKey
from cluster.metadata.projects import add_key, revoke_key
from cluster.settings import PlatformSettings


def seed_project(settings: PlatformSettings, ingest_key: str, read_key: str | None = None) -> tuple[MetadataDB, str]:
    """The settings' metadata store, bootstrapped as a first start with AGENTSTACK_BOOTSTRAP_API_KEY=`ingest_key`
    (the `default` project), plus `read_key` as a read key of that project."""
    db = MetadataDB.from_settings(settings)
    db.migrate()
    report = bootstrap_accounts(db, settings.model_copy(update={"bootstrap_api_key": ingest_key}))
    assert report.project_id is not None
    if read_key:
        with db.session() as session:
            add_key(session, report.project_id, "reader", "read", "test", read_key)
    return db, report.project_id


def revoke(db: MetadataDB, key: str) -> None:
    """Revoke an API key by its plaintext."""
    with db.session() as session:
        row = session.scalar(select(ApiKey).where(ApiKey.digest == key_digest(key)))
        assert row is not None
        revoke_key(session, row.project_id, row.id)
