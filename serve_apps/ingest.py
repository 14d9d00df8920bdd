"""The ingest application (`/v1`): `POST /v1/traces` → validate → XADD to the span partitions → 202."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from ray import serve
from redis.exceptions import RedisError

from cluster.bus import connect_redis, publish_spans
from cluster.metadata import ApiKeyCache
from cluster.settings import PlatformSettings
from cluster.store import StoreClient, connect_store
from serve_apps.auth import authenticate
from serve_apps.batches import BodyError, build_batch, decode, inflate
from serve_apps.errors import ApiError, install_error_handlers

logger = logging.getLogger(__name__)


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "payload_too_large", f"the body has {declared} bytes, the limit is {limit}; send smaller batches")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "payload_too_large", f"the body passes the limit of {limit} bytes; send smaller batches")
        chunks.append(chunk)
    return b"".join(chunks)


def create_ingest_app(settings: PlatformSettings, store: StoreClient, redis: Any) -> FastAPI:
    """The ingest HTTP app; `store` resolves API keys, `redis` receives the spans."""
    app = FastAPI(title="AgentStack ingest", docs_url=None, redoc_url=None)
    install_error_handlers(app)
    keys = ApiKeyCache(store, settings.api_key_cache_ttl_s)

    @app.post("/traces", status_code=202)
    async def ingest_traces(request: Request) -> JSONResponse:
        project_id = await authenticate(request, keys)
        body = await read_body(request, settings.max_body_bytes)
        try:
            raw = inflate(body, request.headers.get("content-encoding", ""), settings.max_decompressed_bytes)
            batch = build_batch(decode(raw, request.headers.get("content-type", "")), project_id, settings.partitions)
        except BodyError as exc:
            raise ApiError(exc.status, exc.code, exc.message) from exc
        if batch.rejected and not batch.accepted:
            first = batch.rejected[0]
            raise ApiError(
                422,
                "invalid_spans",
                f"all {len(batch.rejected)} spans were rejected; first: span {first['index']}: {first['field']}: {first['error']}",
                rejected=batch.rejected[:100],
            )
        try:
            queued = await publish_spans(redis, batch.by_partition)
        except RedisError as exc:
            logger.warning("cannot publish %d spans: %s", batch.accepted, exc)
            raise ApiError(503, "bus_unavailable", "the span bus is unavailable; retry shortly", headers={"Retry-After": "2"}) from exc
        if batch.rejected:
            logger.info("project %s: %d spans rejected, first: %s", project_id, len(batch.rejected), batch.rejected[0])
        return JSONResponse(
            {"status": "accepted", "spans_queued": queued, "rejected": batch.rejected}, status_code=202
        )

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


@serve.deployment(ray_actor_options={"num_cpus": 0.1}, max_ongoing_requests=64)
@serve.ingress()
class IngestDeployment:
    """Stateless ingest replica: API key check, validation, partitioned XADD."""

    def __init__(self) -> None:
        self.settings = PlatformSettings()
        self.store = connect_store(self.settings)
        self.redis = connect_redis(self.settings.effective_redis_url)

    def __serve_build_asgi_app__(self) -> FastAPI:
        return create_ingest_app(self.settings, self.store, self.redis)


app = IngestDeployment.bind()
