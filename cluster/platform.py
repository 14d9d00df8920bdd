"""Bringing up and supervising the platform's stateful parts.

Order: the bus (embedded Valkey unless `REDIS_URL`), the store (the chDB owner actor unless
`CLICKHOUSE_URL`), migrations and retention, the metadata store (accounts, projects, keys; see
`cluster.metadata.bootstrap_metadata`), then the consumer pools. A supervision loop keeps Valkey
alive, watches the store (restarting a wedged owner) and ticks the pools (autoscaling, restarts,
stream trimming). What an operator should see goes to `events`.

The pools are built by a factory the caller injects (`serve_apps.platform` passes the actor pools'
`PoolSupervisor.from_config`), so this package never imports `actors/`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, Protocol

from cluster.bus import connect_redis
from cluster.events import EventLog
from cluster.metadata import bootstrap_metadata
from cluster.partitions import check_layout
from cluster.migrations import apply_migrations, apply_retention
from cluster.settings import PlatformSettings
from cluster.store import StoreClient, StoreUnavailable, connect_store
from cluster.topology import check_cluster, nodes
from cluster.valkey import EmbeddedValkey

logger = logging.getLogger(__name__)

#: Consecutive unanswered pings (each `store_ping_timeout_s`) after which the store owner is restarted.
OWNER_PING_FAILURES_BEFORE_RESTART = 3


class Pools(Protocol):
    """What the platform needs from the consumer pools it runs."""

    interval_s: float

    async def start(self, redis: Any) -> None: ...

    async def tick(self, redis: Any) -> None: ...

    async def status(self) -> dict[str, Any]: ...

    async def stop(self) -> None: ...


#: Builds the pools of an installation; it reports scaling decisions and restarts to the event log.
PoolsFactory = Callable[[PlatformSettings, EventLog], Pools]


class Platform:
    """The stateful side of one AgentStack installation and its supervisor."""

    def __init__(self, settings: PlatformSettings, pools_factory: PoolsFactory | None = None) -> None:
        self.settings = settings
        self.events = EventLog()
        self.valkey: EmbeddedValkey | None = None
        self.store_owner: Any = None
        self.store: StoreClient | None = None
        self.store_ok: bool | None = None
        self.pools: Pools | None = None
        self._pools_factory = pools_factory
        self._redis: Any = None
        self._owner_ping_failures = 0
        self.bootstrap_project: str | None = None
        self.supervisor_restarts = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        settings = self.settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(check_cluster, settings)  # a multi-node cluster needs reachable stateful parts
        if settings.embedded_redis:
            password = settings.valkey_password.get_secret_value() if settings.valkey_password else None
            self.valkey = EmbeddedValkey(settings.data_dir, settings.valkey_port, settings.valkey_host, password)
            await asyncio.to_thread(self.valkey.start)
        if settings.embedded_clickhouse:
            from cluster.store_owner import start_store_owner

            self.store_owner = start_store_owner(settings)
            await self.store_owner.ping.remote()
        store = self.store = connect_store(settings)
        await apply_migrations(store)
        await apply_retention(store, settings.retention_days)
        report = await bootstrap_metadata(settings, store)
        self.bootstrap_project = report.project_id
        for line in report.summary(settings):
            self.events.record("warning", f"first start: {line}")
        self.store_ok = True
        self._redis = connect_redis(settings.effective_redis_url)
        await check_layout(self._redis, settings.partitions)  # a changed P waits until the old layout drained
        if self._pools_factory is not None:
            self.pools = self._pools_factory(settings, self.events)
            await self.pools.start(self._redis)
        self._task = asyncio.get_running_loop().create_task(self._supervise())
        logger.info("AgentStack platform started (redis=%s, clickhouse=%s)", self._redis_label(), self._store_label())


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
                        self.events.record("error", "embedded Valkey exited; restarting it (data is kept in its AOF)")
                        await asyncio.to_thread(self.valkey.start)
                        self.events.record("info", "embedded Valkey is back")
                    await self.watch_store()
                    if self.pools is not None:
                        await self.pools.tick(self._redis)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the supervisor itself must never silently die
                self.supervisor_restarts += 1
                logger.exception("platform supervisor failed; restarting it")
                self.events.record("error", f"platform supervisor failed ({type(exc).__name__}: {exc}); restarting it")

    async def watch_store(self) -> None:
        """Probe the store; report it going down and coming back, and restart an owner that stopped answering."""
        if self.store_owner is not None:
            await self._watch_owner()
        assert self.store is not None
        try:
            await asyncio.wait_for(self.store.query("SELECT 1 AS ok", small=True), timeout=self.settings.store_ping_timeout_s)
            ok, why = True, ""
        except (StoreUnavailable, TimeoutError) as exc:
            ok, why = False, str(exc) or "no answer"
        except Exception as exc:  # noqa: BLE001 - any failure means the store cannot serve
            ok, why = False, f"{type(exc).__name__}: {exc}"
        if ok != self.store_ok:
            if ok:
                self.events.record("info", "store is back")
            else:
                self.events.record("error", f"store unavailable: {why[:300]}")
        self.store_ok = ok

    async def _watch_owner(self) -> None:
        """An owner whose process no longer answers even `ping` (which never touches chDB) is restarted."""
        import ray

        try:
            await asyncio.wait_for(self.store_owner.ping.remote(), timeout=self.settings.store_ping_timeout_s)
            self._owner_ping_failures = 0
            return
        except (TimeoutError, ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError):
            self._owner_ping_failures += 1
        if self._owner_ping_failures >= OWNER_PING_FAILURES_BEFORE_RESTART:
            self.events.record("error", "store owner stopped answering; restarting it (unacknowledged work is retried)")
            ray.kill(self.store_owner, no_restart=False)  # max_restarts=-1: Ray starts it again
            self._owner_ping_failures = 0

    def healthy(self) -> bool:
        return self._task is not None and not self._task.done() and (self.valkey is None or self.valkey.alive())

    async def status(self) -> dict[str, Any]:
        return {
            "redis": self._redis_label(),
            "redis_alive": self.valkey.alive() if self.valkey else None,
            "clickhouse": self._store_label(),
            "store_ok": self.store_ok,
            "partitions": self.settings.partitions,
            "supervisor_running": self._task is not None and not self._task.done(),
            "supervisor_restarts": self.supervisor_restarts,
            "pools": await self.pools.status() if self.pools else {},
            "nodes": await asyncio.to_thread(nodes),
            "last_event": self.events.last_seq,
        }

    async def stop(self) -> None:
        """Stop the pools (each actor finishes its batch), then the embedded Valkey."""
        if self._task is not None:
            self._task.cancel()
        if self.pools is not None:
            await self.pools.stop()
        if self._redis is not None:
            await self._redis.aclose()
        if self.valkey is not None:
            await asyncio.to_thread(self.valkey.stop)
