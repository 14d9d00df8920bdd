"""Trace lists (filters, sort, cursor or page), facets, one trace's spans (paged) and one span."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from cluster.migrations import SPAN_USAGE_COLUMNS
from cluster.query.cursor import Cursor
from cluster.query.filters import SEVERITIES, SUMMARY_COLUMNS, TraceFilter, conditions
from cluster.store import StoreClient
from cluster.query.messages import TOOL_DEFINITIONS, parse_messages

#: `sort` choices → the per-trace column they order by.
SORTS: dict[str, str] = {
    "start_time": "start_ns",
    "duration": "duration_ns",
    "cost": "cost",
    "tokens": "total_tokens",
    "span_count": "span_count",
}
PREVIEW_CHARS = 200
_SEVERITY_RANK = "multiIf(severity = 'CRITICAL', 4, severity = 'HIGH', 3, severity = 'MEDIUM', 2, severity = 'LOW', 1, 0)"


def iso(ns: int) -> str:
    """ns since the epoch → ISO 8601 UTC with microseconds."""
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _preview(text: str | None) -> str | None:
    if not text:
        return None
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"


def trace_row(row: dict[str, Any], alerts: dict[str, tuple[int, str | None]]) -> dict[str, Any]:
    """One list row from a per-trace summary (and the trace's alert count / max severity)."""
    start, end = int(row["start_ns"]), int(row["end_ns"])
    count, severity = alerts.get(str(row["trace_id"]), (0, None))
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
        "input_tokens": int(row["input_tokens"]),
        "output_tokens": int(row["output_tokens"]),
        "total_tokens": int(row["total_tokens"]),
        "cost_usd": float(row["cost"]),
        "models": list(row["models"]),
        "kinds": list(row["kinds"]),
        "session_id": row["session_ids"][0] if row["session_ids"] else None,
        "user_id": row["user_ids"][0] if row["user_ids"] else None,
        "alert_count": count,
        "max_severity": severity,
        "input_preview": _preview(row["root_input"]),
        "output_preview": _preview(row["root_output"]),
    }


async def alert_counts(store: StoreClient, project_id: str, trace_ids: list[str]) -> dict[str, tuple[int, str | None]]:
    """Alert count and highest severity per trace, for these traces."""
    if not trace_ids:
        return {}
    rows = await store.query(
        f"SELECT trace_id, count() AS n, max({_SEVERITY_RANK}) AS rank FROM security_alerts FINAL "
        "WHERE project_id = {p:String} AND trace_id IN {t:Array(String)} GROUP BY trace_id",
        {"p": project_id, "t": trace_ids},
    )
    return {str(r["trace_id"]): (int(r["n"]), SEVERITIES[int(r["rank"]) - 1] if r["rank"] else None) for r in rows}


def _summaries_sql(where: list[str], having: list[str]) -> str:
    return (
        f"SELECT {SUMMARY_COLUMNS} FROM trace_summaries WHERE {' AND '.join(where)} "
        f"GROUP BY trace_id HAVING {' AND '.join(having)}"
    )


async def summaries_of(store: StoreClient, project_id: str, trace_ids: list[str]) -> list[dict[str, Any]]:
    """The full per-trace summaries of these traces, in the order given."""
    if not trace_ids:
        return []
    rows = await store.query(
        f"SELECT {SUMMARY_COLUMNS} FROM trace_summaries WHERE project_id = {{p:String}} AND trace_id IN {{t:Array(String)}} "
        "GROUP BY trace_id",
        {"p": project_id, "t": trace_ids},
    )
    by_id = {str(r["trace_id"]): r for r in rows}
    return [by_id[t] for t in trace_ids if t in by_id]


async def list_traces(
    store: StoreClient,
    f: TraceFilter,
    sort: str = "start_time",
    order: str = "desc",
    page: int = 1,
    page_size: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of traces matching `f`: by `cursor` (keyset, preferred) or by `page`.

    Raises:
        CursorError: the cursor is malformed.
    """
    column = SORTS[sort]
    where, having, params = conditions(f)
    keyset: list[str] = []
    if cursor:
        at = Cursor.decode(cursor)
        value_type = "Float64" if isinstance(at.value, float) else "Int64"
        params.update(cv=at.value, ct=at.trace_id)
        cmp = "<" if order == "desc" else ">"
        keyset.append(f"({column} {cmp} {{cv:{value_type}}} OR ({column} = {{cv:{value_type}}} AND trace_id > {{ct:String}}))")
    total = await store.query(f"SELECT count() AS n FROM ({_summaries_sql(where, having)})", params)
    params.update(limit=page_size + 1, offset=0 if cursor else (page - 1) * page_size)
    # Two steps: order the matching traces on the few columns the filters and the sort need (ClickHouse
    # drops the unused aggregates from the subquery), then the whole summary of just this page's traces.
    keys = await store.query(
        f"SELECT trace_id, {column} FROM ({_summaries_sql(where, having)}) {'WHERE ' + keyset[0] if keyset else ''} "
        f"ORDER BY {column} {'DESC' if order == 'desc' else 'ASC'}, trace_id "
        "LIMIT {limit:UInt32} OFFSET {offset:UInt64}",
        params,
    )
    rows = await summaries_of(store, f.project_id, [str(k["trace_id"]) for k in keys])
    more = len(rows) > page_size
    rows = rows[:page_size]
    alerts = await alert_counts(store, f.project_id, [str(r["trace_id"]) for r in rows])
    next_cursor = None
    if more and rows:
        last = rows[-1]
        value = last[column]
        value = float(value) if column == "cost" else int(value)
        next_cursor = Cursor(value, str(last["trace_id"])).encode()
    return {
        "items": [trace_row(r, alerts) for r in rows],
        "total": int(total[0]["n"]),
        "page": page if not cursor else None,
        "page_size": page_size,
        "next_cursor": next_cursor,
    }


FACETS = ("status", "service", "model", "name", "kind")


async def trace_facets(store: StoreClient, f: TraceFilter, limit: int = 50) -> dict[str, Any]:
    """Trace counts per status, service, model, root name and span kind among the traces matching `f`."""
    where, having, params = conditions(f)
    ones = "arrayResize([toUInt64(1)], length({col}), toUInt64(1))"
    rows = await store.query(
        "SELECT count() AS total, "
        "sumMap([if(error_count > 0, 'ERROR', 'OK')], [toUInt64(1)]) AS status, "
        f"sumMap(services, {ones.format(col='services')}) AS service, "
        f"sumMap(models, {ones.format(col='models')}) AS model, "
        "sumMap([name], [toUInt64(1)]) AS name, "
        f"sumMap(kinds, {ones.format(col='kinds')}) AS kind "
        f"FROM ({_summaries_sql(where, having)})",
        params,
    )
    row = rows[0]
    out: dict[str, Any] = {"total": int(row["total"])}
    for facet in FACETS:
        keys, counts = row[facet] if row[facet] else ([], [])
        pairs = sorted(zip(keys, counts), key=lambda kv: (-kv[1], kv[0]))[:limit]
        out[facet] = [{"value": k, "count": int(c)} for k, c in pairs]
    return out


_SPAN_COLUMNS = (
    "trace_id, span_id, parent_span_id, name, kind, service_name, "
    "toUnixTimestamp64Nano(start_time) AS start_ns, toUnixTimestamp64Nano(end_time) AS end_ns, "
    "status, status_message, attributes, events, {io}, span_kind, links, resource, scope_name, scope_version, "
    + ", ".join(SPAN_USAGE_COLUMNS)
)


def usage_view(row: dict[str, Any]) -> dict[str, Any] | None:
    """The span's LLM usage and cost, or None for a span without LLM usage."""
    if not row.get("model") and not row.get("cost_status"):
        return None
    return {field: row[field] for field in SPAN_USAGE_COLUMNS}


def _json_list(raw: str | None) -> list[Any]:
    # Most spans have no events or links: skip the JSON parser for them (1,000 spans a page).
    return json.loads(raw) if raw and raw != "[]" else []


def span_view(row: dict[str, Any], trace_start_ns: int | None = None) -> dict[str, Any]:
    """The API view of one `spans` row (input/output are None when left out)."""
    start, end = int(row["start_ns"]), int(row["end_ns"])
    events = [
        {"name": str(event.get("name", "")),
         "timestamp": iso(int(event["timestamp"])) if event.get("timestamp") else None,
         "attributes": event.get("attributes") or {}}
        for event in _json_list(row["events"])
    ]
    return {
        "trace_id": str(row["trace_id"]),
        "span_id": row["span_id"],
        "parent_span_id": row["parent_span_id"] or None,
        "name": row["name"],
        "kind": row["kind"],
        "service_name": row["service_name"],
        "start_time": iso(start),
        "end_time": iso(end),
        "offset_ms": (start - (trace_start_ns if trace_start_ns is not None else start)) / 1e6,
        "duration_ms": (end - start) / 1e6,
        "status": row["status"],
        "status_message": row["status_message"],
        "attributes": dict(row["attributes"]),
        "events": events,
        "input": row["input"] or None,
        "output": row["output"] or None,
        "span_kind": row["span_kind"] or None,
        "links": _json_list(row["links"]),
        "resource": dict(row["resource"]),
        "scope": {"name": row["scope_name"], "version": row["scope_version"]} if row["scope_name"] else None,
        "usage": usage_view(row),
        "input_messages": parse_messages(row["input"]),
        "output_messages": parse_messages(row["output"]),
        "tool_definitions": _tools(row["attributes"]),
    }


def _tools(attributes: dict[str, str]) -> list[Any] | None:
    raw = attributes.get(TOOL_DEFINITIONS)
    try:
        found = json.loads(raw) if raw else None
    except ValueError:
        return None
    return found if isinstance(found, list) else None


async def trace_summary(store: StoreClient, project_id: str, trace_id: str) -> dict[str, Any] | None:
    """The per-trace summary columns of one trace (None when the project has no such trace)."""
    rows = await store.query(
        f"SELECT {SUMMARY_COLUMNS} FROM trace_summaries WHERE project_id = {{p:String}} AND trace_id = {{t:String}} "
        "GROUP BY trace_id",
        {"p": project_id, "t": trace_id},
    )
    return rows[0] if rows else None


async def get_trace(
    store: StoreClient, project_id: str, trace_id: str, offset: int = 0, limit: int = 1000, with_io: bool = True
) -> dict[str, Any] | None:
    """One trace: its summary and a page of its spans (start time order); None when not in the project."""
    summary = await trace_summary(store, project_id, trace_id)
    if summary is None:
        return None
    io = "input, output" if with_io else "'' AS input, '' AS output"
    params = {"p": project_id, "t": trace_id, "limit": limit, "offset": offset}
    rows = await store.query(
        f"SELECT {_SPAN_COLUMNS.format(io=io)} FROM spans FINAL WHERE project_id = {{p:String}} AND trace_id = {{t:String}} "
        "ORDER BY start_time, span_id LIMIT {limit:UInt32} OFFSET {offset:UInt64}",
        params,
    )
    # A span's security flags are the rules of its alerts (the security pool writes alerts, never spans);
    # the same rows give the trace's alert count and highest severity (one query, not two).
    flags = await store.query(
        f"SELECT span_id, arraySort(groupUniqArray(rule)) AS rules, count() AS n, max({_SEVERITY_RANK}) AS rank "
        "FROM security_alerts FINAL WHERE project_id = {p:String} AND trace_id = {t:String} GROUP BY span_id",
        {"p": project_id, "t": trace_id},
    )
    flags_by_span = {row["span_id"]: list(row["rules"]) for row in flags}
    rank = max((int(row["rank"]) for row in flags), default=0)
    alerts = {trace_id: (sum(int(row["n"]) for row in flags), SEVERITIES[rank - 1] if rank else None)} if flags else {}
    start = int(summary["start_ns"])
    spans = []
    for row in rows:
        span = span_view(row, start)
        span["security_flags"] = flags_by_span.get(span["span_id"], [])
        spans.append(span)
    head = trace_row(summary, alerts)
    total = head["span_count"]
    return {
        **head,
        "spans": spans,
        "span_offset": offset,
        "span_limit": limit,
        "next_span_offset": offset + len(rows) if offset + len(rows) < total else None,
    }


async def get_span(store: StoreClient, project_id: str, span_id: str) -> dict[str, Any] | None:
    """One span with full attributes, events, input, output, usage and its alerts; None when not in the project."""
    rows = await store.query(
        f"SELECT {_SPAN_COLUMNS.format(io='input, output')} FROM spans FINAL "
        "WHERE project_id = {p:String} AND span_id = {s:String} ORDER BY start_time LIMIT 1",
        {"p": project_id, "s": span_id},
    )
    if not rows:
        return None
    span = span_view(rows[0])
    alerts = await store.query(
        "SELECT alert_id, rule, entity_types, severity, score, excerpt, toUnixTimestamp64Milli(created_at) AS created_ms "
        "FROM security_alerts FINAL WHERE project_id = {p:String} AND trace_id = {t:String} AND span_id = {s:String} "
        "ORDER BY created_at",
        {"p": project_id, "t": span["trace_id"], "s": span_id},
    )
    span["alerts"] = [
        {"alert_id": a["alert_id"], "rule": a["rule"], "entity_types": list(a["entity_types"]), "severity": a["severity"],
         "score": float(a["score"]), "excerpt": a["excerpt"], "created_at": iso(int(a["created_ms"]) * 1_000_000)}
        for a in alerts
    ]
    span["security_flags"] = sorted({a["rule"] for a in span["alerts"]})
    return span
