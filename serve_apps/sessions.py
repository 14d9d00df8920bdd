"""The sessions resource: traces grouped by `session.id` (list, and one session's traces in order)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query

from cluster.query.sessions import get_session, list_sessions
from cluster.store import StoreClient
from serve_apps.access import ProjectAccess, read_access
from serve_apps.errors import ApiError
from serve_apps.explore_models import SessionDetail, SessionList
from serve_apps.traces import READ_ERRORS, IsoDateTime, store_guard, time_window


def sessions_router(store: StoreClient, retry_after_s: int) -> APIRouter:
    """Session reads, authorised per project like traces."""
    router = APIRouter(prefix="/api/v1", tags=["sessions"])
    guard = store_guard(retry_after_s)

    @router.get("/sessions", response_model=SessionList, responses=READ_ERRORS)
    async def sessions(
        start_date: IsoDateTime | None = Query(None, description="window start (ISO 8601; default: 24 h before end_date)"),
        end_date: IsoDateTime | None = Query(None, description="window end (ISO 8601; default: now)"),
        user_id: str | None = Query(None, max_length=200, description="sessions of this `user.id`"),
        page: int = Query(1, ge=1, le=100_000),
        page_size: int = Query(50, ge=1, le=500),
        access: ProjectAccess = Depends(read_access),
    ) -> dict[str, Any]:
        """Sessions with a trace in the window, most recent activity first."""
        start, end = time_window(start_date, end_date)
        return await guard(list_sessions(store, access.project_id, start, end, page, page_size, user_id))

    @router.get("/sessions/{session_id}", response_model=SessionDetail, responses=READ_ERRORS)
    async def session(
        session_id: str = Path(min_length=1, max_length=200),
        limit: int = Query(500, ge=1, le=5000, description="at most this many traces"),
        access: ProjectAccess = Depends(read_access),
    ) -> dict[str, Any]:
        """A session's traces in start order, with totals."""
        found = await guard(get_session(store, access.project_id, session_id, limit))
        if found is None:
            raise ApiError(404, "not_found", f"no session {session_id[:64]!r} in this project")
        return found

    return router
