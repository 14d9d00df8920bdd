"""Cost, latency, error and top-trace analytics over ClickHouse.

Cost by model or provider reads `cost_metrics` (the cost pool's per-minute sums); by service,
user, session or trace name it reads the priced `spans` of the window. A project's price overrides
apply at read time: spans of a matching model from `effective_from` on are re-priced from their
token counts (and no longer count as unpriced). Latency and errors read `span_metrics_minute`
(kept by a materialized view, migration 28), never `spans`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cluster.query.windows import TimeWindow, bucket_size
from cluster.store import StoreClient

GROUP_BYS: tuple[str, ...] = ("model", "provider", "service", "user", "session", "trace_name")
TOP_BY: tuple[str, ...] = ("cost", "duration", "tokens")
LATENCY_BY: tuple[str, ...] = ("kind", "model")

_SPAN_KEYS: dict[str, str] = {
    "service": "service_name",
    "user": "coalesce(nullIf(attributes['user.id'], ''), nullIf(attributes['enduser.id'], ''), '')",
    "session": "coalesce(nullIf(attributes['session.id'], ''), nullIf(attributes['gen_ai.conversation.id'], ''), '')",
    "model": "model",
    "provider": "provider",
}
_TOKENS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens")


@dataclass(frozen=True)
class Override:
    """A project price for models matching `model_pattern` (glob, `*` any characters), USD per million tokens."""

    model_pattern: str
    provider: str
    input_per_mtok: float
    output_per_mtok: float
    cache_read_per_mtok: float
    cache_write_per_mtok: float
    reasoning_per_mtok: float
    effective_from: datetime


def _like(pattern: str) -> str:
    escaped = pattern.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def priced_expressions(overrides: list[Override], time_col: str) -> tuple[str, str, dict[str, Any]]:
    """SQL for (cost, unpriced spans) of a row with overrides applied, and its parameters.

    The row must have `model`, `provider`, the token columns, `cost_usd`, `unpriced` and `time_col`.
    """
    if not overrides:
        return "cost_usd", "unpriced", {}
    conditions, costs, params = [], [], {}
    for i, o in enumerate(overrides):
        cond = f"(lower(model) LIKE {{om{i}:String}} AND {time_col} >= {{oe{i}:DateTime}}"
        params[f"om{i}"] = _like(o.model_pattern)
        params[f"oe{i}"] = o.effective_from.astimezone(UTC).replace(tzinfo=None)
        if o.provider:
            cond += f" AND lower(provider) = {{op{i}:String}}"
            params[f"op{i}"] = o.provider.lower()
        conditions.append(cond + ")")
        costs.append(
            f"((toFloat64(input_tokens) - cache_read_tokens - cache_write_tokens) * {{pi{i}:Float64}} "
            f"+ cache_read_tokens * {{pcr{i}:Float64}} + cache_write_tokens * {{pcw{i}:Float64}} "
            f"+ (toFloat64(output_tokens) - reasoning_tokens) * {{po{i}:Float64}} + reasoning_tokens * {{pr{i}:Float64}}) / 1e6"
        )
        params.update({f"pi{i}": o.input_per_mtok, f"pcr{i}": o.cache_read_per_mtok, f"pcw{i}": o.cache_write_per_mtok,
                       f"po{i}": o.output_per_mtok, f"pr{i}": o.reasoning_per_mtok})
    cost = "multiIf(" + ", ".join(f"{c}, {e}" for c, e in zip(conditions, costs)) + ", cost_usd)"
    unpriced = "if(" + " OR ".join(conditions) + ", 0, unpriced)"
    return cost, unpriced, params


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat().replace("+00:00", "Z")


_WINDOW_MINUTES = "minute >= toStartOfMinute({ws:DateTime64(3)}) AND minute < {we:DateTime64(3)}"
_WINDOW_SPANS = "start_time >= {ws:DateTime64(3)} AND start_time < {we:DateTime64(3)}"


def _source(group_by: str, bucket_s: int) -> tuple[str, str]:
    """(FROM subquery with columns at, t, key, model, provider, tokens, cost_usd, unpriced, calls; its time column)."""
    tokens = ", ".join(_TOKENS)
    if group_by in ("model", "provider"):
        return (
            f"(SELECT minute AS at, toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({bucket_s}))) AS t, {group_by} AS key, "
            f"model, provider, {tokens}, cost_usd, unpriced_spans AS unpriced, spans AS calls FROM cost_metrics "
            f"WHERE project_id = {{p:String}} AND {_WINDOW_MINUTES})",
            "at",
        )
    key = "''" if group_by == "trace_name" else _SPAN_KEYS[group_by]
    spans = (
        f"SELECT start_time AS at, toUnixTimestamp(toStartOfInterval(start_time, toIntervalSecond({bucket_s}))) AS t, {key} AS key, "
        f"model, provider, {tokens}, cost_usd, cost_status = 'unpriced' AS unpriced, 1 AS calls, trace_id FROM spans FINAL "
        f"WHERE project_id = {{p:String}} AND {_WINDOW_SPANS} AND cost_status != ''"
    )
    if group_by == "trace_name":
        spans = (
            f"SELECT s.* EXCEPT key, n.name AS key FROM ({spans}) AS s LEFT JOIN (SELECT trace_id, argMinMerge(root_name) AS name "
            "FROM trace_summaries WHERE project_id = {p:String} GROUP BY trace_id) AS n USING trace_id"
        )
    return f"({spans})", "at"


async def cost(store: StoreClient, project_id: str, window: TimeWindow, bucket: str, group_by: str,
               overrides: list[Override] | None = None) -> dict[str, Any]:
    """Cost, tokens and calls per bucket and group, totals, and the models without a price (with their tokens)."""
    size = bucket_size(bucket)
    source, time_col = _source(group_by, size)
    cost_sql, unpriced_sql, oparams = priced_expressions(overrides or [], time_col)
    params = {"p": project_id, **window.params(), **oparams}
    # Aliases differ from the source columns: ClickHouse would otherwise read `cost_usd` inside the
    # override expression as the outer sum (an aggregate inside an aggregate).
    sums = ", ".join(f"sum({c}) AS s_{c}" for c in _TOKENS)
    rows = await store.query(
        f"SELECT t, key, sum({cost_sql}) AS s_cost, {sums}, sum(calls) AS s_calls, sum({unpriced_sql}) AS s_unpriced "
        f"FROM {source} GROUP BY t, key ORDER BY t, key",
        params,
    )
    unpriced = await store.query(
        f"SELECT model, provider, sum({unpriced_sql}) AS s_unpriced, {sums} FROM {source} "
        f"WHERE {unpriced_sql} > 0 GROUP BY model, provider ORDER BY s_unpriced DESC, model",
        params,
    )
    series = [
        {"time": _iso(int(r["t"])), "key": str(r["key"]), "cost_usd": float(r["s_cost"]),
         **{c: int(r[f"s_{c}"]) for c in _TOKENS}, "calls": int(r["s_calls"]), "unpriced_calls": int(r["s_unpriced"])}
        for r in rows
    ]
    totals: dict[str, Any] = {"cost_usd": 0.0, **{c: 0 for c in _TOKENS}, "calls": 0, "unpriced_calls": 0}
    by_key: dict[str, dict[str, Any]] = {}
    for point in series:
        group = by_key.setdefault(point["key"], {"key": point["key"], "cost_usd": 0.0, **{c: 0 for c in _TOKENS}, "calls": 0, "unpriced_calls": 0})
        for name in ("cost_usd", *_TOKENS, "calls", "unpriced_calls"):
            totals[name] += point[name]
            group[name] += point[name]
    return {
        "bucket": bucket,
        "group_by": group_by,
        "start": window.start.isoformat().replace("+00:00", "Z"),
        "end": window.end.isoformat().replace("+00:00", "Z"),
        "series": series,
        "groups": sorted(by_key.values(), key=lambda g: (-g["cost_usd"], g["key"])),
        "totals": totals,
        "unpriced_models": [
            {"model": r["model"], "provider": r["provider"], "calls": int(r["s_unpriced"]), **{c: int(r[f"s_{c}"]) for c in _TOKENS}}
            for r in unpriced
        ],
    }


def _metrics_where(window: TimeWindow) -> str:
    return ("project_id = {p:String} AND minute >= toStartOfMinute({ws:DateTime64(3)}) AND minute < {we:DateTime64(3)}")


async def latency(store: StoreClient, project_id: str, window: TimeWindow, bucket: str, by: str) -> dict[str, Any]:
    """p50/p95/p99 and average span duration (ms) per bucket and span kind or model."""
    size = bucket_size(bucket)
    rows = await store.query(
        f"SELECT toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({size}))) AS t, {by} AS key, "
        "quantilesTDigestMerge(0.5, 0.95, 0.99)(duration) AS q, avgMerge(duration_avg) AS avg, uniqMerge(spans) AS n "
        f"FROM span_metrics_minute WHERE {_metrics_where(window)} GROUP BY t, key ORDER BY t, key",
        {"p": project_id, **window.params()},
    )
    return {
        "bucket": bucket, "by": by,
        "series": [
            {"time": _iso(int(r["t"])), "key": str(r["key"]), "p50_ms": float(r["q"][0]), "p95_ms": float(r["q"][1]),
             "p99_ms": float(r["q"][2]), "avg_ms": float(r["avg"]), "spans": int(r["n"])}
            for r in rows
        ],
    }


async def errors(store: StoreClient, project_id: str, window: TimeWindow, bucket: str) -> dict[str, Any]:
    """Spans, error spans and the error rate per bucket, and over the whole window."""
    size = bucket_size(bucket)
    rows = await store.query(
        f"SELECT toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({size}))) AS t, "
        "uniqMerge(spans) AS n, uniqIfMerge(errors) AS e FROM span_metrics_minute "
        f"WHERE {_metrics_where(window)} GROUP BY t ORDER BY t",
        {"p": project_id, **window.params()},
    )
    series = [{"time": _iso(int(r["t"])), "spans": int(r["n"]), "errors": int(r["e"]),
               "error_rate": (int(r["e"]) / int(r["n"])) if int(r["n"]) else 0.0} for r in rows]
    spans = sum(p["spans"] for p in series)
    errs = sum(p["errors"] for p in series)
    return {"bucket": bucket, "series": series, "spans": spans, "errors": errs, "error_rate": errs / spans if spans else 0.0}


async def top_traces(store: StoreClient, project_id: str, window: TimeWindow, by: str, limit: int) -> dict[str, Any]:
    """The traces of the window with the highest cost, duration or tokens (from `trace_summaries`)."""
    order = {"cost": "cost_usd", "duration": "duration_ms", "tokens": "tokens"}[by]
    rows = await store.query(
        "SELECT trace_id, argMinMerge(root_name) AS name, argMinMerge(root_service) AS service, "
        "min(start_time) AS st, toUnixTimestamp64Milli(min(start_time)) AS start_ms, "
        "(toUnixTimestamp64Nano(max(end_time)) - toUnixTimestamp64Nano(min(start_time))) / 1e6 AS duration_ms, "
        "uniqExactMerge(span_ids) AS spans, uniqExactIfMerge(error_span_ids) AS errors, "
        "groupUniqArrayIfMerge(llm_usage) AS usage, arraySum(u -> u.2, usage) AS tokens, arraySum(u -> u.3, usage) AS cost_usd "
        "FROM trace_summaries WHERE project_id = {p:String} GROUP BY trace_id "
        "HAVING st >= {ws:DateTime64(3)} AND st < {we:DateTime64(3)} "
        f"ORDER BY {order} DESC, trace_id LIMIT {{n:UInt32}}",
        {"p": project_id, **window.params(), "n": limit},
    )
    return {
        "by": by,
        "items": [
            {"trace_id": r["trace_id"], "name": r["name"], "service_name": r["service"],
             "start_time": datetime.fromtimestamp(int(r["start_ms"]) / 1000, tz=UTC).isoformat().replace("+00:00", "Z"),
             "duration_ms": float(r["duration_ms"]), "span_count": int(r["spans"]), "error_count": int(r["errors"]),
             "tokens": int(r["tokens"]), "cost_usd": float(r["cost_usd"])}
            for r in rows
        ],
    }
