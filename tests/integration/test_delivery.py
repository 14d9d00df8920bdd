"""At-least-once delivery rules of the consumer base on a real Redis/Valkey and the real ClickHouse engine."""

from __future__ import annotations

import asyncio

import msgpack

from cluster.backlog import group_backlog, safe_trim_id, trim_acknowledged
from actors.consumer import StreamConsumer
from actors.writer import SpanWriter
from cluster.bus import connect_redis, publish_spans
from cluster.store import DirectStoreClient
from cluster.streams import COST_GROUP, DEAD_LETTER_STREAM, WRITER_GROUP, ingest_stream

from .test_store import T0, spans_of

STREAM = ingest_stream(0)


def consumer(redis, handler, name="w0", **kw) -> StreamConsumer:
    kw.setdefault("block_ms", 20)
    return StreamConsumer(redis, WRITER_GROUP, name, [STREAM], handler, **kw)


def stored(store) -> int:
    return store.query("SELECT count() AS n FROM spans FINAL")[0]["n"]


def test_a_poison_entry_is_dead_lettered_after_n_deliveries_while_its_partition_keeps_flowing(redis_url, store):
    async def run():
        redis = connect_redis(redis_url)
        c = consumer(redis, SpanWriter(DirectStoreClient(store)).write, count=10, max_deliveries=3)
        await c.ensure_groups()
        await publish_spans(redis, {0: spans_of("1" * 32, T0)})
        poison = [dict(spans_of("2" * 32, T0)[0])]
        del poison[0]["start_time"]  # decodes fine, but no row can be built from it
        await redis.xadd(STREAM, {b"spans": msgpack.packb(poison), b"n": 1})
        await publish_spans(redis, {0: spans_of("3" * 32, T0)})
        errors = 0
        for _ in range(12):
            try:
                await c.poll_once()
            except Exception:  # noqa: BLE001 - the poison entry's own failed deliveries
                errors += 1
        await publish_spans(redis, {0: spans_of("4" * 32, T0)})  # still flowing afterwards
        await c.poll_once()
        dead = await redis.xrange(DEAD_LETTER_STREAM)
        pending = (await redis.xpending(STREAM, WRITER_GROUP))["pending"]
        await redis.aclose()
        return errors, dead, pending, c.stats

    errors, dead, pending, stats = asyncio.run(run())
    assert stored(store) == 6  # three good entries of two spans each
    assert pending == 0
    assert len(dead) == 1 and stats.dead_lettered == 1
    record = dead[0][1]
    assert record[b"stream"] == STREAM.encode() and record[b"group"] == WRITER_GROUP.encode()
    assert b"KeyError" in record[b"error"] and b"failed 3 deliveries" in record[b"error"]
    assert errors == 2  # deliveries 2 and 3 failed alone; the 1st was isolated inside its batch


def test_the_janitor_reclaims_entries_of_a_dead_consumer(redis_url, store):
    async def run():
        redis = connect_redis(redis_url)
        dead = consumer(redis, SpanWriter(DirectStoreClient(store)).write)
        await dead.ensure_groups()
        await publish_spans(redis, {0: spans_of("5" * 32, T0)})
        await dead._read(own=False, block=False)  # delivered to w-dead, which then "dies" without acking
        heir = consumer(redis, SpanWriter(DirectStoreClient(store)).write, name="w1", claim_idle_ms=100)
        early = await heir.reclaim()
        await asyncio.sleep(0.2)
        claimed = await heir.reclaim()
        handled = await heir.poll_once()
        pending = (await redis.xpending(STREAM, WRITER_GROUP))["pending"]
        await redis.aclose()
        return early, claimed, handled, pending

    early, claimed, handled, pending = asyncio.run(run())
    assert (early, claimed, handled, pending) == (0, 1, 2, 0)
    assert stored(store) == 2


def test_a_store_outage_keeps_the_batch_unacked_and_it_lands_once_afterwards(redis_url, store):
    writer = SpanWriter(DirectStoreClient(store))
    down = {"on": True}

    async def sink(spans):
        if down["on"]:
            raise ConnectionError("ClickHouse refused the connection")
        await writer.write(spans)

    async def run():
        redis = connect_redis(redis_url)
        c = consumer(redis, sink, count=10, max_deliveries=1)
        await c.ensure_groups()
        for i in range(3):
            await publish_spans(redis, {0: spans_of(f"{i + 6}" * 32, T0)})
        for _ in range(5):  # many retries while down: never dead-lettered, never acked
            try:
                await c.poll_once()
            except ConnectionError:
                pass
        pending_during = (await redis.xpending(STREAM, WRITER_GROUP))["pending"]
        down["on"] = False
        handled = await c.poll_once()
        pending_after = (await redis.xpending(STREAM, WRITER_GROUP))["pending"]
        dead = await redis.xlen(DEAD_LETTER_STREAM)
        await redis.aclose()
        return pending_during, handled, pending_after, dead

    assert asyncio.run(run()) == (3, 6, 0, 0)
    assert stored(store) == 6


def test_streams_are_trimmed_only_below_what_every_group_acknowledged(redis_url, store):
    async def run():
        redis = connect_redis(redis_url)
        writer = consumer(redis, SpanWriter(DirectStoreClient(store)).write, count=100)
        slow = StreamConsumer(redis, COST_GROUP, "c0", [STREAM], SpanWriter(DirectStoreClient(store)).write, count=1, block_ms=20)
        await writer.ensure_groups()
        await slow.ensure_groups()
        for i in range(4):
            await publish_spans(redis, {0: spans_of(f"{i + 1}" * 32, T0)})
        await writer.poll_once()  # writer has all 4
        await slow.poll_once()  # cost has only the first
        backlog = await group_backlog(redis, [STREAM], COST_GROUP)
        removed = await trim_acknowledged(redis, STREAM)
        left = await redis.xlen(STREAM)
        for _ in range(3):
            await slow.poll_once()
        removed_later = await trim_acknowledged(redis, STREAM)
        floor = await safe_trim_id(redis, STREAM)
        await redis.aclose()
        return backlog[STREAM].total, removed, left, removed_later, floor

    backlog, removed, left, removed_later, floor = asyncio.run(run())
    assert backlog == 3  # lag 3, nothing pending
    assert (removed, left, removed_later) == (1, 3, 3)
    assert floor is not None
