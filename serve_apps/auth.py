"""The `/api/v1/auth` resource: status, register, login, logout(-all), me, password change.

Login answers with an httpOnly, SameSite=Lax session cookie (Secure over https) for the web UI
and the same token in the body for API clients.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from cluster.metadata import accounts as users
from cluster.metadata.credentials import MIN_PASSWORD_CHARS
from cluster.metadata.errors import AccountError
from cluster.metadata.models import User
from cluster.metadata.projects import projects_of
from cluster.metadata.resolver import UserInfo
from serve_apps.access import SESSION_COOKIE, Accounts, Caller, accounts_of, check_origin, current_user
from serve_apps.errors import ApiError, error_docs

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class UserOut(BaseModel):
    """A user account."""

    id: str
    email: str
    is_admin: bool
    disabled: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User | UserInfo) -> UserOut:
        return cls(id=user.id, email=user.email, is_admin=user.is_admin, disabled=user.disabled, created_at=user.created_at)


class AuthStatus(BaseModel):
    needs_setup: bool = Field(description="true while no user exists: the UI shows the create-admin page")
    signup_allowed: bool


#: The address rule `normalize_email` applies (surrounding spaces are trimmed), declared in the schema.
#: `\x1c-\x1f\x85` are whitespace to Python's `\s` (the server's) but not to JSON Schema's (ECMA) `\s`.
_ADDRESS_CHAR = r"[^@\s\x1c-\x1f\x85]"
EMAIL_PATTERN = rf"^\s*{_ADDRESS_CHAR}{{1,64}}@{_ADDRESS_CHAR}+\.{_ADDRESS_CHAR}+\s*$"
#: The schema declarations of a new address and password. The server checks both itself (422
#: `invalid_email` / `weak_password` naming the field), so these only document the same rules.
NEW_EMAIL: dict[str, Any] = {"pattern": EMAIL_PATTERN}
NEW_PASSWORD: dict[str, Any] = {"minLength": MIN_PASSWORD_CHARS}


class Credentials(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class RegisterIn(Credentials):
    email: str = Field(max_length=320, json_schema_extra=NEW_EMAIL)
    password: str = Field(max_length=1024, json_schema_extra=NEW_PASSWORD,
                          description=f"at least {MIN_PASSWORD_CHARS} characters")
    setup_code: str | None = Field(None, max_length=200, description="the one-time code printed at first start (first user only)")


class SessionOut(BaseModel):
    """A new session: the user and the token (also set as the session cookie)."""

    user: UserOut
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


class ProjectRef(BaseModel):
    id: str
    name: str
    role: str


class MeOut(BaseModel):
    user: UserOut
    projects: list[ProjectRef]


class PasswordIn(BaseModel):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024, json_schema_extra=NEW_PASSWORD,
                              description=f"at least {MIN_PASSWORD_CHARS} characters")


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def _session_answer(accounts: Accounts, request: Request, response: Response, user: UserOut, token: str) -> SessionOut:
    ttl = accounts.settings.session_ttl_s
    response.set_cookie(
        SESSION_COOKIE, token, max_age=ttl, path="/", httponly=True, samesite="lax", secure=_is_https(request)
    )
    return SessionOut(user=user, access_token=token, expires_in=ttl)


def _check_form_origin(request: Request) -> None:
    """Login/register from a browser must come from this site (a page elsewhere cannot log you in)."""
    if request.headers.get("origin") or request.headers.get("referer"):
        check_origin(request)


@router.get("/status", response_model=AuthStatus, responses=error_docs(503))
def status(request: Request) -> AuthStatus:
    """Whether the instance still needs its first (admin) account, and whether anyone may sign up."""
    accounts = accounts_of(request)
    with accounts.db.session() as db:
        needs_setup = users.user_count(db) == 0
    return AuthStatus(needs_setup=needs_setup, signup_allowed=needs_setup or accounts.settings.allow_signup)


@router.post("/register", status_code=201, response_model=SessionOut, responses=error_docs(403, 409, 422, 503))
def register(body: RegisterIn, request: Request, response: Response) -> SessionOut:
    """Create an account and log in: the first one (with the setup code) becomes instance admin."""
    _check_form_origin(request)
    accounts = accounts_of(request)
    with accounts.db.session() as db:
        first = users.user_count(db) == 0
        user = users.register(db, accounts.settings, body.email, body.password, body.setup_code)
        token = users.open_session(db, accounts.settings, accounts.resolver.secret, user)
        out = UserOut.of(user)
    if first:
        accounts.settings.setup_code_file.unlink(missing_ok=True)
    return _session_answer(accounts, request, response, out, token)


@router.post("/login", response_model=SessionOut, responses=error_docs(401, 403, 422, 429, 503))
def login(body: Credentials, request: Request, response: Response) -> SessionOut:
    """Log in with email and password (429 with Retry-After after repeated failures)."""
    _check_form_origin(request)
    accounts = accounts_of(request)
    address = request.client.host if request.client else None
    try:
        with accounts.db.session() as db:
            user = users.login(db, accounts.settings, body.email, body.password, address)
            token = users.open_session(db, accounts.settings, accounts.resolver.secret, user)
            out = UserOut.of(user)
    except users.LoginThrottled as exc:
        raise ApiError(
            429, "too_many_attempts", f"too many failed logins; wait {exc.retry_after_s} s and try again",
            headers={"Retry-After": str(exc.retry_after_s)},
        ) from exc
    except AccountError as exc:
        if exc.code == "invalid_credentials":
            _count_failure(accounts, body.email, address)
        raise
    return _session_answer(accounts, request, response, out, token)


def _count_failure(accounts: Accounts, email: str, address: str | None) -> None:
    """Count a failed login; a concurrent first failure of the same subject inserts first, so retry once."""
    for attempt in (1, 2):
        try:
            with accounts.db.session() as db:
                users.record_login_failure(db, accounts.settings, email, address)
            return
        except IntegrityError:
            if attempt == 2:
                raise


def _clear_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_is_https(request))


@router.post("/logout", status_code=204, responses=error_docs(401, 403))
def logout(request: Request, response: Response, who: Caller = Depends(current_user)) -> Response:
    """End this session (the cookie is cleared; the token stops working everywhere)."""
    accounts = accounts_of(request)
    assert who.user is not None and who.session_id is not None
    with accounts.db.session() as db:
        users.revoke_sessions(db, who.user.id, only=who.session_id)
    accounts.resolver.forget_session(who.session_id)
    response.status_code = 204
    _clear_cookie(request, response)
    return response


@router.post("/logout-all", status_code=204, responses=error_docs(401, 403))
def logout_all(request: Request, response: Response, who: Caller = Depends(current_user)) -> Response:
    """End every session of the caller, on every device."""
    accounts = accounts_of(request)
    assert who.user is not None and who.session_id is not None
    with accounts.db.session() as db:
        users.revoke_sessions(db, who.user.id)
    accounts.resolver.forget_session(who.session_id)
    response.status_code = 204
    _clear_cookie(request, response)
    return response


@router.get("/me", response_model=MeOut, responses=error_docs(401, 403))
def me(request: Request, who: Caller = Depends(current_user)) -> MeOut:
    """The caller and the projects they see, with their role on each."""
    accounts = accounts_of(request)
    assert who.user is not None
    with accounts.db.session() as db:
        user = db.get(User, who.user.id)
        if user is None:
            raise ApiError(401, "session_ended", "this account no longer exists; log in again")
        projects = [ProjectRef(id=p.id, name=p.name, role=role) for p, role in projects_of(db, user)]
        out = UserOut.of(user)
    return MeOut(user=out, projects=projects)


@router.post("/password", status_code=204, responses=error_docs(401, 403, 422))
def change_password(body: PasswordIn, request: Request, who: Caller = Depends(current_user)) -> Response:
    """Change your password; every other session of yours ends."""
    accounts = accounts_of(request)
    assert who.user is not None
    with accounts.db.session() as db:
        user = db.get_one(User, who.user.id)
        users.change_password(db, user, body.current_password, body.new_password, keep_session=who.session_id)
    return Response(status_code=204)
