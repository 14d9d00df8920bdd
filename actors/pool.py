"""Actor pools: a fixed-size pool of named actors, kept alive by its supervisor."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import ray

from actors.writer_actor import WriterActor
from cluster.settings import PlatformSettings

logger = logging.getLogger(__name__)


class WriterPool:
    """The ClickHouse writer pool: `writer_actors` actors sharing the ingest partitions.

    Actors are named (`writer-0`, …) so the Ray dashboard shows them. Ray restarts a crashed actor
    (`max_restarts`); `ensure()` then restarts its loop, and recreates an actor that is gone for good.
    """

    def __init__(self, settings: PlatformSettings) -> None:
        self.settings = settings
        self.size = min(settings.writer_actors, settings.partitions)
        self._actors: dict[int, Any] = {}

    def _create(self, member: int) -> Any:
        return WriterActor.options(  # type: ignore[attr-defined]  # added by @ray.remote
            name=f"writer-{member}", namespace=self.settings.namespace, get_if_exists=True
        ).remote(self.settings, member, self.size)

    async def start(self) -> None:
        for member in range(self.size):
            self._actors[member] = self._create(member)
        await self.ensure()

    async def ensure(self) -> None:
        """Make sure every member exists and its loop runs."""
        for member, actor in list(self._actors.items()):
            try:
                await asyncio.wait_for(actor.start.remote(), timeout=30)
            except (ray.exceptions.RayActorError, TimeoutError) as exc:
                logger.error("writer-%d unavailable (%s); recreating it", member, exc)
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
                out.append({"name": f"writer-{member}", "running": False, "error": str(exc)})
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
