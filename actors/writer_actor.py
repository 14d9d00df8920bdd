"""The writer pool's Ray actor: a supervised loop of `StreamConsumer` → `SpanWriter`."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import ray
import redis.asyncio as aioredis

from actors.consumer import StreamConsumer
from actors.writer import SpanWriter
from cluster.settings import PlatformSettings
from cluster.store import connect_store
from cluster.streams import WRITER_GROUP, ingest_stream, partitions_of_member

logger = logging.getLogger(__name__)


@ray.remote(num_cpus=0.1, max_restarts=-1, max_task_retries=0)
class WriterActor:
    """Consumes its partitions (group `writer`) and inserts the spans into ClickHouse."""

    def __init__(self, settings: PlatformSettings, member: int, members: int) -> None:
        self.settings = settings
        self.member = member
        self.partitions = partitions_of_member(member, members, settings.partitions)
        self.name = f"writer-{member}"
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._consumer: StreamConsumer | None = None
        self._restarts = 0

    async def start(self) -> bool:
        """Start the consume loop if it is not running (idempotent; the pool calls it to supervise)."""
        if self._task is None or self._task.done():
            if self._task is not None and self._task.done() and not self._stop.is_set():
                self._restarts += 1
                logger.error("%s: consume loop had ended; restarting it", self.name)
            self._stop.clear()
            self._task = asyncio.get_running_loop().create_task(self._run())
        return True

    async def stop(self) -> None:
        """Finish the in-flight batch, then stop consuming."""
        self._stop.set()
        if self._task is not None:
            await self._task

    async def status(self) -> dict[str, Any]:
        stats = self._consumer.stats if self._consumer else None
        return {
            "name": self.name,
            "partitions": self.partitions,
            "running": self._task is not None and not self._task.done(),
            "loop_restarts": self._restarts,
            "batches": stats.batches if stats else 0,
            "spans": stats.spans if stats else 0,
            "handler_failures": stats.handler_failures if stats else 0,
            "dead_lettered": stats.dead_lettered if stats else 0,
            "last_error": stats.last_error if stats else "",
        }

    async def _run(self) -> None:
        redis = aioredis.from_url(self.settings.effective_redis_url)
        writer = SpanWriter(connect_store(self.settings))
        self._consumer = consumer = StreamConsumer(
            redis,
            WRITER_GROUP,
            self.name,
            [ingest_stream(p) for p in self.partitions],
            writer.write,
            count=max(1, self.settings.writer_batch_size // 50),
            block_ms=self.settings.writer_block_ms,
        )
        backoff = 0.2
        try:
            while not self._stop.is_set():
                try:
                    await consumer.ensure_groups()
                    while not self._stop.is_set():
                        await consumer.poll_once()
                        backoff = 0.2
                except Exception as exc:  # noqa: BLE001 - the loop must survive Redis/ClickHouse outages
                    logger.warning("%s: %s: %s; retrying in %.1fs", self.name, type(exc).__name__, exc, backoff)
                    try:
                        await asyncio.wait_for(self._stop.wait(), timeout=backoff)
                    except TimeoutError:
                        pass
                    backoff = min(10.0, backoff * 2) * random.uniform(0.8, 1.2)
        finally:
            await redis.aclose()
