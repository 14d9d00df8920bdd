"""Secrets and how each is kept: API keys (SHA-256 digests), passwords (Argon2id), session tokens
(JWT HS256 naming a server-side session), setup codes, and the signing secret's file.

API keys are high-entropy `ak_…` tokens: their digest is looked up directly — no per-request
scan, no slow KDF. Passwords are low-entropy, so they get a slow, memory-hard KDF.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cluster.settings import PlatformSettings

KEY_PREFIX = "ak_"
MIN_KEY_CHARS = 20
#: Characters of a key kept in plaintext so a person can tell keys apart (`ak_AbCd`).
SHOWN_PREFIX_CHARS = 7
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024
TOKEN_ALGORITHM = "HS256"

_hasher = PasswordHasher()  # Argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def key_digest(key: str) -> str:
    """SHA-256 hex digest of an API key or setup code (what the store keeps)."""
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


def key_prefix(key: str) -> str:
    """The part of a key shown in listings."""
    return key[:SHOWN_PREFIX_CHARS]


def check_password_rules(password: str) -> str | None:
    """Why `password` cannot be used, or None when it can."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"the password must have at least {MIN_PASSWORD_CHARS} characters (it has {len(password)})"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"the password must have at most {MAX_PASSWORD_CHARS} characters"
    return None


def hash_password(password: str) -> str:
    """Argon2id hash of `password` (salted, parameters encoded in the result)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; with no hash (unknown user) a dummy check keeps the timing the same."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def generate_setup_code() -> str:
    """A one-time setup code a person can type or paste (about 120 bits)."""
    return secrets.token_urlsafe(15)


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class TokenClaims:
    """What a valid session token says: the user, the server-side session and when it ends."""

    user_id: str
    session_id: str
    expires_at: int


class InvalidToken(ValueError):
    """A session token that is malformed, tampered with, signed with another secret or expired."""


def issue_token(secret: str, user_id: str, session_id: str, ttl_s: int) -> str:
    """A signed session token (JWT HS256: sub=user id, sid=session id, iat, exp)."""
    now = int(time.time())
    claims = {"sub": user_id, "sid": session_id, "iat": now, "exp": now + ttl_s}
    return jwt.encode(claims, secret, algorithm=TOKEN_ALGORITHM)


def read_token(secret: str, token: str) -> TokenClaims:
    """The claims of a token this installation signed.

    Raises:
        InvalidToken: for any token that is not valid now (the reason is in the message).
    """
    try:
        claims = jwt.decode(token, secret, algorithms=[TOKEN_ALGORITHM], options={"require": ["exp", "sub", "sid"]})
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the session has expired; log in again") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("the session token is not valid; log in again") from exc
    if not isinstance(claims.get("sub"), str) or not isinstance(claims.get("sid"), str):
        raise InvalidToken("the session token is not valid; log in again")
    return TokenClaims(user_id=claims["sub"], session_id=claims["sid"], expires_at=int(claims["exp"]))


def write_private_file(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the owner only (0600), replacing what was there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def signing_secret(settings: PlatformSettings) -> str:
    """The session-token signing secret: `AGENTSTACK_SECRET_KEY`, else `<data_dir>/secret-key`.

    The file is created on first need, atomically and only once, so concurrent replicas and the
    platform all end up with the same secret.
    """
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value()
    path = settings.secret_key_file
    for _ in range(50):
        if path.exists():
            value = path.read_text().strip()
            if value:
                return value
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
            try:
                os.link(tmp, path)  # fails when another process created it first: then use theirs
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        time.sleep(0.02)
    raise RuntimeError(f"{path} exists but is empty; delete it (sessions will end) or set AGENTSTACK_SECRET_KEY")
