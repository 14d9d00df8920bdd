"""The ingest application (`/v1`): `POST /v1/traces` → auth → limits → decode → validate → XADD → 202/200.

A thin HTTP layer: formats live in :mod:`serve_apps.payloads` / :mod:`serve_apps.otlp`, validation
and partitioning in :mod:`serve_apps.batches`, buffering in :mod:`serve_apps.publisher`, stream
backlogs in :mod:`cluster.backlog`.
"""

from __future__ import annotations

import gc
import logging
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from ray import serve

from cluster.backlog import BacklogMonitor
from cluster.bus import connect_redis
from cluster.metadata import MetadataDB
from cluster.settings import PlatformSettings
from cluster.store import StoreClient, connect_store
from cluster.streams import ingest_stream
from serve_apps.access import Accounts, ingest_project
from serve_apps.batches import BodyError, collect, inflate
from serve_apps.errors import ApiError, install_error_handlers
from serve_apps.ingest_metrics import IngestMetrics
from serve_apps.otlp import export_response
from serve_apps.payloads import check_encoding, check_media_type, parse
from serve_apps.publisher import BufferedPublisher, BufferFull
from serve_apps.ingest_schema import INGEST_REQUEST, INGEST_RESPONSES

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


def settle_gc() -> None:
    """Move everything alive after start-up out of the collector's sight (`gc.freeze`).

    Ray, FastAPI and the clients leave hundreds of thousands of long-lived objects; without this
    every full collection walks them all and shows up as a 50–150 ms p99 spike on ingest.
    """
    gc.collect()
    gc.freeze()


class IngestState:
    """What one replica keeps between requests: key cache, publisher + buffer, backlog view, metrics."""

    def __init__(self, settings: PlatformSettings, store: StoreClient, redis: Any, metadata: MetadataDB) -> None:
        self.settings = settings
        self.accounts = Accounts(settings, metadata, store)
        self.publisher = BufferedPublisher(redis, settings.ingest_buffer_spans, settings.ingest_retry_interval_s)
        streams = [ingest_stream(p) for p in range(settings.partitions)]
        self.backlog = BacklogMonitor(redis, streams, settings.max_stream_backlog, settings.backlog_check_interval_s)
        self.metrics = IngestMetrics()

    def throttle(self, reason: str, message: str) -> ApiError:
        self.metrics.throttled(reason)
        return ApiError(429, reason, message, headers={"Retry-After": str(self.settings.retry_after_s)})

    async def check_backlog(self, partitions: list[int]) -> None:
        if self.publisher.redis_ok:  # never wait on an unreachable Redis for this
            await self.backlog.refresh()
        for partition in partitions:
            stream = ingest_stream(partition)
            if self.backlog.over_ceiling(stream):
                raise self.throttle(
                    "stream_backlog",
                    f"stream {stream} is {self.backlog.backlogs[stream]} entries behind (ceiling "
                    f"{self.backlog.ceiling}); the consumers are catching up, retry after the delay",
                )


def _reject_reason(field: str) -> str:
    return field.split("[")[0].split(".")[0]


async def ingest(state: IngestState, request: Request) -> Response:
    """Handle one `POST /v1/traces` (see the module docstring)."""
    settings = state.settings
    project_id = await ingest_project(request, state.accounts)
    content_type = request.headers.get("content-type", "")
    try:
        encoding = request.headers.get("content-encoding", "")
        check_media_type(content_type)
        check_encoding(encoding)
        body = await read_body(request, settings.max_body_bytes)
        payload = parse(inflate(body, encoding, settings.max_decompressed_bytes), content_type)
    except BodyError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc
    batch = collect(payload.raw_spans, project_id, settings.partitions, payload.body_bytes, payload.validated, payload.marker_free)
    if batch.rejected:
        state.metrics.rejected([_reject_reason(r["field"]) for r in batch.rejected])
        logger.info("project %s: %d spans rejected, first: %s", project_id, len(batch.rejected), batch.rejected[0])
    if batch.rejected and not batch.accepted:
        first = batch.rejected[0]
        raise ApiError(
            400 if payload.otlp else 422,
            "invalid_spans",
            f"all {len(batch.rejected)} spans were rejected; first: span {first['index']}: {first['field']}: {first['error']}",
            rejected=batch.rejected[:100],
        )
    await state.check_backlog(list(batch.by_partition))
    try:
        outcome = await state.publisher.submit(batch.by_partition)
    except BufferFull as exc:
        raise state.throttle("buffer_full", f"the span bus is unreachable and this replica's buffer is full ({exc}); retry after the delay") from exc
    if outcome == "buffered":
        state.metrics.buffered(batch.accepted)
    state.metrics.buffer_level(state.publisher.buffered_spans)
    state.metrics.accepted(batch.accepted, payload.otlp or "native")
    if batch.truncated:
        state.metrics.truncated(batch.truncated)
    if payload.otlp:
        media = "application/json" if payload.otlp == "json" else "application/x-protobuf"
        return Response(export_response(batch.rejected, payload.otlp == "json"), status_code=200, media_type=media)
    return JSONResponse({"status": "accepted", "spans_queued": batch.accepted, "rejected": batch.rejected, "truncated_values": batch.truncated}, status_code=202)


def create_ingest_app(settings: PlatformSettings, store: StoreClient, redis: Any, metadata: MetadataDB | None = None) -> FastAPI:
    """The ingest HTTP app; the metadata store (default: the settings') resolves ingest keys, `redis` receives the spans."""
    app = FastAPI(title="AgentStack ingest", docs_url=None, redoc_url=None)
    install_error_handlers(app)
    state = IngestState(settings, store, redis, metadata or MetadataDB.from_settings(settings))
    app.state.ingest = state

    @app.post("/traces", status_code=202, responses=INGEST_RESPONSES, openapi_extra=INGEST_REQUEST)
    async def ingest_traces(request: Request) -> Response:
        started = time.perf_counter()
        try:
            return await ingest(state, request)
        except ApiError as exc:
            state.metrics.error(exc.code)
            raise
        finally:
            state.metrics.latency((time.perf_counter() - started) * 1000)

    @app.get("/health")
    async def health() -> dict[str, str]:
        """Alive: the replica answers."""
        return {"status": "ok"}

    @app.get("/ready")
    async def ready() -> JSONResponse:
        """Ready: Redis answers and the buffer has room (503 otherwise)."""
        publisher = state.publisher
        redis_ok = await publisher.probe()
        body = {
            "status": "ready" if redis_ok and not publisher.full else "not_ready",
            "redis": "ok" if redis_ok else f"unreachable: {publisher.last_error}",
            "buffered_spans": publisher.buffered_spans,
            "buffer_capacity": publisher.capacity,
        }
        return JSONResponse(body, status_code=200 if body["status"] == "ready" else 503)

    return app


@serve.deployment(ray_actor_options={"num_cpus": 0.1}, max_ongoing_requests=64, health_check_period_s=5)
@serve.ingress()
class IngestDeployment:
    """Stateless ingest replica: API key check, limits, decoding, validation, partitioned XADD."""

    def __init__(self) -> None:
        self.settings = PlatformSettings()
        self.store = connect_store(self.settings)
        self.redis = connect_redis(self.settings.effective_redis_url)
        self.ingest_app = create_ingest_app(self.settings, self.store, self.redis)
        settle_gc()

    def __serve_build_asgi_app__(self) -> FastAPI:
        return self.ingest_app

    async def check_health(self) -> None:
        """Serve's liveness check: fail only when the replica itself is broken.

        An unreachable Redis makes the replica *not ready* (`GET /v1/ready`, 503) but not unhealthy:
        restarting it would drop the spans waiting in its buffer.
        """
        state: IngestState = self.ingest_app.state.ingest
        error = state.publisher.loop_error
        if error is not None:
            raise RuntimeError(f"the span buffer retry loop died: {error!r}")


app = IngestDeployment.bind()
