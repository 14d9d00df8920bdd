"""Bringing up and supervising the platform's stateful parts.

Order: the bus (embedded Valkey unless `REDIS_URL`), the store (the chDB owner actor unless
`CLICKHOUSE_URL`), migrations, the default project, the consumer groups, the writer and security pools. Then a
supervision loop keeps Valkey and the pool alive. The `platform` Serve application runs this.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from actors.pool import WriterPool
from actors.security_actor import SecurityPool
from cluster.bus import connect_redis
from cluster.metadata import bootstrap_default_project
from cluster.migrations import apply_migrations
from cluster.settings import PlatformSettings
from cluster.store import connect_store
from cluster.streams import SECURITY_GROUP, WRITER_GROUP, ingest_stream
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


def write_local_key(settings: PlatformSettings, key: str) -> None:
    """Leave a generated first-start key for local tools (`make demo`), readable by the owner only."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.local_key_file
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")


class Platform:
    """The stateful side of one AgentStack installation and its supervisor."""

    def __init__(self, settings: PlatformSettings) -> None:
        self.settings = settings
        self.valkey: EmbeddedValkey | None = None
        self.store_owner: Any = None
        self.pool: WriterPool | None = None
        self.security_pool: SecurityPool | None = None
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
        created = await bootstrap_default_project(store, settings.bootstrap_api_key)
        if created is not None:
            self.bootstrap_project = created.project_id
            self._announce_key(created.api_key or "", created.generated)
        redis = connect_redis(settings.effective_redis_url)
        try:
            await ensure_groups(redis, WRITER_GROUP, settings.partitions)
            await ensure_groups(redis, SECURITY_GROUP, settings.partitions)
        finally:
            await redis.aclose()
        self.pool = WriterPool(settings)
        await self.pool.start()
        self.security_pool = SecurityPool(settings)
        await self.security_pool.start()
        self._task = asyncio.get_running_loop().create_task(self._supervise())
        logger.info("AgentStack platform started (redis=%s, clickhouse=%s)", self._redis_label(), self._store_label())

    def _announce_key(self, key: str, generated: bool) -> None:
        if generated:
            write_local_key(self.settings, key)
            where = f" (also saved for local tools in {self.settings.local_key_file})"
        else:
            where = " (from AGENTSTACK_BOOTSTRAP_API_KEY)"
        banner = (
            "\n" + "=" * 72 + "\n"
            "  First start: created project 'default'.\n"
            f"  API key: {key}\n"
            f"  It is shown once and stored only as a digest{where}.\n"
            + "=" * 72
        )
        print(banner, flush=True)
        logger.warning("first start: default project created; its API key was printed once")

    def _redis_label(self) -> str:
        return f"embedded Valkey :{self.settings.valkey_port}" if self.valkey else "external"

    def _store_label(self) -> str:
        return f"embedded chDB {self.settings.chdb_path}" if self.store_owner is not None else "external"

    async def _supervise(self) -> None:
        while True:
            try:
                while True:
                    await asyncio.sleep(2.0)
                    if self.valkey is not None and not self.valkey.alive():
                        logger.error("embedded Valkey exited; restarting it (data is kept in its AOF)")
                        await asyncio.to_thread(self.valkey.start)
                    if self.pool is not None:
                        await self.pool.ensure()
                    if self.security_pool is not None:
                        await self.security_pool.ensure()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the supervisor itself must never silently die
                self.supervisor_restarts += 1
                logger.exception("platform supervisor failed; restarting it")

    def healthy(self) -> bool:
        return self._task is not None and not self._task.done() and (self.valkey is None or self.valkey.alive())

    async def status(self) -> dict[str, Any]:
        return {
            "redis": self._redis_label(),
            "redis_alive": self.valkey.alive() if self.valkey else None,
            "clickhouse": self._store_label(),
            "partitions": self.settings.partitions,
            "supervisor_running": self._task is not None and not self._task.done(),
            "supervisor_restarts": self.supervisor_restarts,
            "writer_pool": await self.pool.status() if self.pool else [],
            "security_pool": await self.security_pool.status() if self.security_pool else [],
        }

    async def stop(self) -> None:
        """Stop the pool (each actor finishes its batch), then the embedded Valkey."""
        if self._task is not None:
            self._task.cancel()
        if self.pool is not None:
            await self.pool.stop()
        if self.security_pool is not None:
            await self.security_pool.stop()
        if self.valkey is not None:
            await asyncio.to_thread(self.valkey.stop)
