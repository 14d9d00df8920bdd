"""Trace filters → ClickHouse conditions over `trace_summaries` (per trace) and `spans` (per span).

Every value is a bound query parameter; nothing a caller sends is pasted into SQL text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: Alert severities, lowest first (`severity=HIGH` means HIGH or CRITICAL).
SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")

# ClickHouse's token splitter: ASCII letters/digits and every non-ASCII character make tokens.
_TOKEN = re.compile(r"[0-9A-Za-z\u0080-\U0010ffff]+")


def search_tokens(q: str) -> list[str]:
    """The tokens of a search text, lower-cased as the token bloom filters index them."""
    return [t.lower() for t in _TOKEN.findall(q)][:8]


@dataclass(frozen=True)
class TraceFilter:
    """One trace list query's filters (already validated by the HTTP layer)."""

    project_id: str
    start_ns: int
    end_ns: int
    status: str | None = None
    names: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    user_id: str | None = None
    session_id: str | None = None
    tags: tuple[str, ...] = ()
    attrs: tuple[tuple[str, str], ...] = ()
    min_duration_ms: float | None = None
    max_duration_ms: float | None = None
    min_cost: float | None = None
    has_alert: bool | None = None
    severity: str | None = None
    q_tokens: tuple[str, ...] = field(default=())


#: Per-trace columns computed from `trace_summaries` (one row per trace after GROUP BY trace_id).
#: The per-span usage array (`llm_io`) is summed inside the query and never selected: a 20,000-span
#: trace's array is thousands of tuples, and shipping it to Python cost more than the rest of the query.
SUMMARY_COLUMNS = """
    trace_id,
    argMinMerge(root_name) AS name,
    argMinMerge(root_service) AS service_name,
    toUnixTimestamp64Nano(min(start_time)) AS start_ns,
    toUnixTimestamp64Nano(max(end_time)) AS end_ns,
    end_ns - start_ns AS duration_ns,
    uniqExactMerge(span_ids) AS span_count,
    uniqExactIfMerge(error_span_ids) AS error_count,
    arraySum(x -> x.2, groupUniqArrayIfMerge(llm_io)) AS input_tokens,
    arraySum(x -> x.3, groupUniqArrayIfMerge(llm_io)) AS output_tokens,
    input_tokens + output_tokens AS total_tokens,
    round(arraySum(x -> x.4, groupUniqArrayIfMerge(llm_io)), 9) AS cost,
    arraySort(groupUniqArrayIfMerge(models)) AS models,
    arraySort(groupUniqArrayMerge(kinds)) AS kinds,
    arraySort(groupUniqArrayMerge(services)) AS services,
    arraySort(groupUniqArrayIfMerge(session_ids)) AS session_ids,
    arraySort(groupUniqArrayIfMerge(user_ids)) AS user_ids,
    argMinMerge(root_input) AS root_input,
    argMinMerge(root_output) AS root_output
"""


def _span_subquery(conditions: list[str]) -> str:
    return (
        "trace_id IN (SELECT trace_id FROM spans WHERE project_id = {p:String} "
        "AND start_time >= fromUnixTimestamp64Nano({w0:Int64}, 'UTC') AND " + " AND ".join(conditions) + ")"
    )


def conditions(f: TraceFilter) -> tuple[list[str], list[str], dict[str, Any]]:
    """(WHERE conditions on trace_summaries rows, HAVING conditions on per-trace columns, parameters)."""
    params: dict[str, Any] = {"p": f.project_id, "w0": f.start_ns, "w1": f.end_ns}
    where: list[str] = ["project_id = {p:String}"]
    having: list[str] = ["start_ns >= {w0:Int64}", "start_ns < {w1:Int64}"]
    if f.status == "ERROR":
        having.append("error_count > 0")
    elif f.status == "OK":
        having.append("error_count = 0")
    for name, column in (("names", "name"),):
        if f.names:
            params[name] = list(f.names)
            having.append(f"{column} IN {{{name}:Array(String)}}")
    for name, column, values in (("services", "services", f.services), ("models", "models", f.models),
                                 ("kinds", "kinds", f.kinds)):
        if values:
            params[name] = list(values)
            having.append(f"hasAny({column}, {{{name}:Array(String)}})")
    if f.user_id is not None:
        params["user"] = f.user_id
        having.append("has(user_ids, {user:String})")
    if f.session_id is not None:
        params["session"] = f.session_id
        having.append("has(session_ids, {session:String})")
    if f.min_duration_ms is not None:
        params["dmin"] = int(f.min_duration_ms * 1e6)
        having.append("duration_ns >= {dmin:Int64}")
    if f.max_duration_ms is not None:
        params["dmax"] = int(f.max_duration_ms * 1e6)
        having.append("duration_ns <= {dmax:Int64}")
    if f.min_cost is not None:
        params["cmin"] = f.min_cost
        having.append("cost >= {cmin:Float64}")
    for i, tag in enumerate(f.tags):
        params[f"tag{i}"] = tag
        where.append(_span_subquery([f"has(JSONExtract(attributes['tag.tags'], 'Array(String)'), {{tag{i}:String}})"]))
    for i, (key, value) in enumerate(f.attrs):
        params[f"ak{i}"], params[f"av{i}"] = key, value
        where.append(_span_subquery([f"(attributes[{{ak{i}:String}}] = {{av{i}:String}} OR resource[{{ak{i}:String}}] = {{av{i}:String}})"]))
    if f.q_tokens:
        parts = []
        for i, token in enumerate(f.q_tokens):
            params[f"q{i}"] = token
            parts.append(
                f"(hasToken(lowerUTF8(name), {{q{i}:String}}) OR hasToken(lowerUTF8(input), {{q{i}:String}}) "
                f"OR hasToken(lowerUTF8(output), {{q{i}:String}}))"
            )
        where.append(_span_subquery(parts))
    if f.has_alert is not None or f.severity is not None:
        alert_sql = "SELECT trace_id FROM security_alerts WHERE project_id = {p:String}"
        if f.severity is not None:
            params["sev"] = list(SEVERITIES[SEVERITIES.index(f.severity):])
            alert_sql += " AND severity IN {sev:Array(String)}"
        negate = f.has_alert is False and f.severity is None
        where.append(f"trace_id {'NOT IN' if negate else 'IN'} ({alert_sql})")
    return where, having, params


def all_time(project_id: str) -> TraceFilter:
    """No filter but the project: every trace it has (tools and tests)."""
    return TraceFilter(project_id=project_id, start_ns=0, end_ns=2**62)
