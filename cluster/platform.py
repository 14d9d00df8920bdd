"""Bringing up and supervising the platform's stateful parts.

Order: the bus (embedded Valkey unless `REDIS_URL`), the store (the chDB owner actor unless
`CLICKHOUSE_URL`), migrations and retention, the metadata store (accounts, default project), the consumer groups, the pools
(`configs/pools.yaml`: writer and cost). Then a supervision loop keeps Valkey alive and ticks the
pool supervisor (autoscaling, restarts, stream trimming). The `platform` Serve application runs this.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from actors.pool import PoolSupervisor
from actors.pool_config import PoolSpec, load_pools_config
from cluster.bus import connect_redis
from cluster.metadata import bootstrap_metadata
from cluster.migrations import apply_migrations, apply_retention
from cluster.settings import PlatformSettings
from cluster.store import connect_store
from cluster.streams import ingest_stream
from cluster.valkey import EmbeddedValkey

logger = logging.getLogger(__name__)


async def ensure_groups(redis: Any, group: str, partitions: int) -> None:
    """Create consumer group `group` on every partition stream (idempotent)."""
    from redis.exceptions import ResponseError

    for partition in range(partitions):
        try:
            await redis.xgroup_create(ingest_stream(partition), group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise


class Platform:
    """The stateful side of one AgentStack installation and its supervisor."""

    def __init__(self, settings: PlatformSettings) -> None:
        self.settings = settings
        self.valkey: EmbeddedValkey | None = None
        self.store_owner: Any = None
        self.pools: PoolSupervisor | None = None
        self._redis: Any = None
        self.bootstrap_project: str | None = None
        self.supervisor_restarts = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        settings = self.settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if settings.embedded_redis:
            self.valkey = EmbeddedValkey(settings.data_dir, settings.valkey_port)
            await asyncio.to_thread(self.valkey.start)
        if settings.embedded_clickhouse:
            from cluster.store_owner import start_store_owner

            self.store_owner = start_store_owner(settings)
            await self.store_owner.ping.remote()
        store = connect_store(settings)
        await apply_migrations(store)
        await apply_retention(store, settings.retention_days)
        self.bootstrap_project = (await bootstrap_metadata(settings, store)).project_id
        specs = self.pool_specs()
        self._redis = connect_redis(settings.effective_redis_url)
        for spec in specs:
            await ensure_groups(self._redis, spec.name, settings.partitions)
        config = load_pools_config(settings.pools_config)
        self.pools = PoolSupervisor(settings, specs, config.interval_s)
        await self.pools.start()
        self._task = asyncio.get_running_loop().create_task(self._supervise())
        logger.info("AgentStack platform started (redis=%s, clickhouse=%s)", self._redis_label(), self._store_label())

    def pool_specs(self) -> list[PoolSpec]:
        """The pools to run: `configs/pools.yaml`, with the writer's older env settings applied when set.

        `AGENTSTACK_WRITER_ACTORS` raises the writer pool's minimum (and maximum if needed);
        `AGENTSTACK_WRITER_BATCH_SIZE` / `AGENTSTACK_WRITER_BLOCK_MS` set its batch size and read wait.
        """
        given = self.settings.model_fields_set
        out = []
        for spec in load_pools_config(self.settings.pools_config).pools:
            if spec.kind == "writer":
                update: dict[str, Any] = {}
                if "writer_actors" in given or self.settings.writer_actors > spec.min_actors:
                    n = self.settings.writer_actors
                    update.update(min_actors=n, max_actors=max(n, spec.max_actors))
                if "writer_batch_size" in given:
                    update["max_spans"] = self.settings.writer_batch_size
                if "writer_block_ms" in given:
                    update["block_ms"] = self.settings.writer_block_ms
                spec = spec.model_copy(update=update)
            if spec.kind == "security":
                update = {}
                if "security_actors" in given:
                    n = self.settings.security_actors
                    update.update(min_actors=n, max_actors=max(n, spec.max_actors))
                if "security_batch_size" in given:
                    update["max_spans"] = self.settings.security_batch_size
                spec = spec.model_copy(update=update)
            out.append(spec)
        return out

    def _redis_label(self) -> str:
        return f"embedded Valkey :{self.settings.valkey_port}" if self.valkey else "external"

    def _store_label(self) -> str:
        return f"embedded chDB {self.settings.chdb_path}" if self.store_owner is not None else "external"

    async def _supervise(self) -> None:
        while True:
            try:
                while True:
                    await asyncio.sleep(self.pools.interval_s if self.pools else 2.0)
                    if self.valkey is not None and not self.valkey.alive():
                        logger.error("embedded Valkey exited; restarting it (data is kept in its AOF)")
                        await asyncio.to_thread(self.valkey.start)
                    if self.pools is not None:
                        await self.pools.tick(self._redis)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the supervisor itself must never silently die
                self.supervisor_restarts += 1
                logger.exception("platform supervisor failed; restarting it")

    def healthy(self) -> bool:
        return self._task is not None and not self._task.done() and (self.valkey is None or self.valkey.alive())

    async def status(self) -> dict[str, Any]:
        pools = await self.pools.status() if self.pools else {}
        return {
            "redis": self._redis_label(),
            "redis_alive": self.valkey.alive() if self.valkey else None,
            "clickhouse": self._store_label(),
            "partitions": self.settings.partitions,
            "supervisor_running": self._task is not None and not self._task.done(),
            "supervisor_restarts": self.supervisor_restarts,
            "pools": pools,
            "writer_pool": pools.get("writer", {}).get("actors", []),
            "security_pool": pools.get("security", {}).get("actors", []),
            "pool_supervisor_failures": self.pools.failures if self.pools else 0,
        }

    async def stop(self) -> None:
        """Stop the pool (each actor finishes its batch), then the embedded Valkey."""
        if self._task is not None:
            self._task.cancel()
        if self.pools is not None:
            await self.pools.stop()
        if self._redis is not None:
            await self._redis.aclose()
        if self.valkey is not None:
            await asyncio.to_thread(self.valkey.stop)
