"""The metadata store's engine, sessions and migrations.

SQLite under `<data_dir>/metadata.db` by default (WAL, so several replicas on one machine share
it; a busy timeout instead of "database is locked"; foreign keys on), or PostgreSQL through
`DATABASE_URL=postgresql://…` (psycopg 3) for shared and multi-node deployments.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from cluster.settings import PlatformSettings

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


class MetadataConfigError(RuntimeError):
    """The metadata store is configured in a way that cannot work (the message says how to fix it)."""


def database_url(settings: PlatformSettings) -> str:
    """The SQLAlchemy URL of the metadata store: `DATABASE_URL` (PostgreSQL via psycopg 3) or SQLite.

    Raises:
        MetadataConfigError: for a DATABASE_URL that is neither PostgreSQL nor SQLite.
    """
    if not settings.database_url:
        return f"sqlite:///{settings.metadata_db_file}"
    url = make_url(settings.database_url)
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        return settings.database_url
    raise MetadataConfigError(
        f"DATABASE_URL must be postgresql://user:password@host:5432/database (or sqlite:///path); got a "
        f"'{url.drivername}' URL"
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class MetadataDB:
    """One process's connection pool to the metadata store and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = self._engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: PlatformSettings) -> MetadataDB:
        """The store the settings name; creates the data folder for the embedded SQLite file."""
        url = database_url(settings)
        if url.startswith("sqlite:///"):
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(url)

    @staticmethod
    def _engine(url: str) -> Engine:
        if make_url(url).get_backend_name() == "sqlite":
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends normally, rolled back on an exception."""
        with self._sessions() as session, session.begin():
            yield session

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to `revision` with Alembic (idempotent: applies only what is missing)."""
        from alembic import command

        with self.engine.begin() as connection:
            command.upgrade(self._alembic_config(connection), revision)

    def current_revision(self) -> str | None:
        """The Alembic revision the database is at (None for an empty database)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def table_names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    @staticmethod
    def _alembic_config(connection: Any) -> Any:
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = connection
        return config

    def dispose(self) -> None:
        self.engine.dispose()
