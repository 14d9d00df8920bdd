"""Who is calling, for which project, with what role — the one dependency every route uses.

Credentials, first match wins: `X-API-Key: ak_…`, `Authorization: Bearer ak_…` (API keys),
`Authorization: Bearer <session token>` (API clients), the `agentstack_session` cookie (the web
UI). Cookie-authenticated state changes must carry an `Origin` (or `Referer`) of this host (CSRF).
Answers: 401 no or bad credentials; 403 a key of the wrong scope or a role too low; 404 a project
the caller cannot see (never revealing that it exists).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Path, Query, Request
from sqlalchemy.exc import DBAPIError, IntegrityError

from cluster.metadata.credentials import KEY_PREFIX, InvalidToken
from cluster.metadata.database import MetadataDB
from cluster.metadata.errors import AccountError
from cluster.metadata.projects import KeyGrant, at_least, effective_role
from cluster.metadata.resolver import MISS, AuthResolver, UserInfo
from cluster.settings import PlatformSettings
from cluster.store import StoreClient
from serve_apps.errors import ApiError, error_response

SESSION_COOKIE = "agentstack_session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Accounts:
    """What one replica's account-aware routes share: settings, metadata store, resolver, ClickHouse."""

    def __init__(self, settings: PlatformSettings, db: MetadataDB, store: StoreClient | None = None) -> None:
        self.settings = settings
        self.db = db
        self.store = store
        self.resolver = AuthResolver(db, settings)


def accounts_of(request: Request) -> Accounts:
    return request.app.state.accounts


def install_accounts(app: FastAPI, accounts: Accounts) -> None:
    """Attach `accounts` to the app and answer account refusals and metadata outages in the envelope."""
    app.state.accounts = accounts
    retry = {"Retry-After": str(accounts.settings.retry_after_s)}

    @app.exception_handler(AccountError)
    async def _account_error(_: Request, exc: AccountError) -> Any:
        if exc.field:
            return error_response(exc.status, exc.code, exc.message, None, field=exc.field)
        return error_response(exc.status, exc.code, exc.message)

    @app.exception_handler(DBAPIError)
    async def _metadata_down(_: Request, exc: DBAPIError) -> Any:
        if isinstance(exc, IntegrityError):
            return error_response(409, "conflict", "the change conflicts with a concurrent one; reload and retry")
        return error_response(
            503, "metadata_unavailable", f"the metadata store cannot be reached right now ({type(exc.orig).__name__})",
            headers=retry,
        )


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: a user (with the session, when it is one) or an API key."""

    user: UserInfo | None = None
    session_id: str | None = None
    key: KeyGrant | None = None
    via_cookie: bool = False


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def presented_key(request: Request) -> str | None:
    """The API key a request carries (`X-API-Key`, or `Authorization: Bearer ak_…`), if any."""
    key = request.headers.get("x-api-key", "").strip()
    if key:
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token.startswith(KEY_PREFIX):
        return token
    return None


def _bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token and not token.startswith(KEY_PREFIX) else None


def check_origin(request: Request) -> None:
    """403 `csrf_origin` unless the request's Origin (or Referer) names this host."""
    source = request.headers.get("origin") or request.headers.get("referer")
    hosts = {h for h in (request.headers.get("host"), request.headers.get("x-forwarded-host")) if h}
    if not source or source == "null" or urlsplit(source).netloc not in hosts:
        raise ApiError(
            403, "csrf_origin",
            "a state change with the session cookie must come from this site's own pages (Origin/Referer of "
            f"{sorted(hosts)[0] if hosts else 'this host'}); API clients send 'Authorization: Bearer <token>' instead",
        )


def _key_grant(accounts: Accounts, key: str) -> KeyGrant:
    grant = accounts.resolver.key_grant(key)
    if grant is None:
        raise _unauthorized("invalid_api_key", f"API key '{key[:6]}…' is not known or was revoked")
    return grant


def caller(request: Request) -> Caller:
    """Dependency: the authenticated caller of any account-aware route (401 without valid credentials)."""
    accounts = accounts_of(request)
    key = presented_key(request)
    if key is not None:
        return Caller(key=_key_grant(accounts, key))
    token, via_cookie = _bearer_token(request), False
    if token is None:
        token, via_cookie = request.cookies.get(SESSION_COOKIE), True
    if not token:
        raise _unauthorized(
            "not_authenticated", "log in first (session cookie or 'Authorization: Bearer <token>'), or send a read API key"
        )
    try:
        grant = accounts.resolver.session(token)
    except InvalidToken as exc:
        raise _unauthorized("invalid_token", str(exc)) from exc
    if grant is None:
        raise _unauthorized("session_ended", "this session has ended (logged out, password changed or account disabled); log in again")
    if via_cookie and request.scope.get("method") not in _SAFE_METHODS:  # a WebSocket handshake has none: checked
        check_origin(request)
    return Caller(user=grant.user, session_id=grant.session_id, via_cookie=via_cookie)


def current_user(request: Request) -> Caller:
    """Dependency: a logged-in person (API keys get 403 `insufficient_scope`)."""
    who = caller(request)
    if who.user is None:
        raise ApiError(403, "insufficient_scope", "API keys cannot manage accounts or projects; log in as a user")
    return who


def instance_admin(request: Request) -> Caller:
    """Dependency: an instance admin (403 `admin_required` for anyone else)."""
    who = current_user(request)
    if not who.user or not who.user.is_admin:
        raise ApiError(403, "admin_required", "only an instance admin may do this")
    return who


@dataclass(frozen=True)
class ProjectAccess:
    """A caller allowed on one project, and their role there ("read" for read keys)."""

    project_id: str
    role: str
    caller: Caller


def _no_project(project_id: str) -> ApiError:
    return ApiError(404, "project_not_found", f"no project {project_id[:64]!r} that you can see")


def user_project_access(accounts: Accounts, who: Caller, project_id: str, needed: str) -> ProjectAccess:
    """A user's access to a project: 404 without a role there, 403 when the role is below `needed`."""
    assert who.user is not None
    with accounts.db.session() as db:
        role = effective_role(db, who.user.id, who.user.is_admin, project_id)
    if role is None:
        raise _no_project(project_id)
    if not at_least(role, needed):
        raise ApiError(403, "forbidden_role", f"this needs the {needed} role or higher on the project; you are {role}")
    return ProjectAccess(project_id, role, who)


def project_role(needed: str) -> Callable[..., ProjectAccess]:
    """Dependency factory for `/projects/{project_id}/…` routes: a user with at least `needed` there."""

    def dependency(request: Request, project_id: str = Path(max_length=64)) -> ProjectAccess:
        return user_project_access(accounts_of(request), current_user(request), project_id, needed)

    return dependency


def read_access(
    request: Request,
    project_id: str | None = Query(None, max_length=64, description="the project to read (optional with a read key)"),
) -> ProjectAccess:
    """Dependency of every read endpoint: a user with any role on `project_id`, or a `read` key of it."""
    who = caller(request)
    if who.key is not None:
        if who.key.scope != "read":
            raise ApiError(403, "insufficient_scope", "this is an ingest key: it may only send spans; use a read key or log in")
        if project_id is not None and project_id != who.key.project_id:
            raise _no_project(project_id)
        return ProjectAccess(who.key.project_id, "read", who)
    if not project_id:
        raise ApiError(422, "missing_project_id", "pass ?project_id=… (the project to read)", field="project_id")
    return user_project_access(accounts_of(request), who, project_id, "viewer")


async def ingest_project(request: Request, accounts: Accounts) -> str:
    """The project an ingest request writes to: an `ingest` key's (cached; the database only on a miss).

    Raises:
        ApiError: 401 missing or unknown key, 403 a key of another scope, 503 metadata store down.
    """
    key = presented_key(request)
    if key is None:
        raise _unauthorized(
            "missing_api_key", "no API key: send your project's ingest key in the 'X-API-Key' header (or 'Authorization: Bearer ak_…')"
        )
    grant = accounts.resolver.cached_key(key)
    if grant is MISS:
        try:
            grant = await asyncio.to_thread(accounts.resolver.key_grant, key)
        except DBAPIError as exc:
            raise ApiError(
                503, "metadata_unavailable", "cannot check the API key right now; retry",
                headers={"Retry-After": str(accounts.settings.retry_after_s)},
            ) from exc
    if grant is None:
        raise _unauthorized(
            "invalid_api_key",
            f"API key '{key[:6]}…' is not known or was revoked; use your project's ingest key (make demo reads .agentstack/local-api-key)",
        )
    assert isinstance(grant, KeyGrant)
    if grant.scope != "ingest":
        raise ApiError(403, "insufficient_scope", f"this is a {grant.scope} key: it cannot send spans; use an ingest key")
    return grant.project_id
