"""A pool kind for benchmarks only: the writer with its store write stubbed to a floor.

`writer_floor` pools run the real consumer side of the writer (XREADGROUP, the entries' rows and usage,
pricing, the joined block, the live feed publish, XACK) but hand each block to `FloorStore`, which
waits a fixed time per insert without using this machine's CPU, as an external ClickHouse server
would. With it `bench/pipeline.py` shows how the consumer side scales from 1 to 2 actors when the
store is not the limit. Loaded into pool actors through AGENTSTACK_HANDLER_MODULES=bench.writer_floor.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

from actors.handlers import HandlerContext, register_handler
from actors.live_feed import LiveFeed, with_live_feed_items
from actors.writer import SpanWriter

#: Seconds one stubbed insert takes (wall time, no CPU here); AGENTSTACK_BENCH_INSERT_FLOOR_S overrides.
INSERT_FLOOR_S = float(os.environ.get("AGENTSTACK_BENCH_INSERT_FLOOR_S", "0.005"))


class FloorStore:
    """A `StoreClient` whose block inserts take `floor_s` of wall time and store nothing."""

    def __init__(self, floor_s: float = INSERT_FLOOR_S) -> None:
        self.floor_s = floor_s
        self.rows = 0

    async def command(self, sql: str, params: dict[str, Any] | None = None) -> None:
        return None

    async def query(self, sql: str, params: dict[str, Any] | None = None, *, small: bool = False) -> list[dict[str, Any]]:
        return []

    async def insert(
        self, table: str, rows: Sequence[Sequence[Any]], columns: Sequence[str], settings: dict[str, Any] | None = None
    ) -> int:
        await asyncio.sleep(self.floor_s)
        self.rows += len(rows)
        return len(rows)

    async def insert_block(
        self, table: str, block: bytes, rows: int, columns: Sequence[str], settings: dict[str, Any] | None = None
    ) -> int:
        await asyncio.sleep(self.floor_s)
        self.rows += rows
        return rows


def _writer_floor(ctx: HandlerContext) -> tuple[Any, object]:
    writer = SpanWriter(FloorStore(), ctx.prices)
    feed = LiveFeed(ctx.redis, ctx.prices, ctx.settings.live_stream_maxlen)
    return with_live_feed_items(writer.write_items_priced, feed), writer


register_handler("writer_floor", _writer_floor)
