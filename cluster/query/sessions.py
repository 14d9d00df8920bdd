"""Sessions: traces grouped by their `session.id` (a trace may carry several), per project."""

from __future__ import annotations

from typing import Any

from cluster.query.filters import SUMMARY_COLUMNS
from cluster.query.traces import alert_counts, iso, summaries_of, trace_row
from cluster.store import StoreClient

_PER_TRACE = (
    f"SELECT {SUMMARY_COLUMNS} FROM trace_summaries WHERE project_id = {{p:String}} GROUP BY trace_id "
    "HAVING start_ns >= {w0:Int64} AND start_ns < {w1:Int64} AND notEmpty(session_ids)"
)


def _session(row: dict[str, Any]) -> dict[str, Any]:
    start, end = int(row["start_ns"]), int(row["end_ns"])
    return {
        "session_id": row["session_id"],
        "trace_count": int(row["traces"]),
        "start_time": iso(start),
        "last_activity": iso(end),
        "duration_ms": (end - start) / 1e6,
        "total_tokens": int(row["tokens"]),
        "cost_usd": float(row["cost"]),
        "error_count": int(row["errors"]),
        "user_ids": sorted(row["users"]),
    }


async def list_sessions(
    store: StoreClient, project_id: str, start_ns: int, end_ns: int, page: int, page_size: int,
    user_id: str | None = None,
) -> dict[str, Any]:
    """Sessions with a trace in the window, most recent activity first."""
    params: dict[str, Any] = {"p": project_id, "w0": start_ns, "w1": end_ns, "limit": page_size,
                              "offset": (page - 1) * page_size}
    user = ""
    if user_id is not None:
        params["user"] = user_id
        user = "HAVING has(users, {user:String})"
    grouped = (
        "SELECT session_id, count() AS traces, min(start_ns) AS start_ns, max(end_ns) AS end_ns, "
        "sum(total_tokens) AS tokens, round(sum(cost), 9) AS cost, sum(error_count) AS errors, "
        "groupUniqArrayArray(user_ids) AS users "
        f"FROM ({_PER_TRACE}) ARRAY JOIN session_ids AS session_id GROUP BY session_id {user}"
    )
    total = await store.query(f"SELECT count() AS n FROM ({grouped})", params)
    rows = await store.query(
        f"{grouped} ORDER BY end_ns DESC, session_id LIMIT {{limit:UInt32}} OFFSET {{offset:UInt64}}", params
    )
    return {"items": [_session(r) for r in rows], "total": int(total[0]["n"]), "page": page, "page_size": page_size}


async def get_session(store: StoreClient, project_id: str, session_id: str, limit: int) -> dict[str, Any] | None:
    """A session's traces in start order (its turns), with totals; None when the project has no such session."""
    params = {"p": project_id, "s": session_id, "limit": limit}
    keys = await store.query(
        f"SELECT trace_id, start_ns FROM (SELECT {SUMMARY_COLUMNS} FROM trace_summaries WHERE project_id = {{p:String}} "
        "GROUP BY trace_id HAVING has(session_ids, {s:String})) ORDER BY start_ns, trace_id LIMIT {limit:UInt32}",
        params,
    )
    rows = await summaries_of(store, project_id, [str(k["trace_id"]) for k in keys])
    if not rows:
        return None
    alerts = await alert_counts(store, project_id, [str(r["trace_id"]) for r in rows])
    traces = [trace_row(r, alerts) for r in rows]
    start = min(int(r["start_ns"]) for r in rows)
    end = max(int(r["end_ns"]) for r in rows)
    summary = _session({
        "session_id": session_id, "traces": len(rows), "start_ns": start, "end_ns": end,
        "tokens": sum(t["total_tokens"] for t in traces), "cost": sum(t["cost_usd"] for t in traces),
        "errors": sum(t["error_count"] for t in traces), "users": {u for r in rows for u in r["user_ids"]},
    })
    return {**summary, "traces": traces}
