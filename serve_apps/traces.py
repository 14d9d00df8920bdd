"""The traces resource: `GET /api/v1/traces` and `GET /api/v1/traces/{trace_id}`."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query

from cluster.migrations import SPAN_USAGE_COLUMNS
from cluster.store import StoreClient, StoreUnavailable
from serve_apps.access import ProjectAccess, read_access
from serve_apps.errors import ApiError, error_docs

_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")

# Trace lists read the `trace_summaries` aggregate (kept by a materialized view), never `spans`.
_TRACE_SUMMARY = """
    trace_id,
    argMinMerge(root_name) AS name,
    argMinMerge(root_service) AS service_name,
    toUnixTimestamp64Nano(min(start_time)) AS start_ns,
    toUnixTimestamp64Nano(max(end_time)) AS end_ns,
    uniqExactMerge(span_ids) AS span_count,
    uniqExactIfMerge(error_span_ids) AS error_count
"""


def iso(ns: int) -> str:
    """ns since the epoch → ISO 8601 UTC with microseconds."""
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def trace_summary(row: dict[str, Any]) -> dict[str, Any]:
    start, end = int(row["start_ns"]), int(row["end_ns"])
    return {
        "trace_id": str(row["trace_id"]),
        "name": row["name"],
        "service_name": row["service_name"],
        "start_time": iso(start),
        "end_time": iso(end),
        "duration_ms": (end - start) / 1e6,
        "span_count": int(row["span_count"]),
        "error_count": int(row["error_count"]),
        "status": "ERROR" if row["error_count"] else "OK",
    }


def usage_view(row: dict[str, Any]) -> dict[str, Any] | None:
    """The span's LLM usage and cost, or None for a span without LLM usage."""
    if not row.get("model") and not row.get("cost_status"):
        return None
    return {field: row[field] for field in SPAN_USAGE_COLUMNS}


def span_view(row: dict[str, Any], trace_start_ns: int) -> dict[str, Any]:
    start, end = int(row["start_ns"]), int(row["end_ns"])
    events = json.loads(row["events"] or "[]")
    for event in events:
        if event.get("timestamp"):
            event["timestamp"] = iso(int(event["timestamp"]))
    return {
        "trace_id": str(row["trace_id"]),
        "span_id": row["span_id"],
        "parent_span_id": row["parent_span_id"] or None,
        "name": row["name"],
        "kind": row["kind"],
        "service_name": row["service_name"],
        "start_time": iso(start),
        "end_time": iso(end),
        "offset_ms": (start - trace_start_ns) / 1e6,
        "duration_ms": (end - start) / 1e6,
        "status": row["status"],
        "status_message": row["status_message"],
        "attributes": dict(row["attributes"]),
        "events": events,
        "input": row["input"] or None,
        "output": row["output"] or None,
        "span_kind": row["span_kind"] or None,
        "links": json.loads(row["links"] or "[]"),
        "resource": dict(row["resource"]),
        "scope": {"name": row["scope_name"], "version": row["scope_version"]} if row["scope_name"] else None,
    }


async def list_traces(store: StoreClient, project_id: str, page: int, page_size: int) -> dict[str, Any]:
    params = {"p": project_id, "limit": page_size, "offset": (page - 1) * page_size}
    total = await store.query("SELECT uniqExact(trace_id) AS n FROM trace_summaries WHERE project_id = {p:String}", params)
    rows = await store.query(
        f"SELECT {_TRACE_SUMMARY} FROM trace_summaries WHERE project_id = {{p:String}} "
        "GROUP BY trace_id ORDER BY start_ns DESC, trace_id LIMIT {limit:UInt32} OFFSET {offset:UInt64}",
        params,
    )
    return {"items": [trace_summary(r) for r in rows], "total": int(total[0]["n"]), "page": page, "page_size": page_size}


async def get_trace(store: StoreClient, project_id: str, trace_id: str) -> dict[str, Any] | None:
    rows = await store.query(
        "SELECT trace_id, span_id, parent_span_id, name, kind, service_name, "
        "toUnixTimestamp64Nano(start_time) AS start_ns, toUnixTimestamp64Nano(end_time) AS end_ns, "
        "status, status_message, attributes, events, input, output, "
        "span_kind, links, resource, scope_name, scope_version, "
        f"{', '.join(SPAN_USAGE_COLUMNS)} "
        "FROM spans FINAL WHERE project_id = {p:String} AND trace_id = {t:String} ORDER BY start_time, span_id",
        {"p": project_id, "t": trace_id},
    )
    if not rows:
        return None
    # A span's security flags are the rules of its alerts (the security pool writes alerts, never spans).
    flags = await store.query(
        "SELECT span_id, arraySort(groupUniqArray(rule)) AS rules FROM security_alerts FINAL "
        "WHERE project_id = {p:String} AND trace_id = {t:String} GROUP BY span_id",
        {"p": project_id, "t": trace_id},
    )
    flags_by_span = {row["span_id"]: list(row["rules"]) for row in flags}
    start = min(int(r["start_ns"]) for r in rows)
    end = max(int(r["end_ns"]) for r in rows)
    spans = [span_view(r, start) for r in rows]
    for span, row in zip(spans, rows):
        span["security_flags"] = flags_by_span.get(span["span_id"], [])
        span["usage"] = usage_view(row)
    roots = [s for s in spans if s["parent_span_id"] is None] or spans
    errors = sum(1 for s in spans if s["status"] == "ERROR")
    return {
        "trace_id": trace_id,
        "name": roots[0]["name"],
        "service_name": roots[0]["service_name"],
        "start_time": iso(start),
        "end_time": iso(end),
        "duration_ms": (end - start) / 1e6,
        "span_count": len(spans),
        "error_count": errors,
        "status": "ERROR" if errors else "OK",
        "spans": spans,
    }


def traces_router(store: StoreClient, retry_after_s: int) -> APIRouter:
    """Trace reads, each authorised for one project (a user with a role on it, or its read key).

    A store that cannot answer is a 503 with `Retry-After: retry_after_s`.
    """
    router = APIRouter(prefix="/api/v1", tags=["traces"])

    async def _guard(coro: Any) -> Any:
        try:
            return await coro
        except StoreUnavailable as exc:
            raise ApiError(503, "store_unavailable", str(exc), headers={"Retry-After": str(retry_after_s)}) from exc

    @router.get("/traces", responses=error_docs(401, 403, 404, 422, 503))
    async def traces(
        page: int = Query(1, ge=1, le=100_000, description="1-based page number"),
        page_size: int = Query(50, ge=1, le=500, description="traces per page"),
        access: ProjectAccess = Depends(read_access),
    ) -> dict[str, Any]:
        return await _guard(list_traces(store, access.project_id, page, page_size))

    @router.get("/traces/{trace_id}", responses=error_docs(401, 403, 404, 422, 503))
    async def trace(trace_id: str, access: ProjectAccess = Depends(read_access)) -> dict[str, Any]:
        norm = trace_id.replace("-", "").lower()
        if not _TRACE_ID.match(norm):
            raise ApiError(422, "invalid_trace_id", f"trace id must be 32 hex characters, got {trace_id[:64]!r}", field="trace_id")
        found = await _guard(get_trace(store, access.project_id, norm))
        if found is None:
            raise ApiError(404, "not_found", f"no trace {norm} in this project (it may still be in flight; retry in a second)")
        return found

    return router
