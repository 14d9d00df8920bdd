"""The overview of a project: metric cards with the previous period and sparklines, top models by cost.

Every query reads a pre-aggregated table (`span_metrics_minute`, `cost_metrics`), never `spans`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cluster.query.windows import TimeWindow, bucket_size
from cluster.store import StoreClient


async def _cards(store: StoreClient, project_id: str, window: TimeWindow) -> dict[str, float]:
    params = {"p": project_id, **window.params()}
    where = "project_id = {p:String} AND minute >= toStartOfMinute({ws:DateTime64(3)}) AND minute < {we:DateTime64(3)}"
    spans = await store.query(
        "SELECT uniqMerge(traces) AS traces, uniqMerge(spans) AS spans, uniqIfMerge(errors) AS errors, "
        "avgMergeIf(duration_avg, is_root = 1) AS avg_ms, quantilesTDigestMergeIf(0.5, 0.95, 0.99)(duration, is_root = 1) AS q "
        f"FROM span_metrics_minute WHERE {where}",
        params,
    )
    cost = await store.query(f"SELECT sum(cost_usd) AS cost, sum(spans) AS calls FROM cost_metrics WHERE {where}", params)
    row = spans[0] if spans else {}
    n = int(row.get("spans") or 0)
    q = row.get("q") or [0.0, 0.0, 0.0]
    avg = float(row.get("avg_ms") or 0.0)
    return {
        "traces": int(row.get("traces") or 0),
        "spans": n,
        "error_rate": (int(row.get("errors") or 0) / n) if n else 0.0,
        "avg_latency_ms": avg if avg == avg else 0.0,  # NaN when there were no root spans
        "p95_latency_ms": float(q[1]) if q[1] == q[1] else 0.0,
        "cost_usd": float(cost[0]["cost"]) if cost else 0.0,
        "llm_calls": int(cost[0]["calls"]) if cost else 0,
    }


async def _sparklines(store: StoreClient, project_id: str, window: TimeWindow, bucket: str) -> list[dict[str, Any]]:
    size = bucket_size(bucket)
    params = {"p": project_id, **window.params()}
    where = "project_id = {p:String} AND minute >= toStartOfMinute({ws:DateTime64(3)}) AND minute < {we:DateTime64(3)}"
    t = f"toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({size})))"
    rows = await store.query(
        f"SELECT {t} AS t, uniqMerge(traces) AS traces, uniqMerge(spans) AS spans, uniqIfMerge(errors) AS errors, "
        "quantilesTDigestMergeIf(0.5, 0.95, 0.99)(duration, is_root = 1) AS q, avgMergeIf(duration_avg, is_root = 1) AS avg_ms "
        f"FROM span_metrics_minute WHERE {where} GROUP BY t ORDER BY t",
        params,
    )
    costs = {int(r["t"]): float(r["c"]) for r in await store.query(
        f"SELECT {t} AS t, sum(cost_usd) AS c FROM cost_metrics WHERE {where} GROUP BY t", params)}
    points: dict[int, dict[str, Any]] = {}
    for r in rows:
        n = int(r["spans"])
        avg = float(r["avg_ms"])
        points[int(r["t"])] = {"traces": int(r["traces"]), "error_rate": int(r["errors"]) / n if n else 0.0,
                               "avg_latency_ms": avg if avg == avg else 0.0,
                               "p95_latency_ms": float(r["q"][1]) if r["q"][1] == r["q"][1] else 0.0}
    out = []
    for ts in sorted(set(points) | set(costs)):
        point = points.get(ts, {"traces": 0, "error_rate": 0.0, "avg_latency_ms": 0.0, "p95_latency_ms": 0.0})
        out.append({"time": datetime.fromtimestamp(ts, tz=UTC).isoformat().replace("+00:00", "Z"), **point, "cost_usd": costs.get(ts, 0.0)})
    return out


async def overview(store: StoreClient, project_id: str, window: TimeWindow, bucket: str, top: int = 5) -> dict[str, Any]:
    """Cards for the window and the one before it, sparklines, top models by cost."""
    current = await _cards(store, project_id, window)
    previous = await _cards(store, project_id, window.previous())
    models = await store.query(
        "SELECT model, provider, sum(cost_usd) AS cost, sum(spans) AS calls, sum(unpriced_spans) AS unpriced, "
        "sum(input_tokens + output_tokens) AS tokens FROM cost_metrics WHERE project_id = {p:String} "
        "AND minute >= toStartOfMinute({ws:DateTime64(3)}) AND minute < {we:DateTime64(3)} "
        "GROUP BY model, provider ORDER BY cost DESC, tokens DESC LIMIT {n:UInt32}",
        {"p": project_id, **window.params(), "n": top},
    )
    return {
        "start": window.start.isoformat().replace("+00:00", "Z"),
        "end": window.end.isoformat().replace("+00:00", "Z"),
        "bucket": bucket,
        "cards": current,
        "previous": previous,
        "sparklines": await _sparklines(store, project_id, window, bucket),
        "top_models": [{"model": r["model"], "provider": r["provider"], "cost_usd": float(r["cost"]), "calls": int(r["calls"]),
                        "unpriced_calls": int(r["unpriced"]), "tokens": int(r["tokens"])} for r in models],
    }
