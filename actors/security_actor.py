"""The security pool: Ray actors running `StreamConsumer` (group `security`) → `ScanHandler`.

Thin wrappers only: the scanning logic is `actors.security` (no Ray there). Each actor owns the
partitions `partitions_of_member` gives it, so every trace's spans reach one actor (loop state).
A crashed actor is restarted by Ray (`max_restarts`) and its loop by the pool's `ensure()`; the
batch it had not acknowledged is read again first, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import random
from pathlib import Path
from typing import Any

import ray
import redis.asyncio as aioredis

from actors.consumer import StreamConsumer
from actors.security import AlertSink, ScanHandler, SecurityEngine, SecurityRules, SpanScanner
from cluster.settings import PROJECT_ROOT, PlatformSettings
from cluster.store import connect_store
from cluster.streams import ALERTS_STREAM, SECURITY_GROUP, ingest_stream, partitions_of_member

logger = logging.getLogger(__name__)

DEFAULT_RULES = PROJECT_ROOT / "configs" / "security.yaml"


def rules_path(settings: PlatformSettings) -> Path | None:
    """The rules file in force: `AGENTSTACK_SECURITY_RULES`, else configs/security.yaml if present."""
    if settings.security_rules is not None:
        return settings.security_rules
    return DEFAULT_RULES if DEFAULT_RULES.exists() else None


@ray.remote(num_cpus=0.25, max_restarts=-1, max_task_retries=0)
class SecurityActor:
    """Consumes its partitions (group `security`), scans the spans and raises alerts."""

    def __init__(self, settings: PlatformSettings, member: int, members: int) -> None:
        self.settings = settings
        self.member = member
        self.partitions = partitions_of_member(member, members, settings.partitions)
        self.name = f"security-{member}"
        self.scanner = SpanScanner(SecurityEngine(ner=settings.security_ner), SecurityRules.load(rules_path(settings)))
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
        engine = self.scanner.engine.stats
        return {
            "name": self.name,
            "partitions": self.partitions,
            "running": self._task is not None and not self._task.done(),
            "loop_restarts": self._restarts,
            "batches": stats.batches if stats else 0,
            "spans": stats.spans if stats else 0,
            "alerts": self.scanner.alerts_raised,
            "cache_hits": engine.cache_hits,
            "texts": engine.texts,
            "handler_failures": stats.handler_failures if stats else 0,
            "dead_lettered": stats.dead_lettered if stats else 0,
            "last_error": stats.last_error if stats else "",
        }

    async def _run(self) -> None:
        redis = aioredis.from_url(self.settings.effective_redis_url)
        handler = ScanHandler(self.scanner, AlertSink(connect_store(self.settings), redis, ALERTS_STREAM))
        self._consumer = consumer = StreamConsumer(
            redis,
            SECURITY_GROUP,
            self.name,
            [ingest_stream(p) for p in self.partitions],
            handler,
            count=max(1, self.settings.security_batch_size // 50),
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


class SecurityPool:
    """`security_actors` named actors (`security-0`, …) sharing the ingest partitions, kept alive."""

    def __init__(self, settings: PlatformSettings) -> None:
        self.settings = settings
        self.size = min(settings.security_actors, settings.partitions)
        self._actors: dict[int, Any] = {}

    def _create(self, member: int) -> Any:
        return SecurityActor.options(  # type: ignore[attr-defined]  # added by @ray.remote
            name=f"security-{member}", namespace=self.settings.namespace, get_if_exists=True
        ).remote(self.settings, member, self.size)

    async def start(self) -> None:
        for member in range(self.size):
            self._actors[member] = self._create(member)
        await self.ensure()

    async def ensure(self) -> None:
        """Make sure every member exists and its loop runs."""
        for member, actor in list(self._actors.items()):
            try:
                await asyncio.wait_for(actor.start.remote(), timeout=60)
            except (ray.exceptions.RayActorError, TimeoutError) as exc:
                logger.error("security-%d unavailable (%s); recreating it", member, exc)
                try:
                    ray.kill(actor, no_restart=True)
                except Exception:  # noqa: BLE001 - it may already be gone
                    pass
                self._actors[member] = self._create(member)

    async def status(self) -> list[dict[str, Any]]:
        out = []
        for member, actor in sorted(self._actors.items()):
            try:
                out.append(await asyncio.wait_for(actor.status.remote(), timeout=5))
            except Exception as exc:  # noqa: BLE001 - report, don't fail the status call
                out.append({"name": f"security-{member}", "running": False, "error": str(exc)})
        return out

    async def stop(self) -> None:
        """Let every actor finish its in-flight batch, then end the actors."""
        for actor in self._actors.values():
            try:
                await asyncio.wait_for(actor.stop.remote(), timeout=15)
            except Exception:  # noqa: BLE001 - best effort on shutdown
                pass
            ray.kill(actor, no_restart=True)
        self._actors.clear()
