"""Pure accounts logic: passwords, tokens, keys, emails, roles, caches, origins, settings checks."""

from __future__ import annotations

import os
import stat
import threading
import time

import jwt
import pytest
from pydantic import SecretStr
from starlette.requests import Request

from cluster.metadata.accounts import normalize_email
from cluster.metadata.bootstrap import check_deployment
from cluster.metadata.credentials import (
    InvalidToken,
    check_key_format,
    check_password_rules,
    generate_api_key,
    hash_password,
    issue_token,
    key_digest,
    read_token,
    signing_secret,
    verify_password,
)
from cluster.metadata.database import MetadataConfigError, database_url
from cluster.metadata.errors import AccountError
from cluster.metadata.models import ROLES, role_rank
from cluster.metadata.projects import at_least, check_role, check_scope, clean_name
from cluster.metadata.resolver import TtlCache
from cluster.settings import PlatformSettings
from serve_apps.access import check_origin, presented_key
from serve_apps.errors import ApiError


def request(headers: dict[str, str], method: str = "POST") -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": method, "path": "/", "headers": raw, "query_string": b""})


def test_passwords_are_argon2id_salted_and_checked():
    first, second = hash_password("a good password"), hash_password("a good password")
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, "a good password")
    assert not verify_password(first, "a good passwore")
    assert not verify_password(None, "a good password")  # unknown user: a dummy check, never True
    assert not verify_password("not-a-hash", "x")
    assert "8 characters" in check_password_rules("short")
    assert check_password_rules("long enough") is None


def test_session_tokens_reject_tampering_other_secrets_and_expiry():
    token = issue_token("s3cret", "user1", "sess1", 60)
    claims = read_token("s3cret", token)
    assert (claims.user_id, claims.session_id) == ("user1", "sess1") and claims.expires_at > time.time()
    head, payload, sig = token.split(".")
    for bad in (f"{head}.{payload}x.{sig}", f"{head}.{payload}.{sig[:-1]}A" if sig[-1] != "A" else f"{head}.{payload}.{sig[:-1]}B", "nonsense"):
        with pytest.raises(InvalidToken):
            read_token("s3cret", bad)
    with pytest.raises(InvalidToken):
        read_token("other", token)
    with pytest.raises(InvalidToken, match="expired"):
        read_token("s3cret", issue_token("s3cret", "user1", "sess1", -1))
    unsigned = jwt.encode({"sub": "user1", "sid": "s", "exp": int(time.time()) + 60}, key=None, algorithm="none")
    with pytest.raises(InvalidToken):
        read_token("s3cret", unsigned)
    no_session = jwt.encode({"sub": "user1", "exp": int(time.time()) + 60}, "s3cret", algorithm="HS256")
    with pytest.raises(InvalidToken):
        read_token("s3cret", no_session)


def test_api_keys_have_a_prefix_high_entropy_and_a_digest():
    key = generate_api_key()
    check_key_format(key)
    assert key.startswith("ak_") and len(key) >= 40 and key != generate_api_key()
    assert key_digest(key) == key_digest(key) and len(key_digest(key)) == 64 and key not in key_digest(key)
    for bad in ("sk_0123456789012345678901", "ak_short", "ak_with space 0123456789"):
        with pytest.raises(ValueError, match="ak_"):
            check_key_format(bad)


def test_emails_names_roles_and_scopes_are_checked_with_the_field_named():
    assert normalize_email("  Ada@Example.COM ") == "ada@example.com"
    for bad in ("ada", "ada@", "@example.com", "a b@example.com"):
        with pytest.raises(AccountError) as err:
            normalize_email(bad)
        assert err.value.status == 422 and err.value.field == "email"
    assert clean_name("  my   agents ") == "my agents"
    with pytest.raises(AccountError) as err:
        clean_name("  ")
    assert err.value.field == "name"
    with pytest.raises(AccountError):
        check_role("king")
    with pytest.raises(AccountError):
        check_scope("write")
    assert [role_rank(r) for r in ROLES] == [0, 1, 2, 3]
    assert at_least("owner", "admin") and at_least("admin", "admin") and not at_least("viewer", "member")
    assert not at_least(None, "viewer")


def test_ttl_cache_expires_and_stays_bounded():
    cache: TtlCache[str, int] = TtlCache(ttl_s=0.05, max_entries=3)
    cache.put("a", 1)
    assert cache.get("a") == (True, 1)
    time.sleep(0.06)
    assert cache.get("a") == (False, None)
    for i in range(5):
        cache.put(str(i), i)
    assert len(cache._entries) <= 3
    cache.drop("4")
    assert cache.get("4") == (False, None)
    off: TtlCache[str, int] = TtlCache(ttl_s=0)
    off.put("a", 1)
    assert off.get("a") == (False, None)  # TTL 0: every lookup goes to the store


def test_origin_check_and_key_parsing():
    check_origin(request({"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:8000"}))
    check_origin(request({"Host": "127.0.0.1:8000", "Referer": "http://127.0.0.1:8000/p/x/settings"}))
    for headers in ({"Host": "127.0.0.1:8000"}, {"Host": "127.0.0.1:8000", "Origin": "http://evil.example"},
                    {"Host": "127.0.0.1:8000", "Origin": "null"}):
        with pytest.raises(ApiError) as err:
            check_origin(request(headers))
        assert err.value.status == 403 and err.value.code == "csrf_origin"
    assert presented_key(request({"X-API-Key": " ak_abc "})) == "ak_abc"
    assert presented_key(request({"Authorization": "Bearer ak_abc"})) == "ak_abc"
    assert presented_key(request({"Authorization": "Bearer eyJhbGciOi"})) is None  # a session token, not a key


def test_database_url_and_multi_node_rules(tmp_path):
    settings = PlatformSettings(data_dir=tmp_path)
    assert database_url(settings) == f"sqlite:///{tmp_path / 'metadata.db'}"
    pg = PlatformSettings(data_dir=tmp_path, database_url="postgresql://u:p%40ss@db:5432/agentstack")
    assert database_url(pg) == "postgresql+psycopg://u:p%40ss@db:5432/agentstack"
    with pytest.raises(MetadataConfigError, match="postgresql://"):
        database_url(PlatformSettings(data_dir=tmp_path, database_url="mysql://u@db/x"))
    check_deployment(settings, 1)
    with pytest.raises(MetadataConfigError, match="4 alive nodes.*set DATABASE_URL"):
        check_deployment(settings, 4)
    with pytest.raises(MetadataConfigError, match="AGENTSTACK_SECRET_KEY"):
        check_deployment(pg, 4)
    check_deployment(pg.model_copy(update={"secret_key": SecretStr("x" * 40)}), 4)
    assert PlatformSettings(_env_file=None, DATABASE_URL="postgresql://x@y/z").database_url == "postgresql://x@y/z"


def test_signing_secret_is_created_once_privately_or_taken_from_the_env(tmp_path):
    settings = PlatformSettings(data_dir=tmp_path / "data")
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(signing_secret(settings))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1 and len(seen[0]) >= 40
    assert stat.S_IMODE(os.stat(settings.secret_key_file).st_mode) == 0o600
    assert [p.name for p in settings.data_dir.iterdir()] == ["secret-key"]  # no temporary files left
    assert signing_secret(settings.model_copy(update={"secret_key": SecretStr("from-env")})) == "from-env"
