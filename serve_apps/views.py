"""Saved views: `/api/v1/projects/{project_id}/views` — named trace-list filters a project's people share.

A view's `filters` is the trace list's URL query string (filters, sort, columns) without `project_id`,
e.g. `status=ERROR&model=gpt-4o&sort=cost`. Viewers list them; members and up create, rename and delete.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cluster.metadata.models import SavedView, utcnow
from serve_apps.access import ProjectAccess, accounts_of, project_role
from serve_apps.errors import ApiError, error_docs

router = APIRouter(prefix="/api/v1/projects", tags=["views"])
#: A URL query string: no leading '?', no spaces or fragments.
QUERY_PATTERN = r"^[^?#\s][^#\s]*$|^$"


class ViewIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=r"\S")
    filters: str = Field("", max_length=2000, pattern=QUERY_PATTERN,
                       description="the trace list's query string, e.g. status=ERROR&sort=cost")


class ViewOut(BaseModel):
    id: str
    name: str
    filters: str
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: SavedView) -> ViewOut:
        return cls(id=view.id, name=view.name, filters=view.query, created_by=view.created_by,
                   created_at=view.created_at, updated_at=view.updated_at)


class ViewList(BaseModel):
    items: list[ViewOut]


def _who(access: ProjectAccess) -> str:
    user = access.caller.user
    return user.email if user else "api key"


def _conflict(name: str) -> ApiError:
    return ApiError(409, "view_exists", f"this project already has a view named {name!r}; pick another name", field="name")


@router.get("/{project_id}/views", response_model=ViewList, responses=error_docs(401, 403, 404, 422))
def list_views(request: Request, access: ProjectAccess = Depends(project_role("viewer"))) -> ViewList:
    """The project's saved views, by name."""
    with accounts_of(request).db.session() as db:
        rows = db.scalars(select(SavedView).where(SavedView.project_id == access.project_id).order_by(SavedView.name))
        return ViewList(items=[ViewOut.of(v) for v in rows])


@router.post("/{project_id}/views", status_code=201, response_model=ViewOut, responses=error_docs(401, 403, 404, 409, 422))
def create_view(body: ViewIn, request: Request, access: ProjectAccess = Depends(project_role("member"))) -> ViewOut:
    """Save the current filters under a name (409 when the name is taken)."""
    name = body.name.strip()
    view = SavedView(id=uuid.uuid4().hex, project_id=access.project_id, name=name, query=body.filters,
                     created_by=_who(access), created_at=utcnow(), updated_at=utcnow())
    try:
        with accounts_of(request).db.session() as db:
            db.add(view)
            db.flush()
            return ViewOut.of(view)
    except IntegrityError as exc:
        raise _conflict(name) from exc


def _view(db, project_id: str, view_id: str) -> SavedView:  # noqa: ANN001 - a SQLAlchemy session
    view = db.get(SavedView, view_id)
    if view is None or view.project_id != project_id:
        raise ApiError(404, "not_found", f"no saved view {view_id[:40]!r} in this project")
    return view


@router.put("/{project_id}/views/{view_id}", response_model=ViewOut, responses=error_docs(401, 403, 404, 409, 422))
def update_view(body: ViewIn, request: Request, view_id: str = Path(max_length=32),
                access: ProjectAccess = Depends(project_role("member"))) -> ViewOut:
    """Rename a view or replace its filters."""
    name = body.name.strip()
    try:
        with accounts_of(request).db.session() as db:
            view = _view(db, access.project_id, view_id)
            view.name, view.query, view.updated_at = name, body.filters, utcnow()
            db.flush()
            return ViewOut.of(view)
    except IntegrityError as exc:
        raise _conflict(name) from exc


@router.delete("/{project_id}/views/{view_id}", status_code=204, responses=error_docs(401, 403, 404, 422))
def delete_view(request: Request, view_id: str = Path(max_length=32),
                access: ProjectAccess = Depends(project_role("member"))) -> Response:
    """Delete a view."""
    with accounts_of(request).db.session() as db:
        db.delete(_view(db, access.project_id, view_id))
    return Response(status_code=204)
