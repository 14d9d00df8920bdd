"""The Ray actor every pool is made of: a supervised loop of `StreamConsumer` → the pool's handler.

Named `<pool>-<member>` so the Ray dashboard shows it; its consumer name in the group is the same,
so after a crash Ray restarts it (`max_restarts=-1`) and it first re-reads its own pending entries.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from typing import Any

import ray
import redis.asyncio as aioredis

from actors.consumer import StreamConsumer, sleep_or_stop
from actors.handlers import HandlerContext, build_handler, entry_decoder
from actors.metrics import ActorMetrics
from actors.pool_config import PoolSpec
from actors.pricing import PriceBook
from cluster.settings import PlatformSettings
from cluster.store import connect_store
from cluster.streams import ingest_stream

logger = logging.getLogger(__name__)


def sink_counters(sink: object) -> dict[str, Any]:
    """What the handler behind a pool counted (rows written; priced/unpriced LLM spans and cost)."""
    totals = getattr(sink, "totals", None)
    out: dict[str, Any] = dict(vars(totals)) if totals is not None else {}
    for counter in ("rows_written", "alerts_raised"):
        if hasattr(sink, counter):
            out[counter] = getattr(sink, counter)
    return out


@ray.remote(max_restarts=-1, max_task_retries=0)
class ConsumerActor:
    """One member of a pool: consumes the partitions the supervisor assigns to it."""

    def __init__(self, settings: PlatformSettings, spec: PoolSpec, member: int) -> None:
        logging.basicConfig(level=logging.INFO)
        self.settings = settings
        self.spec = spec
        self.name = f"{spec.name}-{member}"
        self.partitions: list[int] = []
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._consumer: StreamConsumer | None = None
        self._sink: object = None
        self._loop_restarts = 0
        self._metrics = ActorMetrics(spec.name, self.name)

    async def start(self, partitions: list[int]) -> bool:
        """Consume `partitions` (from the next batch on) and make sure the loop runs; idempotent."""
        if not partitions:
            raise ValueError(f"{self.name}: start() needs at least one partition")
        if partitions != self.partitions:
            self.partitions = list(partitions)
            if self._consumer is not None:
                self._consumer.assign([ingest_stream(p) for p in self.partitions])
                await self._consumer.ensure_groups()
        if self._task is None or self._task.done():
            if self._task is not None and not self._stop.is_set():
                self._loop_restarts += 1
                logger.error("%s: consume loop had ended; restarting it", self.name)
            self._stop.clear()
            self._task = asyncio.get_running_loop().create_task(self._run())
        return True

    async def stop(self) -> None:
        """Finish the in-flight batch, then stop consuming."""
        self._stop.set()
        if self._task is not None:
            await self._task

    def node(self) -> str:
        """Id of the Ray node this actor runs on."""
        return str(ray.get_runtime_context().get_node_id())

    async def status(self) -> dict[str, Any]:
        stats = self._consumer.stats if self._consumer else None
        return {
            "name": self.name,
            "pid": os.getpid(),
            "node_id": ray.get_runtime_context().get_node_id(),
            "node_ip": ray.util.get_node_ip_address(),  # type: ignore[no-untyped-call]
            "partitions": self.partitions,
            "running": self._task is not None and not self._task.done(),
            "loop_restarts": self._loop_restarts,
            "batches": stats.batches if stats else 0,
            "spans": stats.spans if stats else 0,
            "handler_failures": stats.handler_failures if stats else 0,
            "transient_failures": stats.transient_failures if stats else 0,
            "dead_lettered": stats.dead_lettered if stats else 0,
            "reclaimed": stats.reclaimed if stats else 0,
            "last_error": stats.last_error if stats else "",
            "sink": sink_counters(self._sink),
        }

    async def _run(self) -> None:
        spec = self.spec
        redis = aioredis.from_url(self.settings.effective_redis_url, socket_timeout=max(10, spec.block_ms / 1000 + 5))
        prices = PriceBook.from_config(self.settings.pricing_config)
        context = HandlerContext(self.settings, connect_store(self.settings), redis, prices)
        handler, self._sink = build_handler(spec.kind, context)
        self._consumer = consumer = StreamConsumer(
            redis,
            spec.name,
            self.name,
            [ingest_stream(p) for p in self.partitions],
            handler,
            count=spec.count,
            block_ms=spec.block_ms,
            max_spans=spec.max_spans,
            linger_ms=spec.linger_ms,
            max_deliveries=spec.max_deliveries,
            claim_idle_ms=spec.claim_idle_ms,
            decode=entry_decoder(self._sink),
        )
        backoff = 0.1
        next_janitor = 0.0
        try:
            while not self._stop.is_set():
                try:
                    await consumer.ensure_groups()
                    while not self._stop.is_set():
                        if time.monotonic() >= next_janitor:
                            await consumer.reclaim()
                            next_janitor = time.monotonic() + spec.janitor_interval_s
                        before = consumer.stats.dead_lettered
                        started = time.perf_counter()
                        handled = await consumer.poll_once()
                        self._metrics.batch(handled, time.perf_counter() - started, consumer.stats.dead_lettered - before)
                        backoff = 0.1
                except Exception as exc:  # noqa: BLE001 - the loop must survive Redis/ClickHouse outages
                    logger.warning("%s: %s: %s; retrying in %.1fs", self.name, type(exc).__name__, exc, backoff)
                    if await sleep_or_stop(self._stop, backoff):
                        break
                    backoff = min(spec.max_backoff_s, backoff * 2) * random.uniform(0.8, 1.2)
        finally:
            await redis.aclose()
