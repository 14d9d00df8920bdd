"""The overview resource (`GET /api/v1/overview`): what a project's landing page shows in one call.

Cards (traces, error rate, average and p95 trace latency, cost, each with the previous period),
sparklines, open alerts by severity, recent traces, top models by cost, and the pipeline: ingest
rate and each consumer group's backlog on the bus. Reads only pre-aggregated tables.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from cluster.backlog import group_backlog
from cluster.query import overview as logic
from cluster.query import security as security_logic
from cluster.query.windows import TimeWindow
from cluster.store import StoreClient
from cluster.streams import COST_GROUP, SECURITY_GROUP, WRITER_GROUP, ingest_stream
from serve_apps.access import ProjectAccess, accounts_of, read_access
from serve_apps.errors import error_docs
from serve_apps.insights_common import guarded, window_params


class Cards(BaseModel):
    traces: int
    spans: int
    error_rate: float = Field(description="error spans / spans, 0–1")
    avg_latency_ms: float = Field(description="average root-span (trace) duration")
    p95_latency_ms: float
    cost_usd: float
    llm_calls: int


class Sparkpoint(BaseModel):
    time: str
    traces: int
    error_rate: float
    avg_latency_ms: float
    p95_latency_ms: float
    cost_usd: float


class ModelCost(BaseModel):
    model: str
    provider: str
    cost_usd: float
    calls: int
    unpriced_calls: int
    tokens: int


class OpenAlerts(BaseModel):
    total: int
    open: int


class RecentTrace(BaseModel):
    trace_id: str
    name: str
    service_name: str
    start_time: str
    duration_ms: float
    span_count: int
    error_count: int
    status: Literal["OK", "ERROR"]


class Pipeline(BaseModel):
    ingest_spans_per_s: float = Field(description="spans stored per second over the last 5 minutes")
    backlog: dict[str, int] = Field(description="entries not yet processed per consumer group (writer, security, cost)")
    available: bool = Field(description="false when the bus could not be asked")


class Overview(BaseModel):
    start: str
    end: str
    bucket: Literal["minute", "hour", "day"]
    cards: Cards
    previous: Cards = Field(description="the same cards for the window just before")
    sparklines: list[Sparkpoint]
    alerts_by_severity: dict[str, OpenAlerts]
    recent_traces: list[RecentTrace]
    top_models: list[ModelCost]
    pipeline: Pipeline


async def pipeline(store: StoreClient, redis: Any, project_id: str, partitions: int) -> dict[str, Any]:
    rows = await store.query(
        "SELECT uniqMerge(spans) AS n FROM span_metrics_minute WHERE project_id = {p:String} "
        "AND minute >= toStartOfMinute(now() - INTERVAL 5 MINUTE)", {"p": project_id})
    rate = (int(rows[0]["n"]) / 300.0) if rows else 0.0
    backlog: dict[str, int] = {}
    available = redis is not None
    if redis is not None:
        try:
            streams = [ingest_stream(p) for p in range(partitions)]
            for group in (WRITER_GROUP, SECURITY_GROUP, COST_GROUP):
                found = await group_backlog(redis, streams, group)
                backlog[group] = sum(b.total for b in found.values())
        except Exception:  # noqa: BLE001 - the bus being down is reported, not an error of the overview
            available = False
    return {"ingest_spans_per_s": rate, "backlog": backlog, "available": available}


def overview_router(store: StoreClient, redis: Any, retry_after_s: int, partitions: int) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["overview"])

    @router.get("/overview", responses=error_docs(401, 403, 404, 422, 503))
    async def overview(
        request: Request,
        bucket: Literal["minute", "hour", "day"] | None = Query(None),
        recent: int = Query(10, ge=0, le=50, description="recent traces to include"),
        window: TimeWindow = Depends(window_params),
        access: ProjectAccess = Depends(read_access),
    ) -> Overview:
        from serve_apps.traces import trace_summary

        data = await guarded(logic.overview(store, access.project_id, window, bucket or window.auto_bucket()), retry_after_s)
        with accounts_of(request).db.session() as db:
            flt = security_logic.AlertFilter(access.project_id, window)
            data["alerts_by_severity"] = await guarded(security_logic.open_by_severity(store, db, flt), retry_after_s)
        rows = await guarded(logic.recent_traces(store, access.project_id, recent), retry_after_s) if recent else []
        data["recent_traces"] = [trace_summary(r) for r in rows]
        data["pipeline"] = await guarded(pipeline(store, redis, access.project_id, accounts_of(request).settings.partitions), retry_after_s)
        return Overview.model_validate(data)

    return router
