"""ClickHouse access through clickhouse-connect: embedded chDB (`chdb://path`) or a server (`http(s)://`).

`Store` is the synchronous client of one process. chDB allows one process per data path, so in
embedded mode exactly one actor (`cluster.store_owner.StoreOwner`) holds the chDB connections and
everyone else calls it, with a deadline on every call; with an external server every process opens its own `Store`. `StoreClient` hides
the difference behind one async interface for deployments and actors.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import clickhouse_connect
import msgpack

from cluster.settings import PlatformSettings

logger = logging.getLogger(__name__)

STORE_ACTOR_NAME = "store"
_T = TypeVar("_T")

#: The encoding of `insert_block`'s blocks: ClickHouse's `MsgPack` input format (values one after another).
BLOCK_FORMAT = "MsgPack"


def pack_block(values: Sequence[Any]) -> bytes:
    """Rows for `insert_block`: every value of every row, in column order, as consecutive msgpack values.

    One C call (msgpack packs the flat list, and the list header is cut off), so the owner of the
    store parses the block in ClickHouse's C++ instead of encoding Python values itself. Values
    must fit their columns exactly: str/bytes for String, int for integers and DateTime64 ticks,
    float for Float64, dict[str, str] for Map(String, String); never None.
    """
    packed: bytes = msgpack.packb(values, use_bin_type=True)
    n = len(values)
    header = 1 if n < 16 else 3 if n < 1 << 16 else 5
    return packed[header:]


class Store:
    """A synchronous ClickHouse connection (chDB or server) with a small, explicit surface."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._client = clickhouse_connect.get_client(dsn=dsn)

    @classmethod
    def from_settings(cls, settings: PlatformSettings) -> Store:
        if settings.clickhouse_url:
            return cls(settings.clickhouse_url)
        settings.chdb_path.mkdir(parents=True, exist_ok=True)
        return cls(f"chdb://{settings.chdb_path}")

    def command(self, sql: str, params: dict[str, Any] | None = None) -> None:
        """Run a statement that returns no rows (DDL, mutations)."""
        self._client.command(sql, parameters=params)

    def query(
        self, sql: str, params: dict[str, Any] | None = None, settings: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run a SELECT; rows come back as dicts keyed by column name.

        `settings` are per-query ClickHouse settings, e.g. `max_execution_time`.
        """
        result = self._client.query(sql, parameters=params, settings=settings)
        names = result.column_names
        return [dict(zip(names, row)) for row in result.result_rows]

    def insert(
        self, table: str, rows: Sequence[Sequence[Any]], columns: Sequence[str], settings: dict[str, Any] | None = None
    ) -> int:
        """Insert row tuples in one batch; returns the number of rows written.

        `settings` are per-insert ClickHouse settings, e.g. `insert_deduplication_token`.
        """
        if not rows:
            return 0
        # Column-oriented: clickhouse-connect would otherwise transpose the rows in Python (zip is C).
        data = list(zip(*rows))
        self._client.insert(table, data, column_names=list(columns), settings=settings, column_oriented=True)
        return len(rows)

    def insert_block(
        self, table: str, block: bytes, rows: int, columns: Sequence[str], settings: dict[str, Any] | None = None
    ) -> int:
        """Insert a block made by :func:`pack_block` (`rows` rows of `columns`); returns `rows`."""
        if not rows:
            return 0
        self._client.raw_insert(table, list(columns), block, settings=settings, fmt=BLOCK_FORMAT)
        return rows

    def close(self) -> None:
        self._client.close()


class StoreClient(Protocol):
    """The async face of the store used by deployments and actors."""

    async def command(self, sql: str, params: dict[str, Any] | None = None) -> None: ...

    async def query(
        self, sql: str, params: dict[str, Any] | None = None, *, small: bool = False
    ) -> list[dict[str, Any]]:
        """Rows of a SELECT. `small=True` marks a cheap query (health, lookups) that must not queue behind big ones."""
        ...

    async def insert(
        self, table: str, rows: Sequence[Sequence[Any]], columns: Sequence[str], settings: dict[str, Any] | None = None
    ) -> int: ...

    async def insert_block(
        self, table: str, block: bytes, rows: int, columns: Sequence[str], settings: dict[str, Any] | None = None
    ) -> int:
        """Insert a pre-encoded block (:func:`pack_block`): the cheapest path for big batches."""
        ...


class DirectStoreClient:
    """Async wrapper over a process-local `Store` (external ClickHouse, or chDB in tests and tools).

    Reads carry `max_execution_time` (`read_timeout_s`), so ClickHouse stops a runaway query and
    the connection is free again rather than held by a call nobody waits for.
    """

    def __init__(self, store: Store, read_timeout_s: float = 30.0) -> None:
        self._store = store
        self._query_settings = {"max_execution_time": read_timeout_s}
        self._lock = asyncio.Lock()  # one clickhouse-connect client is not safe for concurrent calls

    async def _run(self, fn: Callable[..., _T], *args: Any) -> _T:
        async with self._lock:
            return await asyncio.to_thread(fn, *args)

    async def command(self, sql: str, params: dict[str, Any] | None = None) -> None:
        await self._run(self._store.command, sql, params)

    async def query(
        self, sql: str, params: dict[str, Any] | None = None, *, small: bool = False
    ) -> list[dict[str, Any]]:
        # One connection here: `small` changes nothing.
        try:
            return await self._run(self._store.query, sql, params, self._query_settings)
        except Exception as exc:
            if "TIMEOUT_EXCEEDED" in str(exc):
                raise StoreUnavailable(f"the query ran longer than {self._query_settings['max_execution_time']:g}s and was stopped") from None
            raise

    async def insert(
        self, table: str, rows: Sequence[Sequence[Any]], columns: Sequence[str], settings: dict[str, Any] | None = None
    ) -> int:
        return await self._run(self._store.insert, table, rows, columns, settings)

    async def insert_block(
        self, table: str, block: bytes, rows: int, columns: Sequence[str], settings: dict[str, Any] | None = None
    ) -> int:
        return await self._run(self._store.insert_block, table, block, rows, columns, settings)


class ActorStoreClient:
    """Async client of the embedded store-owner actor, found by name (and found again if it restarts).

    Every call has a deadline: a read (`query`) waits at most `read_timeout_s`, a small read
    (`query(..., small=True)`, on its own lane of the owner) `small_timeout_s`, a write (`insert`,
    `command`) `write_timeout_s`; past it the call raises `StoreUnavailable` instead of hanging.
    """

    def __init__(
        self,
        namespace: str,
        wait_s: float = 60.0,
        read_timeout_s: float = 30.0,
        write_timeout_s: float = 120.0,
        small_timeout_s: float = 5.0,
    ) -> None:
        # wait_s bounds how long a call waits for the owner actor to (re)appear before StoreUnavailable.
        self._namespace = namespace
        self._wait_s = wait_s
        self._timeouts = {
            "query": read_timeout_s,
            "query_small": small_timeout_s,
            "insert": write_timeout_s,
            "insert_block": write_timeout_s,
            "command": write_timeout_s,
        }
        self._handle: Any = None

    async def _actor(self) -> Any:
        if self._handle is not None:
            return self._handle
        import ray

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_s
        while True:
            try:
                self._handle = ray.get_actor(STORE_ACTOR_NAME, namespace=self._namespace)
                return self._handle
            except ValueError:
                if loop.time() > deadline:
                    raise StoreUnavailable(
                        f"the embedded store actor '{STORE_ACTOR_NAME}' is not running "
                        f"(namespace '{self._namespace}'): is the platform application deployed?"
                    ) from None
                await asyncio.sleep(0.25)

    async def _call(self, method: str, *args: Any) -> Any:
        import ray

        actor = await self._actor()
        timeout = self._timeouts[method]
        try:
            return await asyncio.wait_for(getattr(actor, method).remote(*args), timeout=timeout)
        except TimeoutError:
            raise StoreUnavailable(
                f"the embedded store did not answer a {method} within {timeout:g}s "
                "(a stuck call makes the store owner restart itself; retry shortly)"
            ) from None
        except ray.exceptions.TaskCancelledError:
            raise asyncio.CancelledError() from None  # our caller was cancelled, and Ray dropped the call with it
        except (ray.exceptions.RayActorError, ray.exceptions.ActorUnavailableError) as exc:
            self._handle = None  # the owner restarted or moved: look it up again next time
            raise StoreUnavailable(f"the embedded store actor is unavailable: {exc}") from exc

    async def command(self, sql: str, params: dict[str, Any] | None = None) -> None:
        await self._call("command", sql, params)

    async def query(
        self, sql: str, params: dict[str, Any] | None = None, *, small: bool = False
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = await self._call("query_small" if small else "query", sql, params)
        return rows

    async def insert(
        self, table: str, rows: Sequence[Sequence[Any]], columns: Sequence[str], settings: dict[str, Any] | None = None
    ) -> int:
        written: int = await self._call("insert", table, rows, columns, settings)
        return written

    async def insert_block(
        self, table: str, block: bytes, rows: int, columns: Sequence[str], settings: dict[str, Any] | None = None
    ) -> int:
        # bytes cross to the owner without pickling Python rows, and the owner only runs chDB's parser.
        written: int = await self._call("insert_block", table, block, rows, columns, settings)
        return written


class StoreUnavailable(RuntimeError):
    """The ClickHouse store cannot be reached right now (retry later)."""


def connect_store(settings: PlatformSettings) -> StoreClient:
    """The store client for this process: direct with `CLICKHOUSE_URL`, else via the owner actor."""
    if settings.clickhouse_url:
        return DirectStoreClient(Store.from_settings(settings), settings.store_read_timeout_s)
    return ActorStoreClient(
        settings.namespace,
        read_timeout_s=settings.store_read_timeout_s,
        write_timeout_s=settings.store_write_timeout_s,
        small_timeout_s=settings.store_ping_timeout_s,
    )
