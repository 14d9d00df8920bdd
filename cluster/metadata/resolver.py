"""Who is calling: API keys and session tokens resolved against the metadata store, with short
per-replica caches so the hot path stays off the database while a revoked key or session stops
working on every replica within `api_key_cache_ttl_s` seconds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from cluster.metadata.accounts import session_user
from cluster.metadata.credentials import InvalidToken, key_digest, read_token, signing_secret
from cluster.metadata.database import MetadataDB
from cluster.metadata.models import User, utcnow
from cluster.metadata.projects import KeyGrant, grant_for_key, touch_key
from cluster.settings import PlatformSettings

K = TypeVar("K")
V = TypeVar("V")

#: `last_used_at` of a key is written at most this often (s).
KEY_TOUCH_INTERVAL_S = 60.0


class TtlCache(Generic[K, V]):
    """A small thread-safe map whose entries live `ttl_s` seconds; cleared when it passes `max_entries`."""

    def __init__(self, ttl_s: float, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> tuple[bool, V | None]:
        """(True, value) for a live entry, (False, None) otherwise."""
        with self._lock:
            hit = self._entries.get(key)
        if hit is None or hit[0] <= time.monotonic():
            return False, None
        return True, hit[1]

    def put(self, key: K, value: V) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # bounded memory against floods of random keys or tokens
            self._entries[key] = (time.monotonic() + self.ttl_s, value)

    def drop(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)


@dataclass(frozen=True)
class UserInfo:
    """A user as the HTTP layer sees them (no password hash, safe to cache)."""

    id: str
    email: str
    is_admin: bool
    disabled: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserInfo:
        return cls(id=user.id, email=user.email, is_admin=user.is_admin, disabled=user.disabled, created_at=user.created_at)


@dataclass(frozen=True)
class SessionGrant:
    """A valid login session and its user."""

    user: UserInfo
    session_id: str


MISS = object()


class AuthResolver:
    """One replica's view of keys and sessions (see the module docstring)."""

    def __init__(self, db: MetadataDB, settings: PlatformSettings) -> None:
        self.db = db
        self.settings = settings
        self._keys: TtlCache[str, KeyGrant | None] = TtlCache(settings.api_key_cache_ttl_s)
        self._sessions: TtlCache[str, SessionGrant | None] = TtlCache(settings.api_key_cache_ttl_s)
        self._touched: dict[str, float] = {}
        self._secret: str | None = None

    @property
    def secret(self) -> str:
        """The token signing secret (read once per replica)."""
        if self._secret is None:
            self._secret = signing_secret(self.settings)
        return self._secret

    def cached_key(self, key: str) -> KeyGrant | None | object:
        """The cached grant of `key` when no database work is due, else MISS (then call `key_grant`)."""
        hit, grant = self._keys.get(key_digest(key))
        if not hit:
            return MISS
        if grant is not None and self._touch_due(grant.key_id):
            return MISS
        return grant

    def key_grant(self, key: str) -> KeyGrant | None:
        """The grant of an API key (None: unknown or revoked); records its use at most once a minute."""
        digest = key_digest(key)
        hit, grant = self._keys.get(digest)
        if not hit:
            with self.db.session() as db:
                grant = grant_for_key(db, key)
            self._keys.put(digest, grant)
        if grant is not None and self._touch_due(grant.key_id):
            self._touched[grant.key_id] = time.monotonic()
            if len(self._touched) > 10_000:
                self._touched.clear()
            with self.db.session() as db:
                touch_key(db, grant.key_id, utcnow(), KEY_TOUCH_INTERVAL_S)
        return grant

    def _touch_due(self, key_id: str) -> bool:
        last = self._touched.get(key_id)
        return last is None or time.monotonic() - last >= KEY_TOUCH_INTERVAL_S

    def session(self, token: str) -> SessionGrant | None:
        """The session a token names, or None when it was revoked, expired or its user disabled.

        Raises:
            InvalidToken: a malformed, tampered or expired token.
        """
        claims = read_token(self.secret, token)
        hit, grant = self._sessions.get(claims.session_id)
        if hit:
            return grant if grant is None or grant.user.id == claims.user_id else None
        with self.db.session() as db:
            found = session_user(db, claims)
            grant = SessionGrant(UserInfo.of(found[0]), found[1].id) if found else None
        self._sessions.put(claims.session_id, grant)
        return grant

    def forget_session(self, session_id: str) -> None:
        """Drop a session from this replica's cache (after logout here; others expire it by TTL)."""
        self._sessions.drop(session_id)


__all__ = ["MISS", "AuthResolver", "InvalidToken", "SessionGrant", "TtlCache", "UserInfo"]
