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


def test_writer_and_cost_read_the_encoded_fields_and_match_what_the_spans_give(redis_url, store):
    """Entries from ingest carry encoded rows and usage; an entry with only spans (older publisher) gives the same rows."""
    import msgpack

    from actors.cost import CostCalculator
    from cluster.streams import COST_GROUP, ENTRY_COUNT, ENTRY_SPANS

    def llm(trace_hex: str, start: int) -> list[dict]:
        spans = spans_of(trace_hex, start)
        spans[0]["attributes"] = {"gen_ai.request.model": "gpt-4o", "gen_ai.provider.name": "openai",
                                  "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100, "n": 3}
        return spans

    new, old = llm("6" * 32, T0 + 60 * 10**9), llm("7" * 32, T0 + 120 * 10**9)

    async def run():
        client = DirectStoreClient(store)
        from actors.pricing import PriceBook

        prices = PriceBook()
        writer, calc = SpanWriter(client, prices), CostCalculator(client, prices)
        redis = connect_redis(redis_url)
        streams = [ingest_stream(0)]
        consumers = [
            StreamConsumer(redis, WRITER_GROUP, "w0", streams, writer.write_items, block_ms=50, decode=writer.decode_entry),
            StreamConsumer(redis, COST_GROUP, "c0", streams, calc.write_items, block_ms=50, decode=calc.decode_entry),
        ]
        for consumer in consumers:
            await consumer.ensure_groups()
        await publish_spans(redis, {0: new})  # rows + usage fields
        await redis.xadd(streams[0], {ENTRY_SPANS: msgpack.packb(old, use_bin_type=True), ENTRY_COUNT: len(old)})
        handled = [sum([await c.poll_once() for _ in range(3)]) for c in consumers]
        pending = [(await redis.xpending(streams[0], g))["pending"] for g in (WRITER_GROUP, COST_GROUP)]
        await redis.aclose()
        return handled, pending

    handled, pending = asyncio.run(run())
    assert handled == [4, 4] and pending == [0, 0]
    rows = store.query("SELECT trace_id, span_id, attributes, model, input_tokens, cost_usd, cost_status, duration_ms "
                       "FROM spans FINAL WHERE trace_id IN ('" + "6" * 32 + "', '" + "7" * 32 + "') ORDER BY trace_id, span_id")
    assert len(rows) == 4
    by_trace = {r["trace_id"]: [{k: v for k, v in x.items() if k != "trace_id"} for x in rows if x["trace_id"] == r["trace_id"]]
                for r in rows}
    assert by_trace["6" * 32] == by_trace["7" * 32]  # the encoded fields and the spans give the same rows
    priced = [r for r in rows if r["model"] == "gpt-4o"]
    assert len(priced) == 2 and all(r["cost_usd"] > 0 and r["cost_status"] == "priced" for r in priced)
    assert priced[0]["attributes"]["n"] == "3"
    sums = store.query("SELECT sum(spans) AS n, sum(input_tokens) AS i FROM cost_metrics FINAL WHERE project_id = 'p1' "
                       "AND model = 'gpt-4o'")
    assert sums[0]["n"] == 2 and sums[0]["i"] == 2000


def test_an_entry_whose_encoded_rows_are_broken_is_dead_lettered(redis_url, store):
    from cluster.streams import ENTRY_ROWS, ENTRY_USAGE

    async def run():
        writer = SpanWriter(DirectStoreClient(store))
        redis = connect_redis(redis_url)
        consumer = StreamConsumer(redis, WRITER_GROUP, "w0", [ingest_stream(0)], writer.write_items, block_ms=50,
                                  decode=writer.decode_entry)
        await consumer.ensure_groups()
        await redis.xadd(ingest_stream(0), {ENTRY_ROWS: b"\xc1", ENTRY_USAGE: b"\x90", b"n": 1})
        await consumer.poll_once()
        dead = await redis.xlen(DEAD_LETTER_STREAM)
        pending = (await redis.xpending(ingest_stream(0), WRITER_GROUP))["pending"]
        await redis.aclose()
        return dead, pending

    assert asyncio.run(run()) == (1, 0)


@pytest.mark.parametrize("linger_ms", [0, 1500])
def test_a_trickle_of_entries_becomes_one_batch_per_linger(redis_url, linger_ms):
    """With `linger_ms`, a batch waits that long after its first entry for more; without it, it takes what is there."""
    batches: list[int] = []

    async def record(spans):
        batches.append(len(spans))

    async def run():
        redis = connect_redis(redis_url)
        consumer = StreamConsumer(redis, "linger", "w0", [ingest_stream(0)], record, block_ms=2000,
                                  max_spans=10_000, linger_ms=linger_ms)
        await consumer.ensure_groups()

        async def trickle():
            for i in range(8):  # one entry every 40 ms: 320 ms in all
                await publish_spans(redis, {0: spans_of(f"{i + 1:032x}", T0 + i)})
                await asyncio.sleep(0.04)

        feeding = asyncio.ensure_future(trickle())
        started = asyncio.get_running_loop().time()
        handled = await consumer.poll_once()
        took = asyncio.get_running_loop().time() - started
        await feeding
        while handled < 16:
            handled += await consumer.poll_once()
        pending = await redis.xpending(ingest_stream(0), "linger")
        await redis.aclose()
        return took, pending

    took, pending = asyncio.run(run())
    assert sum(batches) == 16 and pending["pending"] == 0  # every span handled once and acknowledged
    if linger_ms:
        assert batches[0] == 16 and took < 3.0  # all eight entries in the first batch, within the linger
    else:
        assert batches[0] == 2  # the first entry alone (two spans), handled at once


def test_entries_that_already_waited_longer_than_linger_are_not_held_back(redis_url):
    """The linger counts from an entry's arrival in the stream, so a backlog is handled at once."""
    batches: list[int] = []

    async def record(spans):
        batches.append(len(spans))

    async def run():
        redis = connect_redis(redis_url)
        consumer = StreamConsumer(redis, "waited", "w0", [ingest_stream(0)], record, block_ms=2000,
                                  max_spans=10_000, linger_ms=800)
        await consumer.ensure_groups()
        await publish_spans(redis, {0: spans_of("a" * 32, T0)})
        await publish_spans(redis, {0: spans_of("b" * 32, T0 + 1)})
        await asyncio.sleep(1.0)  # longer than the linger: the batch is due
        started = asyncio.get_running_loop().time()
        handled = await consumer.poll_once()
        took = asyncio.get_running_loop().time() - started
        await redis.aclose()
        return handled, took

    handled, took = asyncio.run(run())
    assert handled == 4 and batches == [4]
    assert took < 0.5  # not another 800 ms


def test_an_entry_reaching_a_quiet_stream_is_handled_at_once_and_a_busy_one_still_batches(redis_url):
    """Adaptive linger: no batch started within `linger_ms` → the next entry goes at once; right after a batch,
    a trickle waits for the linger and becomes one batch (batches start at most once per `linger_ms`)."""
    batches: list[int] = []

    async def record(spans):
        batches.append(len(spans))

    async def run():
        redis = connect_redis(redis_url)
        consumer = StreamConsumer(redis, "adaptive", "w0", [ingest_stream(0)], record, block_ms=2000,
                                  max_spans=10_000, linger_ms=1500)
        await consumer.ensure_groups()
        loop = asyncio.get_running_loop()
        await publish_spans(redis, {0: spans_of("a" * 32, T0)})
        await consumer.poll_once()  # a first batch: lingers (nothing is known about the stream yet)
        await asyncio.sleep(1.6)  # quiet for longer than the linger
        await publish_spans(redis, {0: spans_of("b" * 32, T0 + 1)})
        started = loop.time()
        await consumer.poll_once()
        quiet_took = loop.time() - started

        async def trickle():
            for i in range(8):  # one entry every 40 ms, right after the previous batch started
                await publish_spans(redis, {0: spans_of(f"{i + 1:032x}", T0 + 10 + i)})
                await asyncio.sleep(0.04)

        feeding = asyncio.ensure_future(trickle())
        await consumer.poll_once()
        await feeding
        pending = await redis.xpending(ingest_stream(0), "adaptive")
        await redis.aclose()
        return quiet_took, pending

    quiet_took, pending = asyncio.run(run())
    assert quiet_took < 1.0  # not held for the 1.5 s linger
    assert batches == [2, 2, 16] and pending["pending"] == 0  # the trickle: one batch of all eight entries


def test_the_writers_live_feed_publishes_the_costs_it_stored_and_the_summaries_of_the_spans(redis_url, store):
    """The writer pool's handler (insert, then live feed with the insert's own costs): what `spans.live` carries
    equals the spans' summaries, and each LLM span's cost there is the one stored in `spans.cost_usd`."""
    import uuid

    import msgpack

    from actors.live_feed import LiveFeed, span_summaries, with_live_feed_items
    from actors.pricing import PriceBook
    from cluster.streams import LIVE_SUMMARIES

    spans = spans_of("8" * 32, T0 + 180 * 10**9)
    spans[0]["attributes"] = {"gen_ai.request.model": "gpt-4o", "gen_ai.provider.name": "openai",
                              "gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 321,
                              "gen_ai.usage.cache_read.input_tokens": 200}
    spans.append(dict(spans[0], span_id="c" * 16, attributes={"gen_ai.request.model": "mystery-model",
                                                             "gen_ai.usage.input_tokens": 5, "gen_ai.usage.output_tokens": 1}))
    live_stream = f"spans.live.test-{uuid.uuid4().hex}"
    prices = PriceBook()

    async def run() -> list[dict]:
        redis = connect_redis(redis_url)
        writer = SpanWriter(DirectStoreClient(store), prices)
        feed = LiveFeed(redis, prices, stream=live_stream)
        handler = with_live_feed_items(writer.write_items_priced, feed)
        consumer = StreamConsumer(redis, WRITER_GROUP, "w0", [ingest_stream(0)], handler, block_ms=50,
                                  decode=writer.decode_entry)
        await consumer.ensure_groups()
        await publish_spans(redis, {0: spans})
        handled = sum([await consumer.poll_once() for _ in range(3)])
        entries = await redis.xrange(live_stream)
        await redis.delete(live_stream)
        await redis.aclose()
        assert handled == len(spans) and feed.published == len(spans) and feed.failures == 0
        return [s for _, fields in entries for s in msgpack.unpackb(fields[LIVE_SUMMARIES], raw=False)]

    published = asyncio.run(run())
    assert published == span_summaries(spans, prices)
    stored = {r["span_id"]: r["cost_usd"] for r in store.query(
        "SELECT span_id, cost_usd FROM spans FINAL WHERE trace_id = '" + "8" * 32 + "'")}
    by_span = {s["span_id"]: s for s in published}
    assert by_span[spans[0]["span_id"]]["cost_usd"] == round(stored[spans[0]["span_id"]], 8) > 0
    assert by_span["c" * 16]["cost_usd"] == 0.0 and "cost_usd" not in by_span["a" * 16]  # unpriced; no LLM call
