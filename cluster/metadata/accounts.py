"""Users and their sessions: registration, login (with failure limits), password changes, revocation.

Every function takes an open `Session` (one unit of work) and raises `AccountError` for a refusal.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cluster.metadata.credentials import (
    TokenClaims,
    check_password_rules,
    hash_password,
    issue_token,
    key_digest,
    new_session_id,
    verify_password,
)
from cluster.metadata.errors import AccountError
from cluster.metadata.models import AuthSession, LoginFailure, Member, Project, SetupCode, User, utcnow
from cluster.settings import PlatformSettings

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    """`email` trimmed and lower-cased; AccountError (422, field email) when it is not an address."""
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 320:
        raise AccountError(422, "invalid_email", f"'{email[:80]}' is not an email address (name@example.com)", "email")
    return value


def _check_password(password: str, field: str = "password") -> None:
    problem = check_password_rules(password)
    if problem:
        raise AccountError(422, "weak_password", problem, field)


def user_count(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(User)) or 0)


def user_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(db: Session, email: str, password: str, is_admin: bool = False) -> User:
    """A new user (409 `email_taken` when the address is in use)."""
    address = normalize_email(email)
    _check_password(password)
    if user_by_email(db, address) is not None:
        raise AccountError(409, "email_taken", f"an account for {address} already exists", "email")
    user = User(id=uuid.uuid4().hex, email=address, password_hash=hash_password(password), is_admin=is_admin, disabled=False)
    db.add(user)
    try:
        db.flush()
    except IntegrityError as exc:  # a concurrent registration of the same address won
        raise AccountError(409, "email_taken", f"an account for {address} already exists", "email") from exc
    return user


def make_owner_of_every_project(db: Session, user: User) -> None:
    """The first user owns what existed before anyone could log in (e.g. the `default` project)."""
    member_of = set(db.scalars(select(Member.project_id).where(Member.user_id == user.id)))
    for project_id in db.scalars(select(Project.id)):
        if project_id not in member_of:
            db.add(Member(project_id=project_id, user_id=user.id, role="owner"))


def register(db: Session, settings: PlatformSettings, email: str, password: str, setup_code: str | None) -> User:
    """Self-registration: the first user needs the setup code and becomes instance admin; later
    users only when `AGENTSTACK_ALLOW_SIGNUP=true`."""
    normalize_email(email)
    _check_password(password)
    if user_count(db) == 0:
        if not setup_code:
            raise AccountError(
                403, "setup_code_required",
                "the first account needs the one-time setup code printed at first start "
                f"(also in {settings.setup_code_file})", "setup_code",
            )
        used = db.execute(delete(SetupCode).where(SetupCode.digest == key_digest(setup_code.strip())))
        if used.rowcount != 1:  # type: ignore[attr-defined]
            raise AccountError(
                403, "invalid_setup_code",
                f"the setup code is wrong or was already used; the current one is in {settings.setup_code_file}",
                "setup_code",
            )
        user = create_user(db, email, password, is_admin=True)
        make_owner_of_every_project(db, user)
        return user
    if not settings.allow_signup:
        raise AccountError(
            403, "signup_disabled",
            "sign-up is disabled on this instance: ask an admin to create your account (or set AGENTSTACK_ALLOW_SIGNUP=true)",
        )
    return create_user(db, email, password)


class LoginThrottled(Exception):
    """Too many failed logins; retry after `retry_after_s` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed logins; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


def _failure_subjects(email: str, address: str | None) -> list[tuple[str, str]]:
    subjects = [(f"email:{email.strip().lower()[:320]}", "account")]
    if address:
        subjects.append((f"addr:{address[:64]}", "address"))
    return subjects


def _limit(settings: PlatformSettings, kind: str) -> int:
    return settings.login_max_failures if kind == "account" else settings.login_max_failures_per_address


def check_login_allowed(db: Session, settings: PlatformSettings, email: str, address: str | None) -> None:
    """Raise LoginThrottled while the account or the client address has too many recent failures."""
    now = utcnow()
    for subject, kind in _failure_subjects(email, address):
        row = db.get(LoginFailure, subject)
        if row is None:
            continue
        ends = row.window_started_at + timedelta(seconds=settings.login_window_s)
        if ends > now and row.failures >= _limit(settings, kind):
            raise LoginThrottled(max(1, int((ends - now).total_seconds()) + 1))


def record_login_failure(db: Session, settings: PlatformSettings, email: str, address: str | None) -> None:
    """Count one failed login for the account and the address (a fresh window when the old one ended)."""
    now = utcnow()
    for subject, _kind in _failure_subjects(email, address):
        row = db.get(LoginFailure, subject, with_for_update=True)
        if row is None:
            db.add(LoginFailure(subject=subject, failures=1, window_started_at=now))
        elif row.window_started_at + timedelta(seconds=settings.login_window_s) <= now:
            row.failures, row.window_started_at = 1, now
        else:
            row.failures += 1


def login(db: Session, settings: PlatformSettings, email: str, password: str, address: str | None) -> User:
    """The user whose email and password match (the caller counts an `invalid_credentials` refusal
    with `record_login_failure` in a unit of work of its own, since this one rolls back).

    Raises:
        LoginThrottled: too many recent failures for the account or the address.
        AccountError: 401 `invalid_credentials` (same for unknown email and wrong password),
            403 `user_disabled`.
    """
    check_login_allowed(db, settings, email, address)
    user = user_by_email(db, email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise AccountError(401, "invalid_credentials", "the email or the password is wrong")
    if user.disabled:
        raise AccountError(403, "user_disabled", "this account is disabled; ask an instance admin to enable it")
    db.execute(delete(LoginFailure).where(LoginFailure.subject == f"email:{user.email}"))
    return user


def open_session(db: Session, settings: PlatformSettings, secret: str, user: User) -> str:
    """Start a server-side session for `user`; returns its signed token."""
    session = AuthSession(
        id=new_session_id(), user_id=user.id, expires_at=utcnow() + timedelta(seconds=settings.session_ttl_s)
    )
    db.add(session)
    db.flush()
    return issue_token(secret, user.id, session.id, settings.session_ttl_s)


def session_user(db: Session, claims: TokenClaims) -> tuple[User, AuthSession] | None:
    """The user and session a valid token names, or None when revoked, expired or disabled."""
    row = db.execute(
        select(User, AuthSession)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.id == claims.session_id, User.id == claims.user_id)
    ).first()
    if row is None:
        return None
    user, session = row
    if session.revoked_at is not None or session.expires_at <= utcnow() or user.disabled:
        return None
    return user, session


def revoke_sessions(db: Session, user_id: str, only: str | None = None, keep: str | None = None) -> int:
    """Revoke one session (`only`) or every session of a user except `keep`; returns how many."""
    query = update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
    if only is not None:
        query = query.where(AuthSession.id == only)
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    return int(db.execute(query.values(revoked_at=utcnow())).rowcount)  # type: ignore[attr-defined]


def change_password(db: Session, user: User, current: str, new: str, keep_session: str | None) -> None:
    """Change a user's own password; every other session of theirs ends."""
    if not verify_password(user.password_hash, current):
        raise AccountError(403, "wrong_password", "the current password is wrong", "current_password")
    _check_password(new, "new_password")
    db.get_one(User, user.id).password_hash = hash_password(new)
    revoke_sessions(db, user.id, keep=keep_session)


def list_users(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(User.created_at, User.email)))


def update_user(
    db: Session, acting: User, user_id: str, disabled: bool | None, password: str | None, is_admin: bool | None
) -> User:
    """An instance admin disables/enables a user, resets a password or changes admin rights.

    Disabling or a password reset ends every session of the user.
    """
    user = db.get(User, user_id)
    if user is None:
        raise AccountError(404, "user_not_found", f"no user {user_id}")
    if user.id == acting.id and (disabled or is_admin is False):
        raise AccountError(409, "cannot_demote_self", "you cannot disable yourself or remove your own admin rights")
    if password is not None:
        _check_password(password)
        user.password_hash = hash_password(password)
    if disabled is not None:
        user.disabled = disabled
    if is_admin is not None:
        user.is_admin = is_admin
    if disabled or password is not None:
        revoke_sessions(db, user.id)
    db.flush()
    return user

