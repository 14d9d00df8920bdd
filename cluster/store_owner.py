"""The embedded store's owner: the one Ray actor that opens the chDB data path.

It is a threaded actor with four concurrency groups, so one slow call never queues the rest:
`reads` (queries), `small` (cheap queries such as the health check's), `writes` (inserts, DDL) and
`control` (`ping`, `status`: never touch chDB). Each read, small or write thread has its own chDB
connection: measured with chDB 26.9, a `SELECT 1` on a second connection answers at once while
another connection runs `SELECT sleep(3)` or a 30M-row insert, whereas on the same connection it
waits for the slow call.

Reads carry `max_execution_time` (the caller's deadline), so chDB itself aborts a read nobody
waits for any more and its thread is free again (measured: `SELECT sleep(3)` and a huge
`numbers()` scan both stop at the limit). A call chDB cannot interrupt is handled by a watchdog
that ends the process when one call has run longer than `store_stuck_s`; Ray starts the owner
again (`max_restarts=-1`). Callers see `StoreUnavailable` and retry; consumers acknowledge
entries only after a durable write, so nothing acknowledged is lost.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import ray

from cluster.settings import PlatformSettings
from cluster.store import STORE_ACTOR_NAME, Store, StoreUnavailable

logger = logging.getLogger(__name__)

READ_THREADS = 4
SMALL_THREADS = 2
WRITE_THREADS = 2


class _Connections:
    """A fixed set of connections, one per thread of a concurrency group (borrowing never waits)."""

    def __init__(self, stores: list[Store]) -> None:
        self._free: queue.SimpleQueue[Store] = queue.SimpleQueue()
        for store in stores:
            self._free.put(store)

    @contextmanager
    def borrow(self) -> Iterator[Store]:
        store = self._free.get()
        try:
            yield store
        finally:
            self._free.put(store)


class InFlight:
    """The chDB calls running now and when each started (what the watchdog looks at)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[int, tuple[float, str]] = {}
        self._ids = itertools.count()

    @contextmanager
    def track(self, what: str) -> Iterator[None]:
        call = next(self._ids)
        with self._lock:
            self._calls[call] = (time.monotonic(), what)
        try:
            yield
        finally:
            with self._lock:
                del self._calls[call]

    def oldest(self) -> tuple[float, str] | None:
        """(seconds running, description) of the longest-running call, if any."""
        with self._lock:
            if not self._calls:
                return None
            started, what = min(self._calls.values())
        return time.monotonic() - started, what


def _describe(sql: str) -> str:
    return " ".join(sql.split())[:120]


@ray.remote(  # type: ignore[call-overload]  # concurrency_groups is missing from the stubs
    num_cpus=0.1,
    max_restarts=-1,
    max_task_retries=0,
    concurrency_groups={"reads": READ_THREADS, "small": SMALL_THREADS, "writes": WRITE_THREADS, "control": 1},
    # Every call stands alone. Without this Ray runs one caller's calls in submission order (the default
    # group has one thread), and a hang seen at start-up had the owner idle while calls waited in its queue.
    allow_out_of_order_execution=True,
)
class StoreOwner:
    """Holds the process's chDB connections; others call `query`/`insert`/`command` on it."""

    def __init__(self, settings: PlatformSettings) -> None:
        self._reads = _Connections([Store.from_settings(settings) for _ in range(READ_THREADS)])
        self._small = _Connections([Store.from_settings(settings) for _ in range(SMALL_THREADS)])
        self._read_limit_s = settings.store_read_timeout_s
        self._small_limit_s = settings.store_ping_timeout_s
        self._writes = _Connections([Store.from_settings(settings) for _ in range(WRITE_THREADS)])
        self._in_flight = InFlight()
        self._stuck_s = settings.store_stuck_s
        threading.Thread(target=self._watchdog, name="store-watchdog", daemon=True).start()

    def _watchdog(self) -> None:
        while True:
            time.sleep(min(1.0, self._stuck_s / 4))
            oldest = self._in_flight.oldest()
            if oldest is not None and oldest[0] > self._stuck_s:
                age, what = oldest
                logger.error("store call stuck for %.0fs (limit %.0fs): %s; restarting the store owner", age, self._stuck_s, what)
                os._exit(70)  # Ray restarts the actor (max_restarts=-1) with fresh connections

    @ray.method(concurrency_group="writes")
    def command(self, sql: str, params: dict[str, Any] | None = None) -> None:
        with self._writes.borrow() as store, self._in_flight.track(f"command {_describe(sql)}"):
            store.command(sql, params)

    @ray.method(concurrency_group="reads")
    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._query(self._reads, self._read_limit_s, sql, params)

    @ray.method(concurrency_group="small")
    def query_small(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """A cheap query (health, lookups) on its own lane, never queued behind the big ones."""
        return self._query(self._small, self._small_limit_s, sql, params)

    def _query(
        self, lane: _Connections, limit_s: float, sql: str, params: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        with lane.borrow() as store, self._in_flight.track(f"query {_describe(sql)}"):
            try:
                return store.query(sql, params, settings={"max_execution_time": limit_s})
            except Exception as exc:
                if "TIMEOUT_EXCEEDED" in str(exc):
                    raise StoreUnavailable(f"the query ran longer than {limit_s:g}s and was stopped") from None
                raise

    @ray.method(concurrency_group="writes")
    def insert(
        self, table: str, rows: Sequence[Sequence[Any]], columns: Sequence[str], settings: dict[str, Any] | None = None
    ) -> int:
        with self._writes.borrow() as store, self._in_flight.track(f"insert {len(rows)} rows into {table}"):
            return store.insert(table, rows, columns, settings)

    @ray.method(concurrency_group="writes")
    def insert_block(
        self, table: str, block: bytes, rows: int, columns: Sequence[str], settings: dict[str, Any] | None = None
    ) -> int:
        """Insert a block already encoded by the caller (`cluster.store.pack_block`): no Python work per row here."""
        with self._writes.borrow() as store, self._in_flight.track(f"insert block of {rows} rows into {table}"):
            return store.insert_block(table, block, rows, columns, settings)

    @ray.method(concurrency_group="control")
    def ping(self) -> bool:
        """Answers while the process lives, whatever chDB is doing."""
        return True

    @ray.method(concurrency_group="control")
    def status(self) -> dict[str, Any]:
        """The owner's process id and its longest chDB call in flight (seconds, description), if any."""
        oldest = self._in_flight.oldest()
        return {
            "pid": os.getpid(),
            "longest_call_s": round(oldest[0], 3) if oldest else None,
            "longest_call": oldest[1] if oldest else None,
            "stuck_after_s": self._stuck_s,
        }


def start_store_owner(settings: PlatformSettings) -> Any:
    """Get or create the named store-owner actor in the platform namespace (on the head node on a cluster)."""
    pinned = {"resources": {settings.head_resource: 0.001}} if settings.head_resource else {}
    return StoreOwner.options(  # type: ignore[attr-defined]  # added by @ray.remote
        name=STORE_ACTOR_NAME, namespace=settings.namespace, get_if_exists=True, **pinned
    ).remote(settings)
