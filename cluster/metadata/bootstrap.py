"""First start and every start of the metadata store: schema, secret, import, init user/project/key.

`AGENTSTACK_INIT_USER_EMAIL` / `_PASSWORD`, `AGENTSTACK_INIT_PROJECT_NAME` and
`AGENTSTACK_BOOTSTRAP_API_KEY` create what is missing and never overwrite what exists. Without an
init user, a one-time setup code lets the first person create the admin account in the UI.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cluster.metadata.accounts import create_user, make_owner_of_every_project, user_by_email, user_count
from cluster.metadata.cleanup import delete_pending_projects
from cluster.metadata.credentials import (
    check_password_rules,
    generate_setup_code,
    key_digest,
    signing_secret,
    write_private_file,
)
from cluster.metadata.database import MetadataConfigError, MetadataDB
from cluster.metadata.models import ApiKey, InstanceState, Member, Project, SetupCode, utcnow
from cluster.metadata.projects import add_key, create_project
from cluster.settings import PlatformSettings
from cluster.store import StoreClient

logger = logging.getLogger(__name__)

DEFAULT_PROJECT_NAME = "default"
IMPORT_MARK = "clickhouse_import"
#: Set when a start's bootstrap finished: from then on the store can authorise requests (see /health).
BOOTSTRAP_MARK = "bootstrapped_at"


@dataclass
class BootstrapReport:
    """What one start created (plaintexts only when created now, for the banner)."""

    project_id: str | None = None
    project_name: str = DEFAULT_PROJECT_NAME
    api_key: str | None = None
    key_from_env: bool = False
    setup_code: str | None = None
    init_user: str | None = None
    imported: dict[str, int] = field(default_factory=dict)

    def summary(self, settings: PlatformSettings) -> list[str]:
        """What this start created, for the operator — never a plaintext key or code (those stay in files)."""
        lines = []
        if self.imported:
            lines.append(f"imported {self.imported['projects']} projects and {self.imported['keys']} API keys from ClickHouse")
        if self.api_key:
            where = "the AGENTSTACK_BOOTSTRAP_API_KEY you set" if self.key_from_env else "generated"
            lines.append(f"created project '{self.project_name}' with an ingest API key ({where}), saved for local tools "
                         f"in {settings.local_key_file}")
        if self.init_user:
            lines.append(f"created instance admin {self.init_user} (AGENTSTACK_INIT_USER_EMAIL)")
        if self.setup_code:
            lines.append(f"no account exists yet: create the admin at /setup?code=<the code in {settings.setup_code_file}> "
                         "(make run's banner shows the link)")
        return lines


def alive_ray_nodes() -> int:
    """Alive nodes of the Ray cluster this process belongs to (1 outside Ray)."""
    try:
        import ray

        if not ray.is_initialized():
            return 1
        return sum(1 for node in ray.nodes() if node.get("Alive"))  # type: ignore[no-untyped-call,misc]
    except Exception:  # noqa: BLE001 - no Ray: one machine
        return 1


def check_deployment(settings: PlatformSettings, alive_nodes: int) -> None:
    """Refuse a multi-node cluster on per-machine state: the SQLite file or a per-node signing secret."""
    if alive_nodes <= 1:
        return
    if not settings.database_url:
        raise MetadataConfigError(
            f"this Ray cluster has {alive_nodes} alive nodes, but the metadata store is the SQLite file "
            f"{settings.metadata_db_file} on one machine: set DATABASE_URL=postgresql://user:password@host:5432/db "
            "(the same for every node) and start again"
        )
    if settings.secret_key is None:
        raise MetadataConfigError(
            f"this Ray cluster has {alive_nodes} alive nodes: set AGENTSTACK_SECRET_KEY (the same long random value "
            "on every node) so a login on one node is valid on the others, and start again"
        )


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)


async def import_from_clickhouse(db: MetadataDB, store: StoreClient) -> dict[str, int] | None:
    """Copy projects and key digests from the ClickHouse tables of earlier versions, once.

    Revoked keys stay revoked; existing rows are never changed. Returns the counts, or None when
    the import had already run.
    """
    def done() -> bool:
        with db.session() as session:
            return session.get(InstanceState, IMPORT_MARK) is not None

    if await asyncio.to_thread(done):
        return None
    projects = await store.query("SELECT project_id, name, created_at FROM projects FINAL")
    keys = await store.query("SELECT digest, project_id, prefix, revoked, updated_at FROM api_keys FINAL")
    return await asyncio.to_thread(_import_rows, db, projects, keys)


def _import_rows(db: MetadataDB, projects: list[dict[str, Any]], keys: list[dict[str, Any]]) -> dict[str, int]:
    counts = {"projects": 0, "keys": 0}
    with db.session() as session:
        known = set(session.scalars(select(Project.id)))
        for row in projects:
            if str(row["project_id"]) not in known:
                session.add(Project(id=str(row["project_id"]), name=str(row["name"])[:100] or "imported",
                                    created_at=_aware(row["created_at"])))
                known.add(str(row["project_id"]))
                counts["projects"] += 1
        session.flush()
        digests = set(session.scalars(select(ApiKey.digest)))
        for row in keys:
            project_id, digest = str(row["project_id"]), str(row["digest"])
            if digest in digests:
                continue
            if project_id not in known:  # a key whose project row is missing: keep both
                session.add(Project(id=project_id, name=f"project {project_id[:8]}"))
                session.flush()
                known.add(project_id)
                counts["projects"] += 1
            when = _aware(row["updated_at"])
            session.add(ApiKey(
                id=digest[:32], project_id=project_id, digest=digest, prefix=str(row["prefix"])[:16],
                name="imported key", scope="ingest", created_by="imported from ClickHouse",
                created_at=when, revoked_at=when if row["revoked"] else None,
            ))
            digests.add(digest)
            counts["keys"] += 1
        session.add(InstanceState(name=IMPORT_MARK, value=f"projects={counts['projects']} keys={counts['keys']}"))
    return counts


def _init_project(session: Session, settings: PlatformSettings, report: BootstrapReport) -> Project | None:
    name = settings.init_project_name or DEFAULT_PROJECT_NAME
    report.project_name = name
    env_key = settings.bootstrap_api_key
    env_key_known = env_key is not None and session.scalar(select(ApiKey.id).where(ApiKey.digest == key_digest(env_key))) is not None
    project = session.scalar(select(Project).where(Project.name == name).order_by(Project.created_at))
    any_project = session.scalar(select(func.count()).select_from(Project)) or 0
    if project is None and (settings.init_project_name or not any_project):
        project, _, plaintext = create_project(
            session, name, None, "AGENTSTACK_BOOTSTRAP_API_KEY" if env_key and not env_key_known else "first start",
            api_key=None if env_key_known else env_key,
        )
        report.project_id, report.api_key, report.key_from_env = project.id, plaintext, bool(env_key and not env_key_known)
        return project
    if env_key and not env_key_known:  # the env key is new: add it, never replacing a key
        target = project or session.scalar(select(Project).order_by(Project.created_at))
        if target is not None:
            add_key(session, target.id, "bootstrap", "ingest", "AGENTSTACK_BOOTSTRAP_API_KEY", env_key)
            report.project_id, report.api_key, report.key_from_env = target.id, env_key, True
    return project


def _init_user(session: Session, settings: PlatformSettings, project: Project | None, report: BootstrapReport) -> None:
    email = settings.init_user_email
    password = settings.init_user_password.get_secret_value() if settings.init_user_password else None
    if not email:
        return
    if not password:
        raise MetadataConfigError("AGENTSTACK_INIT_USER_EMAIL is set without AGENTSTACK_INIT_USER_PASSWORD; set both")
    if user_by_email(session, email) is not None:
        return  # never overwrite an existing account (its password may have been changed since)
    problem = check_password_rules(password)
    if problem:
        raise MetadataConfigError(f"AGENTSTACK_INIT_USER_PASSWORD: {problem}")
    first = user_count(session) == 0
    user = create_user(session, email, password, is_admin=True)
    if first:
        make_owner_of_every_project(session, user)
    elif project is not None:
        session.add(Member(project_id=project.id, user_id=user.id, role="owner"))
    report.init_user = user.email


def _setup_code(session: Session, settings: PlatformSettings, report: BootstrapReport) -> None:
    session.execute(delete(SetupCode))
    if user_count(session) > 0:
        settings.setup_code_file.unlink(missing_ok=True)
        return
    code = generate_setup_code()
    session.add(SetupCode(digest=key_digest(code)))
    write_private_file(settings.setup_code_file, code + "\n")
    report.setup_code = code


def _write_local_key(db: MetadataDB, settings: PlatformSettings, report: BootstrapReport) -> None:
    key = report.api_key
    if key is None and settings.bootstrap_api_key:
        with db.session() as session:
            row = session.scalar(select(ApiKey).where(ApiKey.digest == key_digest(settings.bootstrap_api_key)))
            key = settings.bootstrap_api_key if row is not None and row.revoked_at is None else None
    if key is not None:
        write_private_file(settings.local_key_file, key + "\n")


def bootstrap_accounts(db: MetadataDB, settings: PlatformSettings) -> BootstrapReport:
    """The synchronous part of the bootstrap (schema already migrated): project, key, user, setup code."""
    report = BootstrapReport()
    with db.session() as session:
        project = _init_project(session, settings, report)
        _init_user(session, settings, project, report)
        _setup_code(session, settings, report)
        mark = session.get(InstanceState, BOOTSTRAP_MARK) or InstanceState(name=BOOTSTRAP_MARK, value="")
        mark.value, mark.updated_at = utcnow().isoformat(), utcnow()
        session.add(mark)
    _write_local_key(db, settings, report)
    return report


def bootstrapped(db: MetadataDB) -> bool:
    """Whether a platform start has finished bootstrapping this store (schema, init user, default project)."""
    with db.session() as session:
        return session.get(InstanceState, BOOTSTRAP_MARK) is not None


async def bootstrap_metadata(settings: PlatformSettings, store: StoreClient | None) -> BootstrapReport:
    """Everything the metadata store needs at start, in order; prints what a person must know once.

    Raises:
        MetadataConfigError: a multi-node cluster without DATABASE_URL, or unusable init variables.
    """
    check_deployment(settings, await asyncio.to_thread(alive_ray_nodes))
    db = MetadataDB.from_settings(settings)
    try:
        await asyncio.to_thread(db.migrate)
        await asyncio.to_thread(signing_secret, settings)
        imported = await import_from_clickhouse(db, store) if store is not None else None
        report = await asyncio.to_thread(bootstrap_accounts, db, settings)
        if imported and any(imported.values()):
            report.imported = imported
        if store is not None:
            await delete_pending_projects(db, store)
    finally:
        db.dispose()
    for line in report.summary(settings):
        logger.warning("first start: %s", line)
    return report


def first_run_lines(settings: PlatformSettings, base_url: str) -> list[str]:
    """Banner lines for the launcher: the one-time setup link while no account exists, else the login page."""
    lines = []
    if settings.setup_code_file.exists():
        code = settings.setup_code_file.read_text().strip()
        lines.append(f"  Create admin:    {base_url}/setup?code={code}   (one-time link)")
    else:
        lines.append(f"  Log in:          {base_url}/login")
    if settings.local_key_file.exists():
        key = settings.local_key_file.read_text().strip()
        lines.append(f"  Ingest API key:  {key}   (saved in {settings.local_key_file}; make demo uses it)")
    return lines
