"""The relational metadata store: users, sessions, projects, members and roles, API keys.

SQLite under `.agentstack/metadata.db` by default, PostgreSQL with `DATABASE_URL`; SQLAlchemy 2
models (`models`), Alembic migrations (`migrations/`, applied at start), and the accounts logic
(`accounts`: users and sessions, `projects`: projects, members, keys), the per-replica resolver of
keys and tokens (`resolver`) and the start-up bootstrap (`bootstrap`).
"""

from __future__ import annotations

from cluster.metadata.bootstrap import BootstrapReport, bootstrap_metadata, first_run_lines
from cluster.metadata.credentials import check_key_format, generate_api_key, key_digest
from cluster.metadata.database import MetadataConfigError, MetadataDB
from cluster.metadata.errors import AccountError
from cluster.metadata.models import ROLES, SCOPES
from cluster.metadata.resolver import AuthResolver

__all__ = [
    "ROLES",
    "SCOPES",
    "AccountError",
    "AuthResolver",
    "BootstrapReport",
    "MetadataConfigError",
    "MetadataDB",
    "bootstrap_metadata",
    "check_key_format",
    "first_run_lines",
    "generate_api_key",
    "key_digest",
]
