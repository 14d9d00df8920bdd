"""The `/api/v1/projects` resource: projects, their members and roles, and their API keys.

Roles: viewer < member < admin < owner; instance admins act as owner everywhere. Viewers read,
admins manage keys and members, owners delete the project.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from cluster.metadata import projects as logic
from cluster.metadata.projects import MAX_NAME_CHARS
from cluster.metadata.cleanup import delete_project_data
from cluster.metadata.database import MetadataDB
from cluster.metadata.models import ApiKey, Member, Project, User
from cluster.store import StoreClient
from serve_apps.access import Caller, ProjectAccess, accounts_of, current_user, project_role
from serve_apps.auth import NEW_EMAIL
from serve_apps.errors import error_docs

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/projects", tags=["projects"])

Role = Literal["viewer", "member", "admin", "owner"]
Scope = Literal["ingest", "read"]
_background: set[asyncio.Task[None]] = set()


class ProjectOut(BaseModel):
    id: str
    name: str
    role: str = Field(description="the caller's role on the project")
    created_at: datetime

    @classmethod
    def of(cls, project: Project, role: str) -> ProjectOut:
        return cls(id=project.id, name=project.name, role=role, created_at=project.created_at)


class ProjectList(BaseModel):
    items: list[ProjectOut]


#: A name holds a visible character and no control character (`clean_name` also refuses other unprintable
#: Unicode, which a schema pattern cannot name). `\x1c-\x1f\x85` are whitespace to Python, not to JSON Schema.
NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
#: Declared only: `clean_name` checks names itself (422 `invalid_name`, a message a person can act on).
NAME_RULE: dict[str, Any] = {"maxLength": MAX_NAME_CHARS, "pattern": NAME_PATTERN}


class ProjectIn(BaseModel):
    name: str = Field(max_length=200, json_schema_extra=NAME_RULE, description="1 to 100 printable characters (spaces collapsed)")


class ApiKeyOut(BaseModel):
    """An API key as listed: never the key itself, only its first characters."""

    id: str
    name: str
    scope: Scope
    prefix: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(id=key.id, name=key.name, scope=key.scope, prefix=key.prefix, created_by=key.created_by,  # type: ignore[arg-type]
                   created_at=key.created_at, last_used_at=key.last_used_at, revoked_at=key.revoked_at)


class ApiKeyCreated(ApiKeyOut):
    """A new key: the plaintext `key`, shown this once, and the environment lines for an agent."""

    key: str
    env: str


class ApiKeyList(BaseModel):
    items: list[ApiKeyOut]


class KeyIn(BaseModel):
    name: str = Field("default", max_length=200, json_schema_extra=NAME_RULE)
    scope: Scope = Field("ingest", description="ingest: may only send spans (agents); read: may call the read API")


class ProjectCreated(BaseModel):
    project: ProjectOut
    api_key: ApiKeyCreated


class ProjectDeleted(BaseModel):
    deleted: str
    data: str


class MemberOut(BaseModel):
    user_id: str
    email: str
    role: Role
    added_at: datetime


class MemberList(BaseModel):
    items: list[MemberOut]


class MemberIn(BaseModel):
    email: str = Field(max_length=320, json_schema_extra=NEW_EMAIL)
    role: Role = "viewer"


class RoleIn(BaseModel):
    role: Role


def _created(request: Request, key: ApiKey, plaintext: str) -> ApiKeyCreated:
    base = str(request.base_url).rstrip("/")
    env = f"AGENTSTACK_API_KEY={plaintext}\nAGENTSTACK_COLLECTOR_URL={base}"
    return ApiKeyCreated(**ApiKeyOut.of(key).model_dump(), key=plaintext, env=env)


@router.get("", response_model=ProjectList, responses=error_docs(401, 403))
def list_projects(request: Request, who: Caller = Depends(current_user)) -> ProjectList:
    """The projects the caller sees, with their role on each."""
    with accounts_of(request).db.session() as db:
        user = db.get_one(User, who.user.id if who.user else "")
        return ProjectList(items=[ProjectOut.of(p, role) for p, role in logic.projects_of(db, user)])


@router.post("", status_code=201, response_model=ProjectCreated, responses=error_docs(401, 403, 422))
def create_project(body: ProjectIn, request: Request, who: Caller = Depends(current_user)) -> ProjectCreated:
    """Create a project (the caller becomes owner) and its first ingest key, shown once."""
    assert who.user is not None
    with accounts_of(request).db.session() as db:
        owner = db.get_one(User, who.user.id)
        project, key, plaintext = logic.create_project(db, body.name, owner, owner.email)
        return ProjectCreated(project=ProjectOut.of(project, "owner"), api_key=_created(request, key, plaintext))


def _shown_role(db: Session, access: ProjectAccess) -> str:
    """The role listed for the caller: their member role, "admin" for an instance admin who is not a member."""
    user = access.caller.user
    member = db.get(Member, (access.project_id, user.id)) if user else None
    return member.role if member is not None else "admin"


@router.get("/{project_id}", response_model=ProjectOut, responses=error_docs(401, 403, 404))
def get_project(request: Request, access: ProjectAccess = Depends(project_role("viewer"))) -> ProjectOut:
    with accounts_of(request).db.session() as db:
        return ProjectOut.of(db.get_one(Project, access.project_id), _shown_role(db, access))


@router.patch("/{project_id}", response_model=ProjectOut, responses=error_docs(401, 403, 404, 422))
def rename_project(body: ProjectIn, request: Request, access: ProjectAccess = Depends(project_role("admin"))) -> ProjectOut:
    """Rename the project (admin or owner)."""
    with accounts_of(request).db.session() as db:
        return ProjectOut.of(logic.rename_project(db, access.project_id, body.name), _shown_role(db, access))


@router.delete("/{project_id}", status_code=202, response_model=ProjectDeleted, responses=error_docs(401, 403, 404))
async def delete_project(request: Request, access: ProjectAccess = Depends(project_role("owner"))) -> ProjectDeleted:
    """Delete the project (owner): its metadata at once, its spans, alerts and costs in the background."""
    accounts = accounts_of(request)

    def remove() -> None:
        with accounts.db.session() as db:
            logic.delete_project(db, access.project_id)

    await asyncio.to_thread(remove)
    if accounts.store is not None:
        task = asyncio.get_running_loop().create_task(_delete_data(accounts.db, accounts.store, access.project_id))
        _background.add(task)
        task.add_done_callback(_background.discard)
    return ProjectDeleted(
        deleted=access.project_id, data="spans, alerts and costs of this project are being deleted in the background"
    )


async def _delete_data(db: MetadataDB, store: StoreClient, project_id: str) -> None:
    try:
        await delete_project_data(db, store, project_id)
    except Exception:  # noqa: BLE001 - stays recorded as pending; the platform retries it at its next start
        logger.exception("deleting the data of project %s failed; it will be retried at the next start", project_id)


# -- members ----------------------------------------------------------------------------------------


def _member_out(member: Member, user: User) -> MemberOut:
    return MemberOut(user_id=user.id, email=user.email, role=member.role, added_at=member.added_at)  # type: ignore[arg-type]


@router.get("/{project_id}/members", response_model=MemberList, responses=error_docs(401, 403, 404))
def list_members(request: Request, access: ProjectAccess = Depends(project_role("viewer"))) -> MemberList:
    with accounts_of(request).db.session() as db:
        return MemberList(items=[_member_out(m, u) for m, u in logic.list_members(db, access.project_id)])


@router.post("/{project_id}/members", status_code=201, response_model=MemberOut, responses=error_docs(401, 403, 404, 409, 422))
def add_member(body: MemberIn, request: Request, access: ProjectAccess = Depends(project_role("admin"))) -> MemberOut:
    """Give an existing user a role on the project (admin+; only owners grant owner)."""
    with accounts_of(request).db.session() as db:
        return _member_out(*logic.add_member(db, access.project_id, access.role, body.email, body.role))


@router.patch("/{project_id}/members/{user_id}", response_model=MemberOut, responses=error_docs(401, 403, 404, 409, 422))
def change_role(
    body: RoleIn, request: Request, user_id: str = Path(max_length=64), access: ProjectAccess = Depends(project_role("admin"))
) -> MemberOut:
    """Change a member's role (the last owner stays owner)."""
    with accounts_of(request).db.session() as db:
        return _member_out(*logic.change_member_role(db, access.project_id, access.role, user_id, body.role))


@router.delete("/{project_id}/members/{user_id}", status_code=204, responses=error_docs(401, 403, 404, 409))
def remove_member(
    request: Request, user_id: str = Path(max_length=64), access: ProjectAccess = Depends(project_role("admin"))
) -> Response:
    """Remove a member (not the last owner)."""
    with accounts_of(request).db.session() as db:
        logic.remove_member(db, access.project_id, access.role, user_id)
    return Response(status_code=204)


# -- keys -------------------------------------------------------------------------------------------


@router.get("/{project_id}/keys", response_model=ApiKeyList, responses=error_docs(401, 403, 404))
def list_keys(request: Request, access: ProjectAccess = Depends(project_role("admin"))) -> ApiKeyList:
    """The project's keys (prefix only), revoked ones included."""
    with accounts_of(request).db.session() as db:
        return ApiKeyList(items=[ApiKeyOut.of(k) for k in logic.list_keys(db, access.project_id)])


@router.post("/{project_id}/keys", status_code=201, response_model=ApiKeyCreated, responses=error_docs(401, 403, 404, 422))
def create_key(body: KeyIn, request: Request, access: ProjectAccess = Depends(project_role("admin"))) -> ApiKeyCreated:
    """A new key of scope `ingest` (agents) or `read` (scripts); the plaintext is in this answer only."""
    assert access.caller.user is not None
    with accounts_of(request).db.session() as db:
        key, plaintext = logic.add_key(db, access.project_id, body.name, body.scope, access.caller.user.email)
        return _created(request, key, plaintext)


@router.delete("/{project_id}/keys/{key_id}", status_code=204, responses=error_docs(401, 403, 404))
def revoke_key(
    request: Request, key_id: str = Path(max_length=64), access: ProjectAccess = Depends(project_role("admin"))
) -> Response:
    """Revoke a key: every replica refuses it within a few seconds."""
    with accounts_of(request).db.session() as db:
        logic.revoke_key(db, access.project_id, key_id)
    return Response(status_code=204)
