"""The spans resource: `GET /api/v1/spans/{span_id}` (one span in full, with its alerts)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path

from cluster.query.traces import get_span
from cluster.store import StoreClient
from serve_apps.access import ProjectAccess, read_access
from serve_apps.errors import ApiError
from serve_apps.explore_models import SPAN_ID_PATTERN, SpanDetail
from serve_apps.traces import READ_ERRORS, store_guard


def spans_router(store: StoreClient, retry_after_s: int) -> APIRouter:
    """Span reads, authorised per project like traces."""
    router = APIRouter(prefix="/api/v1", tags=["spans"])
    guard = store_guard(retry_after_s)

    @router.get("/spans/{span_id}", response_model=SpanDetail, responses=READ_ERRORS)
    async def span(
        span_id: str = Path(pattern=SPAN_ID_PATTERN, description="16 hex characters"),
        access: ProjectAccess = Depends(read_access),
    ) -> dict[str, Any]:
        """One span with full attributes, events, input, output, usage and alerts."""
        found = await guard(get_span(store, access.project_id, span_id.lower()))
        if found is None:
            raise ApiError(404, "not_found", f"no span {span_id} in this project")
        return found

    return router
