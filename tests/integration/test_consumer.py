"""The consumer base and the writer on a real Redis/Valkey and the real ClickHouse engine."""

from __future__ import annotations

import asyncio

import pytest

from actors.consumer import StreamConsumer
from actors.writer import SpanWriter
from cluster.bus import connect_redis, publish_spans
from cluster.store import DirectStoreClient
from cluster.streams import DEAD_LETTER_STREAM, WRITER_GROUP, ingest_stream, partition_for

from .test_store import T0, spans_of


def grouped(spans: list[dict], partitions: int) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for span in spans:
        out.setdefault(partition_for(span["trace_id"], partitions), []).append(span)
    return out


async def _consumer(redis_url: str, handler, partitions: int = 2) -> tuple:
    redis = connect_redis(redis_url)
    consumer = StreamConsumer(redis, WRITER_GROUP, "w0", [ingest_stream(p) for p in range(partitions)], handler, block_ms=50)
    await consumer.ensure_groups()
    return redis, consumer


def test_spans_flow_from_stream_to_clickhouse_and_are_acked(redis_url, store):
    async def run():
        redis, consumer = await _consumer(redis_url, SpanWriter(DirectStoreClient(store)).write)
        spans = spans_of("4" * 32, T0) + spans_of("5" * 32, T0 + 1)
        await publish_spans(redis, grouped(spans, 2))
        handled = 0
        for _ in range(10):
            handled += await consumer.poll_once()
        pending = [await redis.xpending(ingest_stream(p), WRITER_GROUP) for p in range(2)]
        await redis.aclose()
        return handled, pending

    handled, pending = asyncio.run(run())
    assert handled == 4
    assert all(p["pending"] == 0 for p in pending)
    assert store.query("SELECT count() AS n FROM spans")[0]["n"] == 4


def test_failed_write_is_not_acked_and_is_retried_first(redis_url, store):
    writer = SpanWriter(DirectStoreClient(store))
    calls = {"n": 0}

    async def flaky(spans):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("ClickHouse is down")
        await writer.write(spans)

    async def run():
        redis, consumer = await _consumer(redis_url, flaky, partitions=1)
        await publish_spans(redis, {0: spans_of("6" * 32, T0)})
        with pytest.raises(ConnectionError):
            await consumer.poll_once()
        pending_after_failure = (await redis.xpending(ingest_stream(0), WRITER_GROUP))["pending"]
        handled = await consumer.poll_once()  # re-reads its own pending entry (id 0) first
        pending_after_retry = (await redis.xpending(ingest_stream(0), WRITER_GROUP))["pending"]
        await redis.aclose()
        return pending_after_failure, handled, pending_after_retry, consumer.stats

    pending_after_failure, handled, pending_after_retry, stats = asyncio.run(run())
    assert pending_after_failure == 1
    assert handled == 2 and pending_after_retry == 0
    assert stats.handler_failures == 1
    assert store.query("SELECT count() AS n FROM spans")[0]["n"] == 2


def test_undecodable_entry_goes_to_the_dead_letter_stream(redis_url, store):
    async def run():
        redis, consumer = await _consumer(redis_url, SpanWriter(DirectStoreClient(store)).write, partitions=1)
        await redis.xadd(ingest_stream(0), {b"spans": b"\xc1 not msgpack"})
        await publish_spans(redis, {0: spans_of("7" * 32, T0)})
        handled = await consumer.poll_once() + await consumer.poll_once()
        dead = await redis.xrange(DEAD_LETTER_STREAM)
        pending = (await redis.xpending(ingest_stream(0), WRITER_GROUP))["pending"]
        await redis.aclose()
        return handled, dead, pending

    handled, dead, pending = asyncio.run(run())
    assert handled == 2 and pending == 0
    assert len(dead) == 1 and dead[0][1][b"stream"] == b"spans.ingest.0"
    assert b"error" in dead[0][1]
