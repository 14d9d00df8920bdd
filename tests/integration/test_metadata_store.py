"""The metadata store on SQLite and PostgreSQL: migrations, bootstrap, the one-time ClickHouse import."""

from __future__ import annotations

import asyncio
import os
import stat
import threading
from datetime import timedelta

import pytest
from pydantic import SecretStr
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from cluster.metadata import MetadataDB, bootstrap_metadata
from cluster.metadata.accounts import login, register
from cluster.metadata.bootstrap import bootstrap_accounts
from cluster.metadata.credentials import key_digest, verify_password
from cluster.metadata.database import database_url
from cluster.metadata.errors import AccountError
from cluster.metadata.models import ApiKey, Base, Member, Project, SetupCode, User, utcnow
from cluster.metadata.projects import delete_project, grant_for_key, touch_key
from cluster.settings import PlatformSettings
from cluster.store import DirectStoreClient

ENV_KEY = "ak_bootstrap_env_key_0123456789"


def head_revision() -> str:
    """The newest Alembic revision (the coordinator re-chains branches' revisions at merge)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from cluster.metadata.database import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_upgrade_from_empty_matches_the_models(metadata_url, tmp_path):
    db = MetadataDB(metadata_url if not metadata_url.startswith("postgresql://") else metadata_url.replace("postgresql://", "postgresql+psycopg://"))
    assert db.current_revision() is None
    db.migrate()
    db.migrate()  # idempotent
    assert db.current_revision() == head_revision()
    assert set(db.table_names()) >= {"users", "sessions", "projects", "members", "api_keys", "setup_codes", "login_failures"}
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diff == [], f"the models and the migrations differ: {diff}"
    db.dispose()


def test_upgrade_from_previous_keeps_the_data(metadata_settings):
    db = MetadataDB.from_settings(metadata_settings)
    db.migrate("0001")
    assert db.current_revision() == "0001" and "setup_codes" not in db.table_names()
    with db.session() as session:
        session.add(Project(id="p" * 32, name="kept"))
        session.add(User(id="u" * 32, email="kept@example.com", password_hash="x", is_admin=True, disabled=False))
        session.flush()
        session.add(Member(project_id="p" * 32, user_id="u" * 32, role="owner"))
    db.migrate()
    assert db.current_revision() == head_revision()
    with db.session() as session:
        assert session.get_one(Project, "p" * 32).name == "kept"
        assert session.get_one(Member, ("p" * 32, "u" * 32)).role == "owner"
        session.add(SetupCode(digest="d" * 64))  # the new table works
    db.dispose()


def test_headless_init_creates_what_is_missing_and_never_overwrites(metadata_settings):
    settings = metadata_settings.model_copy(update={
        "init_user_email": "Ops@Example.com", "init_user_password": SecretStr("first password"),
        "init_project_name": "agents", "bootstrap_api_key": ENV_KEY,
    })
    db = MetadataDB.from_settings(settings)
    db.migrate()
    first = bootstrap_accounts(db, settings)
    assert first.init_user == "ops@example.com" and first.api_key == ENV_KEY and first.key_from_env
    assert first.setup_code is None and not settings.setup_code_file.exists()
    assert settings.local_key_file.read_text().strip() == ENV_KEY and mode(settings.local_key_file) == 0o600
    with db.session() as session:
        user = session.scalar(select(User).where(User.email == "ops@example.com"))
        assert user.is_admin and verify_password(user.password_hash, "first password")
        user.password_hash = "changed-by-the-user"
        project = session.scalar(select(Project).where(Project.name == "agents"))
        assert session.get_one(Member, (project.id, user.id)).role == "owner"
        key = session.scalar(select(ApiKey).where(ApiKey.digest == key_digest(ENV_KEY)))
        assert key.project_id == project.id and key.scope == "ingest" and key.prefix == ENV_KEY[:7]
        assert session.scalar(select(ApiKey.digest).where(ApiKey.prefix == ENV_KEY[:7])) != ENV_KEY  # digest only
    settings.local_key_file.unlink()
    again = bootstrap_accounts(db, settings.model_copy(update={"init_user_password": SecretStr("another password")}))
    assert again.init_user is None and again.api_key is None and again.setup_code is None
    assert settings.local_key_file.read_text().strip() == ENV_KEY  # rewritten, the key still valid
    with db.session() as session:
        assert session.scalar(select(User.password_hash).where(User.email == "ops@example.com")) == "changed-by-the-user"
        assert [p.name for p in session.scalars(select(Project))] == ["agents"]
        assert len(list(session.scalars(select(ApiKey)))) == 1
    db.dispose()


def test_setup_code_is_hashed_single_use_and_gone_once_an_admin_exists(metadata_settings):
    db = MetadataDB.from_settings(metadata_settings)
    db.migrate()
    report = bootstrap_accounts(db, metadata_settings)
    code = metadata_settings.setup_code_file.read_text().strip()
    assert code == report.setup_code and mode(metadata_settings.setup_code_file) == 0o600
    assert report.api_key and metadata_settings.local_key_file.read_text().strip() == report.api_key
    with db.session() as session:
        assert list(session.scalars(select(SetupCode.digest))) == [key_digest(code)]
    with pytest.raises(AccountError) as wrong, db.session() as session:
        register(session, metadata_settings, "admin@example.com", "long enough", "not-the-code")
    assert wrong.value.code == "invalid_setup_code"
    with db.session() as session:
        admin = register(session, metadata_settings, "admin@example.com", "long enough", code)
        assert admin.is_admin
        assert [m.role for m in session.scalars(select(Member).where(Member.user_id == admin.id))] == ["owner"]  # owns 'default'
    with pytest.raises(AccountError) as reused, db.session() as session:
        register(session, metadata_settings, "second@example.com", "long enough", code)
    assert reused.value.code == "signup_disabled"
    assert bootstrap_accounts(db, metadata_settings).setup_code is None
    assert not metadata_settings.setup_code_file.exists()
    db.dispose()


def test_clickhouse_projects_and_keys_move_over_once(store, metadata_settings):
    client = DirectStoreClient(store)
    live, revoked, orphan = "ak_live_key_000000000000", "ak_revoked_key_0000000000", "ak_orphan_key_00000000000"

    async def seed() -> None:
        await client.insert("projects", [("p1", "default"), ("p2", "second")], ("project_id", "name"))
        await client.insert("api_keys", [(key_digest(live), "p1", live[:7]), (key_digest(revoked), "p2", revoked[:7]),
                                         (key_digest(orphan), "p3", orphan[:7])], ("digest", "project_id", "prefix"))
        await client.insert("api_keys", [(key_digest(revoked), "p2", revoked[:7], 1)], ("digest", "project_id", "prefix", "revoked"))

    asyncio.run(seed())
    first = asyncio.run(bootstrap_metadata(metadata_settings, client))
    assert first.imported == {"projects": 3, "keys": 3}
    assert first.api_key is None  # projects existed: no new default project
    db = MetadataDB.from_settings(metadata_settings)
    with db.session() as session:
        assert grant_for_key(session, live).project_id == "p1"
        assert grant_for_key(session, revoked) is None  # revoked stays revoked
        assert session.scalar(select(ApiKey.revoked_at).where(ApiKey.digest == key_digest(revoked))) is not None
        assert grant_for_key(session, orphan).project_id == "p3"
        assert {p.id: p.name for p in session.scalars(select(Project))}["p2"] == "second"
        delete_project(session, "p2")
    second = asyncio.run(bootstrap_metadata(metadata_settings, client))
    assert second.imported == {}
    with db.session() as session:
        assert session.get(Project, "p2") is None  # a deleted project does not come back
        assert len(list(session.scalars(select(ApiKey)))) == 2
    db.dispose()


def test_multi_node_cluster_without_database_url_refuses_to_start(metadata_settings, monkeypatch):
    from cluster.metadata import bootstrap as bootstrap_module
    from cluster.metadata.database import MetadataConfigError

    monkeypatch.setattr(bootstrap_module, "alive_ray_nodes", lambda: 3)
    sqlite_settings = metadata_settings.model_copy(update={"database_url": None})
    with pytest.raises(MetadataConfigError, match="DATABASE_URL=postgresql://"):
        asyncio.run(bootstrap_metadata(sqlite_settings, None))
    assert not sqlite_settings.metadata_db_file.exists()  # refused before touching anything
    if metadata_settings.database_url:  # with DATABASE_URL (and a shared secret) the same cluster starts
        shared = metadata_settings.model_copy(update={"secret_key": SecretStr("a shared secret of the cluster")})
        assert asyncio.run(bootstrap_metadata(shared, None)).setup_code


def test_replicas_share_the_sqlite_file_and_keys_are_touched_once_a_minute(tmp_path):
    settings = PlatformSettings(data_dir=tmp_path)
    first, second = MetadataDB.from_settings(settings), MetadataDB.from_settings(settings)
    first.migrate()
    with first.session() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    errors: list[BaseException] = []

    def writer(db: MetadataDB, tag: str) -> None:
        try:
            for i in range(40):
                with db.session() as session:
                    session.add(Project(id=f"{tag}{i:031d}", name=f"{tag}-{i}"))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(db, tag)) for db, tag in ((first, "a"), (second, "b"), (first, "c"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with second.session() as session:
        assert session.scalar(text("SELECT count(*) FROM projects")) == 120
        session.add(ApiKey(id="k" * 32, project_id="a" + "0" * 31, digest="d" * 64, prefix="ak_x", name="k", scope="ingest", created_by="t"))
    now = utcnow()
    with first.session() as session:
        touch_key(session, "k" * 32, now)
    with second.session() as session:
        touch_key(session, "k" * 32, now + timedelta(seconds=30))  # within the minute: not written again
        assert session.get_one(ApiKey, "k" * 32).last_used_at == now
    with first.session() as session:
        touch_key(session, "k" * 32, now + timedelta(seconds=61))
        assert session.get_one(ApiKey, "k" * 32).last_used_at == now + timedelta(seconds=61)
    first.dispose()
    second.dispose()


def test_database_url_selects_postgres_through_psycopg(metadata_settings):
    url = database_url(metadata_settings)
    if metadata_settings.database_url:
        assert url.startswith("postgresql+psycopg://")
    else:
        assert url == f"sqlite:///{metadata_settings.data_dir / 'metadata.db'}"
    db = MetadataDB(url)
    db.migrate()
    with db.session() as session:
        login_failures = session.execute(text("SELECT count(*) FROM login_failures")).scalar()
    assert login_failures == 0
    with pytest.raises(AccountError) as unknown, db.session() as session:
        login(session, metadata_settings, "nobody@example.com", "whatever!", "127.0.0.1")
    assert unknown.value.code == "invalid_credentials"
    db.dispose()


def test_signup_when_allowed_and_503_while_the_store_is_not_ready(tmp_path):
    import httpx

    from serve_apps.query import create_query_app

    async def calls(app) -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
            return [await c.get("/api/v1/auth/status"),
                    await c.post("/api/v1/auth/register", json={"email": "new@example.com", "password": "long enough"}),
                    await c.get("/api/v1/auth/me")]

    not_migrated = PlatformSettings(data_dir=tmp_path / "a", retry_after_s=7)
    status, _, _ = asyncio.run(calls(create_query_app(not_migrated, None, None, tmp_path / "no-ui")))
    assert status.status_code == 503 and status.json()["error"]["code"] == "metadata_unavailable"
    assert status.headers["retry-after"] == "7"

    settings = PlatformSettings(data_dir=tmp_path / "b", allow_signup=True)
    db = MetadataDB.from_settings(settings)
    db.migrate()
    bootstrap_accounts(db, settings.model_copy(update={"init_user_email": "admin@example.com", "init_user_password": SecretStr("admin password")}))
    status, made, me = asyncio.run(calls(create_query_app(settings, None, None, tmp_path / "no-ui", db)))
    assert status.json() == {"needs_setup": False, "signup_allowed": True}
    assert made.status_code == 201 and made.json()["user"]["is_admin"] is False
    assert me.json()["projects"] == []  # a self-registered user starts without projects
    cookie = made.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie and "secure" not in cookie

    async def https_login(app) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="https://t") as c:
            return await c.post("/api/v1/auth/login", json={"email": "new@example.com", "password": "long enough"})

    over_https = asyncio.run(https_login(create_query_app(settings, None, None, tmp_path / "no-ui", db)))
    assert over_https.status_code == 200 and "secure" in over_https.headers["set-cookie"].lower()
    db.dispose()


def test_openapi_declares_the_models_and_the_error_envelope(tmp_path):
    from serve_apps.query import create_query_app

    spec = create_query_app(PlatformSettings(data_dir=tmp_path), None, None, tmp_path / "no-ui").openapi()
    login = spec["paths"]["/api/v1/auth/login"]["post"]
    assert login["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/Credentials")
    assert login["responses"]["429"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    keys = spec["paths"]["/api/v1/projects/{project_id}/keys"]["post"]["responses"]
    assert keys["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApiKeyCreated")
    assert {"401", "403", "404", "422"} <= set(keys)
    assert set(spec["components"]["schemas"]["ErrorDetail"]["properties"]) == {"code", "message", "field"}
    traces = spec["paths"]["/api/v1/traces"]["get"]
    assert any(p["name"] == "project_id" for p in traces["parameters"]) and "404" in traces["responses"]
