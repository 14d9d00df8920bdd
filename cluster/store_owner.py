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

Concurrent `insert_block` calls into the same table share one chDB insert (`GroupCommit`): each
chDB insert has a fixed cost (≈ 20 ms of CPU for a `spans` block with its two views, measured in
`bench/pipeline.py`), and every small part it leaves is merged again later, so one insert of 10,000
rows costs far less than ten of 1,000. A caller still returns only when its own rows are stored.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import ray

from cluster.settings import PlatformSettings
from cluster.store import STORE_ACTOR_NAME, Store, StoreUnavailable

logger = logging.getLogger(__name__)

READ_THREADS = 4
SMALL_THREADS = 2
#: Threads of the `writes` group: calls waiting for a shared insert (`GroupCommit`) hold one each.
WRITE_THREADS = 6
#: The most rows one shared insert takes (a caller's own block is never split).
GROUP_COMMIT_MAX_ROWS = 50_000


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


class _Part:
    """One caller's block waiting in a `GroupCommit` queue, and the outcome of its insert."""

    __slots__ = ("block", "rows", "taken", "done", "error")

    def __init__(self, block: bytes, rows: int) -> None:
        self.block = block
        self.rows = rows
        self.taken = False  # a leader is inserting it
        self.done = False
        self.error: BaseException | None = None


class GroupCommit:
    """Concurrent inserts of blocks into the same target share one insert (group commit).

    A caller queues its block; if fewer than `parallel` inserts into that target run, it becomes a
    leader: it takes the queued blocks in arrival order (up to `max_rows` rows, at least its own), joins
    them into one block (MsgPack blocks are consecutive values, so joining is concatenation) and
    inserts it. Callers arriving while `parallel` inserts run wait and are taken by the next leader, so
    under load inserts grow by themselves and an idle store inserts at once, with no timer. Two
    inserts may run at once (as two write threads did before), so two writers never wait on each other. Every caller returns only after the
    insert holding its block returned. If a shared insert fails, each block is inserted again alone,
    so one caller's bad block never fails another caller's good one.
    """

    def __init__(self, max_rows: int = GROUP_COMMIT_MAX_ROWS, parallel: int = 2) -> None:
        if max_rows < 1:
            raise ValueError(f"max_rows ({max_rows}) must be ≥ 1")
        if parallel < 1:
            raise ValueError(f"parallel ({parallel}) must be ≥ 1")
        self.max_rows = max_rows
        self.parallel = parallel
        self.inserts = 0  # chDB inserts made (shared or alone)
        self.blocks = 0  # caller blocks stored
        self.rows = 0  # rows stored
        self._cond = threading.Condition()
        self._queues: dict[Any, list[_Part]] = {}
        self._busy: dict[Any, int] = {}  # target → inserts running into it

    def insert(self, key: Any, block: bytes, rows: int, write: Callable[[bytes, int], object]) -> int:
        """Store `rows` rows of `block` into the target `key` via `write(block, rows)`; returns `rows`.

        Raises:
            Exception: what `write` raised for this caller's block (inserted alone after a shared failure).
        """
        mine = _Part(block, rows)
        with self._cond:
            self._queues.setdefault(key, []).append(mine)
        while True:
            with self._cond:
                while not mine.done and (mine.taken or self._busy.get(key, 0) >= self.parallel):
                    self._cond.wait()
                if mine.done:
                    break
                self._busy[key] = self._busy.get(key, 0) + 1
                batch = self._take(key)
            try:
                self._write(batch, write)
            finally:
                with self._cond:
                    for part in batch:
                        part.done = True
                    self._busy[key] -= 1
                    if not self._busy[key]:
                        del self._busy[key]
                    if not self._queues.get(key):
                        self._queues.pop(key, None)
                    self._cond.notify_all()
        if mine.error is not None:
            raise mine.error
        return rows

    def _take(self, key: Any) -> list[_Part]:
        queue = self._queues[key]
        batch = [queue.pop(0)]
        rows = batch[0].rows
        while queue and rows + queue[0].rows <= self.max_rows:
            part = queue.pop(0)
            batch.append(part)
            rows += part.rows
        for part in batch:
            part.taken = True
        return batch

    def _write(self, batch: list[_Part], write: Callable[[bytes, int], object]) -> None:
        try:
            if len(batch) == 1:
                write(batch[0].block, batch[0].rows)
            else:
                write(b"".join(part.block for part in batch), sum(part.rows for part in batch))
            self.inserts += 1
            self.blocks += len(batch)
            self.rows += sum(part.rows for part in batch)
            return
        except BaseException as exc:  # noqa: BLE001 - handed to the callers below
            if len(batch) == 1:
                batch[0].error = exc
                return
            logger.warning("a shared insert of %d blocks failed (%s); inserting each alone", len(batch), exc)
        for part in batch:
            try:
                write(part.block, part.rows)
                self.inserts += 1
                self.blocks += 1
                self.rows += part.rows
            except BaseException as exc:  # noqa: BLE001 - this caller's own error
                part.error = exc


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
        self._group_commit = GroupCommit()
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
        """Insert a block already encoded by the caller (`cluster.store.pack_block`): no Python work per row here.

        Calls running at the same time into the same table, columns and settings share one insert
        (`GroupCommit`); this returns once the insert holding this block has returned.
        """
        key = (table, tuple(columns), tuple(sorted((settings or {}).items())))

        def write(joined: bytes, n: int) -> object:
            with self._writes.borrow() as store, self._in_flight.track(f"insert block of {n} rows into {table}"):
                return store.insert_block(table, joined, n, columns, settings)

        return self._group_commit.insert(key, block, rows, write)

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
            "block_inserts": self._group_commit.inserts,
            "blocks_stored": self._group_commit.blocks,
            "block_rows_stored": self._group_commit.rows,
        }


def start_store_owner(settings: PlatformSettings) -> Any:
    """Get or create the named store-owner actor in the platform namespace (on the head node on a cluster)."""
    pinned = {"resources": {settings.head_resource: 0.001}} if settings.head_resource else {}
    return StoreOwner.options(  # type: ignore[attr-defined]  # added by @ray.remote
        name=STORE_ACTOR_NAME, namespace=settings.namespace, get_if_exists=True, **pinned
    ).remote(settings)
