"""The `/api/v1/users` resource (instance admins only): list, create, disable, reset password."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from cluster.metadata import accounts as users
from cluster.metadata.models import User
from serve_apps.access import Caller, accounts_of, instance_admin
from serve_apps.auth import NEW_EMAIL, NEW_PASSWORD, UserOut
from serve_apps.errors import error_docs

router = APIRouter(prefix="/api/v1/users", tags=["users"])


class UserList(BaseModel):
    items: list[UserOut]


class UserCreate(BaseModel):
    email: str = Field(max_length=320, json_schema_extra=NEW_EMAIL)
    password: str = Field(max_length=1024, json_schema_extra=NEW_PASSWORD, description="the initial password (at least 8 characters)")
    is_admin: bool = Field(False, strict=True)


class UserPatch(BaseModel):
    disabled: bool | None = Field(None, strict=True, description="true ends every session of the user at once")
    password: str | None = Field(None, max_length=1024, json_schema_extra=NEW_PASSWORD,
                                 description="a new password, at least 8 characters (ends the user's sessions)")
    is_admin: bool | None = Field(None, strict=True)


@router.get("", response_model=UserList, responses=error_docs(401, 403))
def list_users(request: Request, _: Caller = Depends(instance_admin)) -> UserList:
    """Every user of the instance."""
    with accounts_of(request).db.session() as db:
        return UserList(items=[UserOut.of(u) for u in users.list_users(db)])


@router.post("", status_code=201, response_model=UserOut, responses=error_docs(401, 403, 409, 422))
def create_user(body: UserCreate, request: Request, _: Caller = Depends(instance_admin)) -> UserOut:
    """Create a user with an initial password (they can change it under Account)."""
    with accounts_of(request).db.session() as db:
        return UserOut.of(users.create_user(db, body.email, body.password, body.is_admin))


@router.patch("/{user_id}", response_model=UserOut, responses=error_docs(401, 403, 404, 409, 422))
def update_user(
    body: UserPatch, request: Request, user_id: str = Path(max_length=64), who: Caller = Depends(instance_admin)
) -> UserOut:
    """Disable or enable a user, reset their password, grant or remove instance admin."""
    with accounts_of(request).db.session() as db:
        acting = db.get_one(User, who.user.id if who.user else "")
        user = users.update_user(db, acting, user_id, body.disabled, body.password, body.is_admin)
        return UserOut.of(user)
