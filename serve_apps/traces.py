"""The traces resource: list (filters, sort, cursor), facets, one trace (spans paged) and its OTLP export."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BeforeValidator, StringConstraints

from agentstack.schema import SPAN_KINDS
from cluster.query.cursor import CURSOR_PATTERN, CursorError
from cluster.query.export import export_trace
from cluster.query.filters import TraceFilter, search_tokens
from cluster.query.traces import SORTS, get_trace, list_traces, trace_facets
from cluster.store import StoreClient, StoreUnavailable
from serve_apps.access import ProjectAccess, read_access
from serve_apps.errors import ApiError, error_docs
from serve_apps.explore_models import TRACE_ID_PATTERN, TraceDetail, TraceFacets, TraceList

_DAY_NS = 86_400 * 10**9
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
#: A search text must hold a word: an ASCII letter or digit, or any non-ASCII character.
SEARCH_PATTERN = "[0-9A-Za-z\u0080-\uffff]"
ATTR_KEY = r"[A-Za-z0-9_.\-/:@]{1,256}"
_ATTR_KEY = re.compile(f"^{ATTR_KEY}$")
Text = Annotated[str, StringConstraints(max_length=200)]
AttrFilter = Annotated[str, StringConstraints(max_length=1000, pattern=f"^{ATTR_KEY}=")]
SpanKindName = Literal[SPAN_KINDS]  # type: ignore[valid-type]
READ_ERRORS = error_docs(401, 403, 404, 422, 503)


def store_guard(retry_after_s: int) -> Any:
    """An awaiter turning `StoreUnavailable` into 503 with Retry-After."""

    async def guard(coro: Any) -> Any:
        try:
            return await coro
        except StoreUnavailable as exc:
            raise ApiError(503, "store_unavailable", str(exc), headers={"Retry-After": str(retry_after_s)}) from exc

    return guard


def _ns(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1e9)


def _iso_only(value: Any) -> Any:
    # pydantic would also take a number as a Unix time; the API promises ISO 8601 (`format: date-time`).
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError(f"expected an ISO 8601 date-time such as 2026-12-01T09:30:00Z, got {str(value)[:40]!r}")
    return value


#: An ISO 8601 date-time query parameter (numbers are refused).
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]


def time_window(start_date: datetime | None, end_date: datetime | None) -> tuple[int, int]:
    """[start, end) in ns; default the last 24 h (or the 24 h before `end_date`).

    Only `start_date`: from there to now. A window that ends before it starts is empty (no rows).
    """
    now = time.time_ns()
    end = _ns(end_date) if end_date else now
    start = _ns(start_date) if start_date else end - _DAY_NS
    return start, max(end, start)


def parse_attr_filters(request: Request, attr: list[str]) -> tuple[tuple[str, str], ...]:
    """`attr=key=value` and `attr.<key>=value` parameters → (key, value) pairs (422 naming the bad one)."""
    pairs = [("attr", item) for item in attr]
    pairs += [(name, f"{name[5:]}={value}") for name, value in request.query_params.multi_items() if name.startswith("attr.")]
    out = []
    for name, item in pairs:
        key, sep, value = item.partition("=")
        if not sep or not _ATTR_KEY.match(key):
            raise ApiError(422, "invalid_attribute_filter",
                           f"{name} must be 'key=value' with a key of letters, digits and . _ - / : @ (got {item[:80]!r})",
                           field=name)
        out.append((key, value))
    if len(out) > 10:
        raise ApiError(422, "too_many_attribute_filters", f"at most 10 attribute filters (got {len(out)})", field="attr")
    return tuple(out)


def trace_filter(
    request: Request,
    start_date: IsoDateTime | None = Query(None, description="window start (ISO 8601; default: 24 h before end_date)"),
    end_date: IsoDateTime | None = Query(None, description="window end, exclusive (ISO 8601; default: now)"),
    status: Literal["OK", "ERROR"] | None = Query(None, description="ERROR: traces with an error span; OK: without"),
    name: list[Text] = Query([], max_length=20, description="root span name (repeat for any of several)"),
    service: list[Text] = Query([], max_length=20, description="a service that sent a span of the trace"),
    model: list[Text] = Query([], max_length=20, description="an LLM model used in the trace"),
    kind: list[SpanKindName] = Query([], max_length=8, description="the trace has a span of this kind"),
    user_id: str | None = Query(None, max_length=200, description="`user.id` of a span"),
    session_id: str | None = Query(None, max_length=200, description="`session.id` of a span"),
    tags: list[Text] = Query([], max_length=20, description="a span carries this tag (`tag.tags`); repeat: all of them"),
    attr: list[AttrFilter] = Query([], max_length=10, description="'key=value' on span or resource attributes; also `attr.<key>=value`"),
    min_duration_ms: float | None = Query(None, ge=0, le=1e9),
    max_duration_ms: float | None = Query(None, ge=0, le=1e9),
    min_cost: float | None = Query(None, ge=0, le=1e9, description="total cost in USD"),
    has_alert: bool | None = Query(None, description="only traces with (true) or without (false) security alerts"),
    severity: Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"] | None = Query(None, description="an alert of this severity or higher"),
    q: str | None = Query(None, min_length=1, max_length=200, pattern=SEARCH_PATTERN,
                          description="full-text: every word (token) in one span's name, input or output; case-insensitive"),
    access: ProjectAccess = Depends(read_access),
) -> TraceFilter:
    """Dependency: the list filters of a trace query, validated (422 names the bad parameter)."""
    start, end = time_window(start_date, end_date)
    tokens: list[str] = []
    if q is not None:
        tokens = search_tokens(q)
        if not tokens:
            raise ApiError(422, "invalid_search", f"q has no words to search for (got {q[:80]!r})", field="q")
    return TraceFilter(
        project_id=access.project_id, start_ns=start, end_ns=end, status=status, names=tuple(name),
        services=tuple(service), models=tuple(model), kinds=tuple(kind), user_id=user_id, session_id=session_id,
        tags=tuple(tags), attrs=parse_attr_filters(request, attr), min_duration_ms=min_duration_ms,
        max_duration_ms=max_duration_ms, min_cost=min_cost, has_alert=has_alert, severity=severity,
        q_tokens=tuple(tokens),
    )


def normal_trace_id(trace_id: str) -> str:
    """A trace id as stored (32 lower-case hex characters; a UUID's dashes dropped)."""
    norm = trace_id.replace("-", "").lower()
    if not re.fullmatch(r"[0-9a-f]{32}", norm):
        raise ApiError(422, "invalid_trace_id", f"trace id must be 32 hex characters, got {trace_id[:64]!r}", field="trace_id")
    return norm


def _not_found(trace_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no trace {trace_id} in this project (it may still be in flight; retry in a second)")


def traces_router(store: StoreClient, retry_after_s: int) -> APIRouter:
    """Trace reads, each authorised for one project (a user with a role on it, or its read key).

    A store that cannot answer is a 503 with `Retry-After: retry_after_s`.
    """
    router = APIRouter(prefix="/api/v1", tags=["traces"])
    guard = store_guard(retry_after_s)
    trace_id_param = Path(pattern=TRACE_ID_PATTERN, description="32 hex characters (a UUID's dashes are dropped)")

    @router.get("/traces", response_model=TraceList, responses=READ_ERRORS)
    async def traces(
        filters: TraceFilter = Depends(trace_filter),
        sort: Literal["start_time", "duration", "cost", "tokens", "span_count"] = Query("start_time"),
        order: Literal["asc", "desc"] = Query("desc"),
        page: int = Query(1, ge=1, le=100_000, description="1-based page number (ignored with a cursor)"),
        page_size: int = Query(50, ge=1, le=500, description="traces per page"),
        cursor: str | None = Query(None, pattern=CURSOR_PATTERN, description="next_cursor of the previous page, as is"),
    ) -> dict[str, Any]:
        assert sort in SORTS
        try:
            return await guard(list_traces(store, filters, sort, order, page, page_size, cursor))
        except CursorError as exc:
            raise ApiError(422, "invalid_cursor", str(exc), field="cursor") from exc

    @router.get("/traces/facets", response_model=TraceFacets, responses=READ_ERRORS)
    async def facets(filters: TraceFilter = Depends(trace_filter)) -> dict[str, Any]:
        """Trace counts per status, service, model, root name and span kind, for the filters given."""
        return await guard(trace_facets(store, filters))

    @router.get("/traces/{trace_id}", response_model=TraceDetail, responses=READ_ERRORS)
    async def trace(
        trace_id: str = trace_id_param,
        span_offset: int = Query(0, ge=0, le=10_000_000, description="first span of the page (start order)"),
        span_limit: int = Query(1000, ge=1, le=20_000, description="spans per page"),
        fields: Literal["all", "no_io"] = Query("all", description="no_io leaves span inputs/outputs out (load them per span)"),
        access: ProjectAccess = Depends(read_access),
    ) -> dict[str, Any]:
        norm = normal_trace_id(trace_id)
        found = await guard(get_trace(store, access.project_id, norm, span_offset, span_limit, fields == "all"))
        if found is None:
            raise _not_found(norm)
        return found

    @router.get("/traces/{trace_id}/export", responses=READ_ERRORS)
    async def export(
        trace_id: str = trace_id_param,
        format: Literal["otlp-json"] = Query("otlp-json", description="OTLP/JSON, re-importable through POST /v1/traces"),
        access: ProjectAccess = Depends(read_access),
    ) -> dict[str, Any]:
        """The trace as an OTLP/JSON `ExportTraceServiceRequest` (`{"resourceSpans": [...]}`)."""
        norm = normal_trace_id(trace_id)
        found = await guard(export_trace(store, access.project_id, norm))
        if found is None:
            raise _not_found(norm)
        return found

    return router
