"""Projects and API keys, kept in the shared store (never a per-node file).

API keys are high-entropy `ak_…` tokens: only their SHA-256 digest is stored and looked up
directly — no per-request scan, no slow KDF. The plaintext is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

from cluster.store import StoreClient

KEY_PREFIX = "ak_"
MIN_KEY_CHARS = 20
DEFAULT_PROJECT_NAME = "default"


def key_digest(key: str) -> str:
    """SHA-256 hex digest of an API key (what the store keeps)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def generate_api_key() -> str:
    """A new random API key: `ak_` followed by 43 URL-safe characters (256 bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def check_key_format(key: str) -> None:
    """Raise ValueError unless `key` looks like an AgentStack API key."""
    if not key.startswith(KEY_PREFIX) or len(key) < MIN_KEY_CHARS or not key.isprintable() or " " in key:
        raise ValueError(
            f"an API key must start with '{KEY_PREFIX}' and have at least {MIN_KEY_CHARS} printable "
            f"characters without spaces; got one of {len(key)} characters starting with {key[:3]!r}"
        )


@dataclass(frozen=True)
class BootstrapResult:
    project_id: str
    api_key: str | None  # plaintext, only when this call created it
    generated: bool


async def create_project(store: StoreClient, name: str, api_key: str | None = None) -> tuple[str, str]:
    """Create a project and its first API key; returns (project_id, plaintext key)."""
    key = api_key or generate_api_key()
    check_key_format(key)
    project_id = uuid.uuid4().hex
    await store.insert("projects", [(project_id, name)], ("project_id", "name"))
    await store.insert("api_keys", [(key_digest(key), project_id, key[:7])], ("digest", "project_id", "prefix"))
    return project_id, key


async def bootstrap_default_project(store: StoreClient, bootstrap_key: str | None) -> BootstrapResult | None:
    """On first start (no projects yet) create the default project and its key.

    Args:
        store: the store client.
        bootstrap_key: `AGENTSTACK_BOOTSTRAP_API_KEY`, used as the key when set.

    Returns:
        What was created, or None when projects already existed.
    """
    rows = await store.query("SELECT count() AS n FROM projects")
    if rows and rows[0]["n"] > 0:
        return None
    project_id, key = await create_project(store, DEFAULT_PROJECT_NAME, bootstrap_key)
    return BootstrapResult(project_id=project_id, api_key=key, generated=bootstrap_key is None)


async def project_for_key(store: StoreClient, key: str) -> str | None:
    """The project id an API key belongs to, or None for an unknown or revoked key."""
    rows = await store.query(
        "SELECT project_id, revoked FROM api_keys FINAL WHERE digest = {d:String} LIMIT 1",
        {"d": key_digest(key)},
    )
    if not rows or rows[0]["revoked"]:
        return None
    return str(rows[0]["project_id"])


async def revoke_api_key(store: StoreClient, key: str) -> bool:
    """Revoke an API key (a newer row with `revoked = 1`); returns False when the key is unknown.

    Every replica refuses it once its cache entry expires (`api_key_cache_ttl_s`, seconds).
    """
    rows = await store.query(
        "SELECT project_id, prefix FROM api_keys FINAL WHERE digest = {d:String} LIMIT 1", {"d": key_digest(key)}
    )
    if not rows:
        return False
    await store.insert(
        "api_keys",
        [(key_digest(key), rows[0]["project_id"], rows[0]["prefix"], 1)],
        ("digest", "project_id", "prefix", "revoked"),
    )
    return True


class ApiKeyCache:
    """Per-replica cache of key digest → project id (or unknown), each entry living `ttl_s` seconds.

    A short TTL keeps lookups off the store on the hot path while a revoked key stops working
    within seconds everywhere.
    """

    def __init__(self, store: StoreClient, ttl_s: float, max_entries: int = 10_000) -> None:
        self._store = store
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._entries: dict[str, tuple[float, str | None]] = {}

    async def project_for(self, key: str) -> str | None:
        digest = key_digest(key)
        now = time.monotonic()
        hit = self._entries.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        project_id = await project_for_key(self._store, key)
        if len(self._entries) >= self._max_entries:
            self._entries.clear()  # bounded memory against floods of random keys
        self._entries[digest] = (now + self._ttl_s, project_id)
        return project_id
