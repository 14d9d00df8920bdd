"""The metadata store under test: embedded SQLite and the machine's PostgreSQL 15.

PostgreSQL: one uniquely named database per test session on 127.0.0.1:5432 (user postgres, trust
auth), emptied before each test and dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

PG_ADMIN_URL = os.environ.get("AGENTSTACK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_admin():  # noqa: ANN202
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this session (its URL), or None when no server answers."""
    import psycopg

    try:
        admin = _pg_admin()
    except psycopg.OperationalError:
        yield None
        return
    name = f"agentstack_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", "postgresql"])
def metadata_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """The URL of an empty metadata database: SQLite in tmp_path, then the session's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'metadata.db'}"
    url = request.getfixturevalue("postgres_database")
    if url is None:
        pytest.skip(f"no PostgreSQL answers at {PG_ADMIN_URL}")
    _empty_postgres(url)
    return url


@pytest.fixture
def metadata_db(metadata_url: str, tmp_path):
    """A migrated, empty metadata store (SQLite or PostgreSQL)."""
    from cluster.metadata import MetadataDB
    from cluster.metadata.database import database_url
    from cluster.settings import PlatformSettings

    db = MetadataDB(database_url(PlatformSettings(data_dir=tmp_path, database_url=metadata_url)))
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def metadata_settings(metadata_url: str, tmp_path):
    """Settings whose DATABASE_URL (or SQLite file) is the test's metadata database, data in tmp_path."""
    from cluster.settings import PlatformSettings

    if metadata_url.startswith("sqlite:///"):
        return PlatformSettings(data_dir=tmp_path, api_key_cache_ttl_s=0)
    return PlatformSettings(data_dir=tmp_path, database_url=metadata_url, api_key_cache_ttl_s=0)
