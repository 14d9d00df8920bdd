"""The analytics resource: cost, latency, errors, top traces; and prices with per-project overrides.

Reads need any role on the project (or its read key); price overrides are edited by admins.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from cluster.metadata.insights import PriceOverride
from cluster.metadata.models import utcnow
from cluster.query import analytics as logic
from cluster.query.windows import TimeWindow
from cluster.store import StoreClient
from serve_apps.access import ProjectAccess, accounts_of, read_access
from serve_apps.errors import ApiError, error_docs
from serve_apps.insights_common import guarded, iso, require_role, who, window_params

Bucket = Literal["minute", "hour", "day"]
GroupBy = Literal["model", "provider", "service", "user", "session", "trace_name"]


class TokenCounts(BaseModel):
    input_tokens: int = Field(description="all input tokens, cache reads and writes included")
    output_tokens: int = Field(description="all output tokens, reasoning included")
    cache_read_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int


class CostPoint(TokenCounts):
    time: str
    key: str = Field(description="the group_by value ('' when the spans do not carry it)")
    cost_usd: float
    calls: int
    unpriced_calls: int


class CostGroup(TokenCounts):
    key: str
    cost_usd: float
    calls: int
    unpriced_calls: int


class CostTotals(TokenCounts):
    cost_usd: float
    calls: int
    unpriced_calls: int


class UnpricedModel(TokenCounts):
    """A model without a price: its calls and tokens are listed, never counted as $0."""

    model: str
    provider: str
    calls: int


class CostReport(BaseModel):
    bucket: Bucket
    group_by: GroupBy
    start: str
    end: str
    series: list[CostPoint]
    groups: list[CostGroup]
    totals: CostTotals
    unpriced_models: list[UnpricedModel]


class LatencyPoint(BaseModel):
    time: str
    key: str
    p50_ms: float
    p95_ms: float
    p99_ms: float
    avg_ms: float
    spans: int


class LatencyReport(BaseModel):
    bucket: Bucket
    by: Literal["kind", "model"]
    series: list[LatencyPoint]


class ErrorPoint(BaseModel):
    time: str
    spans: int
    errors: int
    error_rate: float


class ErrorReport(BaseModel):
    bucket: Bucket
    series: list[ErrorPoint]
    spans: int
    errors: int
    error_rate: float


class TopTrace(BaseModel):
    trace_id: str
    name: str
    service_name: str
    start_time: str
    duration_ms: float
    span_count: int
    error_count: int
    tokens: int
    cost_usd: float


class TopTraces(BaseModel):
    by: Literal["cost", "duration", "tokens"]
    items: list[TopTrace]


class PriceIn(BaseModel):
    """A project's price of a model, USD per million tokens."""

    model_pattern: str = Field(min_length=1, max_length=200, description="model name, `*` matches any characters")
    provider: str = Field("", max_length=100, description="empty: any provider")
    input_per_mtok: float = Field(ge=0, le=10_000)
    output_per_mtok: float = Field(ge=0, le=10_000)
    cache_read_per_mtok: float | None = Field(None, ge=0, le=10_000, description="default: the input price")
    cache_write_per_mtok: float | None = Field(None, ge=0, le=10_000, description="default: the input price")
    reasoning_per_mtok: float | None = Field(None, ge=0, le=10_000, description="default: the output price")
    effective_from: datetime | None = Field(None, description="default: now (applies to spans from then on)")


class PriceOut(BaseModel):
    model: str = Field(description="model name or pattern")
    provider: str
    input_per_mtok: float | None
    output_per_mtok: float | None
    cache_read_per_mtok: float | None
    cache_write_per_mtok: float | None
    reasoning_per_mtok: float | None
    source: str = Field(description="'project' (an override here), 'config' (configs/pricing.yaml), 'genai-prices:…', or 'unpriced'")
    override_id: str | None = None
    effective_from: str | None = None


class PriceTable(BaseModel):
    items: list[PriceOut]


def _override_out(row: PriceOverride) -> PriceOut:
    return PriceOut(model=row.model_pattern, provider=row.provider, input_per_mtok=row.input_per_mtok,
                    output_per_mtok=row.output_per_mtok, cache_read_per_mtok=row.cache_read_per_mtok,
                    cache_write_per_mtok=row.cache_write_per_mtok, reasoning_per_mtok=row.reasoning_per_mtok,
                    source="project", override_id=row.id, effective_from=iso(row.effective_from))


def overrides_of(request: Request, project_id: str) -> list[PriceOverride]:
    with accounts_of(request).db.session() as db:
        return list(db.scalars(select(PriceOverride).where(PriceOverride.project_id == project_id)
                               .order_by(PriceOverride.created_at.desc(), PriceOverride.id)))


def as_overrides(rows: list[PriceOverride]) -> list[logic.Override]:
    return [logic.Override(r.model_pattern, r.provider, r.input_per_mtok, r.output_per_mtok, r.cache_read_per_mtok,
                           r.cache_write_per_mtok, r.reasoning_per_mtok, r.effective_from) for r in rows]


def analytics_router(store: StoreClient, retry_after_s: int, pricing_config: Any = None) -> APIRouter:
    """Cost, latency, errors and top traces of one project; the effective price table and its overrides."""
    router = APIRouter(prefix="/api/v1", tags=["analytics"])
    errors = error_docs(401, 403, 404, 422, 503)

    @router.get("/analytics/cost", responses=errors)
    async def cost(
        request: Request,
        bucket: Bucket | None = Query(None, description="default: minute up to 12 h, hour up to 30 days, else day"),
        group_by: GroupBy = Query("model"),
        window: TimeWindow = Depends(window_params),
        access: ProjectAccess = Depends(read_access),
    ) -> CostReport:
        overrides = as_overrides(overrides_of(request, access.project_id))
        data = await guarded(logic.cost(store, access.project_id, window, bucket or window.auto_bucket(), group_by, overrides), retry_after_s)
        return CostReport.model_validate(data)

    @router.get("/analytics/latency", responses=errors)
    async def latency(
        bucket: Bucket | None = Query(None),
        by: Literal["kind", "model"] = Query("kind"),
        window: TimeWindow = Depends(window_params),
        access: ProjectAccess = Depends(read_access),
    ) -> LatencyReport:
        data = await guarded(logic.latency(store, access.project_id, window, bucket or window.auto_bucket(), by), retry_after_s)
        return LatencyReport.model_validate(data)

    @router.get("/analytics/errors", responses=errors)
    async def error_rate(
        bucket: Bucket | None = Query(None),
        window: TimeWindow = Depends(window_params),
        access: ProjectAccess = Depends(read_access),
    ) -> ErrorReport:
        data = await guarded(logic.errors(store, access.project_id, window, bucket or window.auto_bucket()), retry_after_s)
        return ErrorReport.model_validate(data)

    @router.get("/analytics/top-traces", responses=errors)
    async def top(
        by: Literal["cost", "duration", "tokens"] = Query("cost"),
        limit: int = Query(20, ge=1, le=200),
        window: TimeWindow = Depends(window_params),
        access: ProjectAccess = Depends(read_access),
    ) -> TopTraces:
        data = await guarded(logic.top_traces(store, access.project_id, window, by, limit), retry_after_s)
        return TopTraces.model_validate(data)

    @router.get("/prices", responses=errors)
    async def prices(request: Request, window: TimeWindow = Depends(window_params),
                     access: ProjectAccess = Depends(read_access)) -> PriceTable:
        """The effective prices: the project's overrides, configs/pricing.yaml, and the bundled price of every model seen in the window."""
        from actors.pricing import PriceBook, load_overrides

        items = [_override_out(r) for r in overrides_of(request, access.project_id)]
        config = load_overrides(pricing_config)
        for (provider, model), p in config.items():
            items.append(PriceOut(model=model, provider=provider, input_per_mtok=p.input * 1e6, output_per_mtok=p.output * 1e6,
                                  cache_read_per_mtok=p.cache_read * 1e6, cache_write_per_mtok=p.cache_write * 1e6,
                                  reasoning_per_mtok=p.reasoning * 1e6, source="config"))
        seen = await guarded(store.query(
            "SELECT DISTINCT provider, model FROM cost_metrics WHERE project_id = {p:String} AND minute >= toStartOfMinute({ws:DateTime64(3)}) "
            "AND minute < {we:DateTime64(3)} ORDER BY model, provider LIMIT 500", {"p": access.project_id, **window.params()}), retry_after_s)
        book = PriceBook(config)
        for row in seen:
            found = book.resolve(row["provider"], row["model"])
            if found is None:
                items.append(PriceOut(model=row["model"], provider=row["provider"], input_per_mtok=None, output_per_mtok=None,
                                      cache_read_per_mtok=None, cache_write_per_mtok=None, reasoning_per_mtok=None, source="unpriced"))
            elif found.source != "override":
                items.append(PriceOut(model=row["model"], provider=row["provider"], input_per_mtok=found.input * 1e6,
                                      output_per_mtok=found.output * 1e6, cache_read_per_mtok=found.cache_read * 1e6,
                                      cache_write_per_mtok=found.cache_write * 1e6, reasoning_per_mtok=found.reasoning * 1e6,
                                      source=found.source))
        return PriceTable(items=items)

    @router.post("/prices/overrides", status_code=201, responses=error_docs(401, 403, 404, 422))
    async def add_override(request: Request, body: PriceIn, access: ProjectAccess = Depends(read_access)) -> PriceOut:
        require_role(access, "admin")
        effective = body.effective_from or utcnow()
        if effective.tzinfo is None:
            effective = effective.replace(tzinfo=UTC)
        row = PriceOverride(
            id=uuid.uuid4().hex, project_id=access.project_id, model_pattern=body.model_pattern.strip(), provider=body.provider.strip(),
            input_per_mtok=body.input_per_mtok, output_per_mtok=body.output_per_mtok,
            cache_read_per_mtok=body.input_per_mtok if body.cache_read_per_mtok is None else body.cache_read_per_mtok,
            cache_write_per_mtok=body.input_per_mtok if body.cache_write_per_mtok is None else body.cache_write_per_mtok,
            reasoning_per_mtok=body.output_per_mtok if body.reasoning_per_mtok is None else body.reasoning_per_mtok,
            effective_from=effective, created_by=who(access), created_at=utcnow(),
        )
        with accounts_of(request).db.session() as db:
            db.add(row)
        return _override_out(row)

    @router.delete("/prices/overrides/{override_id}", status_code=204, responses=error_docs(401, 403, 404, 422))
    async def delete_override(request: Request, override_id: str, access: ProjectAccess = Depends(read_access)) -> None:
        require_role(access, "admin")
        with accounts_of(request).db.session() as db:
            row = db.get(PriceOverride, override_id[:64])
            if row is None or row.project_id != access.project_id:
                raise ApiError(404, "not_found", f"no price override {override_id[:40]!r} in this project")
            db.delete(row)

    return router
