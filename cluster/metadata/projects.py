"""Projects, their members and roles, and their API keys.

Every function takes an open `Session` (one unit of work) and raises `AccountError` for a refusal.
Role checks of the *caller* happen in the HTTP layer's one access dependency; the rules that hold
whoever calls (the last owner stays, only owners make owners) live here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cluster.metadata.accounts import normalize_email, user_by_email
from cluster.metadata.credentials import check_key_format, generate_api_key, key_digest, key_prefix
from cluster.metadata.errors import AccountError
from cluster.metadata.models import ROLES, SCOPES, ApiKey, Member, Project, ProjectDeletion, User, role_rank, utcnow

MAX_NAME_CHARS = 100


def clean_name(name: str, what: str = "project") -> str:
    """A project or key name, trimmed; AccountError (422, field name) when empty or too long."""
    value = " ".join(name.split())
    if not value or len(value) > MAX_NAME_CHARS or not value.isprintable():
        raise AccountError(
            422, "invalid_name", f"a {what} name needs 1 to {MAX_NAME_CHARS} printable characters, got {name[:120]!r}", "name"
        )
    return value


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(422, "invalid_role", f"role must be one of {', '.join(ROLES)}; got {role[:40]!r}", "role")
    return role


def check_scope(scope: str) -> str:
    if scope not in SCOPES:
        raise AccountError(422, "invalid_scope", f"scope must be one of {', '.join(SCOPES)}; got {scope[:40]!r}", "scope")
    return scope


# -- projects ---------------------------------------------------------------------------------------


def effective_role(db: Session, user_id: str, is_admin: bool, project_id: str) -> str | None:
    """What a user may do on a project: their member role, "owner" for instance admins, None without access."""
    if db.get(Project, project_id) is None:
        return None
    if is_admin:
        return "owner"
    return db.scalar(select(Member.role).where(Member.project_id == project_id, Member.user_id == user_id))


def projects_of(db: Session, user: User) -> list[tuple[Project, str]]:
    """The projects a user sees with their role (instance admins see all; "admin" where not a member)."""
    memberships = {pid: role for pid, role in db.execute(select(Member.project_id, Member.role).where(Member.user_id == user.id))}
    if user.is_admin:
        projects = list(db.scalars(select(Project).order_by(Project.created_at, Project.name)))
        return [(p, memberships.get(p.id, "admin")) for p in projects]
    rows = db.execute(
        select(Project, Member.role).join(Member, Member.project_id == Project.id).where(Member.user_id == user.id)
        .order_by(Project.created_at, Project.name)
    )
    return [(project, role) for project, role in rows]


def create_project(
    db: Session, name: str, owner: User | None, created_by: str, api_key: str | None = None, key_name: str = "default"
) -> tuple[Project, ApiKey, str]:
    """A project with its first `ingest` key; `owner` (when given) becomes its owner.

    Returns:
        The project, its key row and the key's plaintext (shown once).
    """
    project = Project(id=uuid.uuid4().hex, name=clean_name(name))
    db.add(project)
    db.flush()
    if owner is not None:
        db.add(Member(project_id=project.id, user_id=owner.id, role="owner"))
    key, plaintext = add_key(db, project.id, key_name, "ingest", created_by, api_key)
    return project, key, plaintext


def rename_project(db: Session, project_id: str, name: str) -> Project:
    project = db.get_one(Project, project_id)
    project.name = clean_name(name)
    db.flush()
    return project


def delete_project(db: Session, project_id: str) -> None:
    """Remove a project's metadata (members and keys go with it) and record its data for deletion."""
    project = db.get_one(Project, project_id)
    db.delete(project)
    if db.get(ProjectDeletion, project_id) is None:
        db.add(ProjectDeletion(project_id=project_id))
    db.flush()


def pending_deletions(db: Session) -> list[str]:
    return list(db.scalars(select(ProjectDeletion.project_id).where(ProjectDeletion.done_at.is_(None))))


def mark_deleted(db: Session, project_id: str) -> None:
    db.execute(update(ProjectDeletion).where(ProjectDeletion.project_id == project_id).values(done_at=utcnow()))


# -- members ----------------------------------------------------------------------------------------


def list_members(db: Session, project_id: str) -> list[tuple[Member, User]]:
    rows = db.execute(
        select(Member, User).join(User, User.id == Member.user_id).where(Member.project_id == project_id)
        .order_by(Member.added_at, User.email)
    )
    return [(member, user) for member, user in rows]


def _owners(db: Session, project_id: str) -> int:
    return int(db.scalar(select(func.count()).select_from(Member).where(Member.project_id == project_id, Member.role == "owner")) or 0)


def _check_may_grant(acting_role: str, role: str) -> None:
    if role == "owner" and acting_role != "owner":
        raise AccountError(403, "owner_required", "only an owner may grant or change the owner role", "role")


def add_member(db: Session, project_id: str, acting_role: str, email: str, role: str) -> tuple[Member, User]:
    """Give an existing user a role on the project (404 `user_not_found`, 409 `already_member`)."""
    check_role(role)
    _check_may_grant(acting_role, role)
    user = user_by_email(db, normalize_email(email))
    if user is None:
        raise AccountError(404, "user_not_found", f"no user with email {email.strip()[:80]}; an instance admin can create one", "email")
    if db.get(Member, (project_id, user.id)) is not None:
        raise AccountError(409, "already_member", f"{user.email} is already a member; change their role instead", "email")
    member = Member(project_id=project_id, user_id=user.id, role=role)
    db.add(member)
    db.flush()
    return member, user


def _member(db: Session, project_id: str, user_id: str) -> Member:
    member = db.get(Member, (project_id, user_id))
    if member is None:
        raise AccountError(404, "member_not_found", f"user {user_id[:40]} is not a member of this project")
    return member


def change_member_role(db: Session, project_id: str, acting_role: str, user_id: str, role: str) -> tuple[Member, User]:
    check_role(role)
    member = _member(db, project_id, user_id)
    _check_may_grant(acting_role, role)
    if member.role == "owner" and role != "owner":
        _check_may_grant(acting_role, "owner")
        if _owners(db, project_id) <= 1:
            raise AccountError(409, "last_owner", "the project's last owner cannot be demoted; make someone else owner first")
    member.role = role
    db.flush()
    return member, db.get_one(User, user_id)


def remove_member(db: Session, project_id: str, acting_role: str, user_id: str) -> None:
    member = _member(db, project_id, user_id)
    if member.role == "owner":
        _check_may_grant(acting_role, "owner")
        if _owners(db, project_id) <= 1:
            raise AccountError(409, "last_owner", "the project's last owner cannot be removed; make someone else owner first")
    db.delete(member)
    db.flush()


def at_least(role: str | None, needed: str) -> bool:
    """Whether `role` may do what `needed` may."""
    return role is not None and role_rank(role) >= role_rank(needed)


# -- API keys ---------------------------------------------------------------------------------------


def add_key(
    db: Session, project_id: str, name: str, scope: str, created_by: str, plaintext: str | None = None
) -> tuple[ApiKey, str]:
    """A new API key (or `plaintext`, e.g. AGENTSTACK_BOOTSTRAP_API_KEY) for the project."""
    key = plaintext or generate_api_key()
    check_key_format(key)
    row = ApiKey(
        id=uuid.uuid4().hex, project_id=project_id, digest=key_digest(key), prefix=key_prefix(key),
        name=clean_name(name, "key"), scope=check_scope(scope), created_by=created_by[:320],
    )
    db.add(row)
    db.flush()
    return row, key


def list_keys(db: Session, project_id: str) -> list[ApiKey]:
    return list(db.scalars(select(ApiKey).where(ApiKey.project_id == project_id).order_by(ApiKey.created_at)))


def revoke_key(db: Session, project_id: str, key_id: str) -> ApiKey:
    """Revoke a key of the project (idempotent); 404 `key_not_found` for another project's key."""
    key = db.get(ApiKey, key_id)
    if key is None or key.project_id != project_id:
        raise AccountError(404, "key_not_found", f"no key {key_id[:40]} in this project")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.flush()
    return key


@dataclass(frozen=True)
class KeyGrant:
    """What an API key allows: its project and scope."""

    key_id: str
    project_id: str
    scope: str


def grant_for_key(db: Session, key: str) -> KeyGrant | None:
    """The grant of a valid API key, or None for an unknown or revoked one."""
    row = db.scalar(select(ApiKey).where(ApiKey.digest == key_digest(key)))
    if row is None or row.revoked_at is not None:
        return None
    return KeyGrant(key_id=row.id, project_id=row.project_id, scope=row.scope)


def touch_key(db: Session, key_id: str, now: datetime, min_interval_s: float = 60.0) -> None:
    """Record that a key was used, at most once per `min_interval_s` across every replica."""
    stale = now - timedelta(seconds=min_interval_s)
    db.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, (ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < stale))
        .values(last_used_at=now)
    )
