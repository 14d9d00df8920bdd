"""The notifier as a Ray actor, started and watched by the platform next to the consumer pools.

`with_notifier(factory)` wraps the pools' factory: the platform's `Pools` then also start the
`notifier` actor (when `notifier.enabled` in configs/pools.yaml, the default), restart it when it is
gone, report it in the status and stop it with the pools.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

import ray
import redis.asyncio as aioredis
import yaml

from actors.notifier import Notifier
from cluster.events import EventLog
from cluster.metadata.database import MetadataDB
from cluster.settings import PlatformSettings
from cluster.store import connect_store

logger = logging.getLogger(__name__)

ACTOR_NAME = "notifier-0"


@ray.remote(max_restarts=-1, max_task_retries=0)
class NotifierActor:
    """Runs one `Notifier` loop; Ray restarts the actor if its process dies (pending alerts are re-read)."""

    def __init__(self, settings: PlatformSettings) -> None:
        logging.basicConfig(level=logging.INFO)
        self.settings = settings
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._notifier: Notifier | None = None
        self._restarts = 0

    async def start(self) -> bool:
        """Make sure the loop runs (restarting it if it ended); idempotent."""
        if self._task is None or self._task.done():
            if self._task is not None and not self._stop.is_set():
                self._restarts += 1
                logger.error("notifier loop had ended; restarting it")
            self._stop.clear()
            self._task = asyncio.get_running_loop().create_task(self._run())
        return True

    async def _run(self) -> None:
        redis = aioredis.from_url(self.settings.effective_redis_url, socket_timeout=15)
        db = MetadataDB.from_settings(self.settings)
        self._notifier = Notifier(self.settings, redis, db, connect_store(self.settings), consumer=ACTOR_NAME)
        try:
            await self._notifier.run(self._stop)
        finally:
            await redis.aclose()
            db.dispose()

    async def status(self) -> dict[str, Any]:
        n = self._notifier
        return {
            "name": ACTOR_NAME, "pid": os.getpid(), "running": self._task is not None and not self._task.done(),
            "loop_restarts": self._restarts, "entries": n.entries if n else 0,
            "delivered": n.deliverer.sent if n else 0, "failed": n.deliverer.failed if n else 0,
        }

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task


def notifier_enabled(path: Path) -> bool:
    """`notifier.enabled` of the pools config (default: true)."""
    if not Path(path).exists():
        return True
    data = yaml.safe_load(Path(path).read_text()) or {}
    section = data.get("notifier") if isinstance(data, dict) else None
    return bool((section or {}).get("enabled", True))


class PoolsWithNotifier:
    """The platform's `Pools`: the consumer pools plus the notifier actor."""

    def __init__(self, pools: Any, settings: PlatformSettings, events: EventLog) -> None:
        self.pools = pools
        self.settings = settings
        self.events = events
        self.interval_s = pools.interval_s
        self.enabled = notifier_enabled(settings.pools_config)
        self._actor: Any = None

    def _create(self) -> Any:
        return NotifierActor.options(  # type: ignore[attr-defined]  # added by @ray.remote
            name=ACTOR_NAME, namespace=self.settings.namespace, get_if_exists=True, num_cpus=0.05,
        ).remote(self.settings)

    async def _ensure(self) -> None:
        if not self.enabled:
            return
        if self._actor is None:
            self._actor = self._create()
        try:
            await asyncio.wait_for(self._actor.start.remote(), timeout=30)
        except (ray.exceptions.RayActorError, TimeoutError) as exc:
            self.events.record("error", f"notifier unavailable ({str(exc) or type(exc).__name__}); recreating it")
            try:
                ray.kill(self._actor, no_restart=True)
            except Exception:  # noqa: BLE001 - it may already be gone
                pass
            self._actor = self._create()

    async def start(self, redis: Any) -> None:
        await self.pools.start(redis)
        await self._ensure()

    async def tick(self, redis: Any) -> None:
        await self.pools.tick(redis)
        await self._ensure()

    async def status(self) -> dict[str, Any]:
        status: dict[str, Any] = await self.pools.status()
        if self._actor is not None:
            try:
                status["notifier"] = await asyncio.wait_for(self._actor.status.remote(), timeout=5)
            except Exception as exc:  # noqa: BLE001 - report, don't fail the status call
                status["notifier"] = {"name": ACTOR_NAME, "running": False, "error": str(exc)}
        return status

    async def stop(self) -> None:
        await self.pools.stop()
        if self._actor is not None:
            try:
                await asyncio.wait_for(self._actor.stop.remote(), timeout=15)
            except Exception:  # noqa: BLE001 - best effort on shutdown
                pass
            ray.kill(self._actor, no_restart=True)
            self._actor = None


def with_notifier(factory: Any) -> Any:
    """Wrap a pools factory `(settings, events) → Pools` so the notifier runs with the pools."""

    def build(settings: PlatformSettings, events: EventLog) -> PoolsWithNotifier:
        return PoolsWithNotifier(factory(settings, events), settings, events)

    return build
