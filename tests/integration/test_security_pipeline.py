"""The security consumer on real parts: Valkey/Redis streams → scan → chDB `security_alerts` + `alerts.live`."""

from __future__ import annotations

import asyncio
import json

import pytest

from actors.consumer import StreamConsumer
from actors.security import AlertSink, MonitorStateStore, ScanHandler, SecurityEngine, SecurityRules, SpanScanner
from cluster.bus import connect_redis, publish_spans
from cluster.store import DirectStoreClient
from cluster.streams import ALERT_FIELD, ALERTS_STREAM, SECURITY_GROUP, WRITER_GROUP, ingest_stream

T0 = 1_763_763_000_000_000_000
KEY = "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


@pytest.fixture(scope="module")
def engine() -> SecurityEngine:
    return SecurityEngine()


@pytest.fixture
def alerts_store(store):
    yield store
    store.command("TRUNCATE TABLE IF EXISTS security_alerts")


def leaky_spans(trace: str, n: int) -> list[dict]:
    return [
        {
            "project_id": "p1", "trace_id": trace, "span_id": f"{i + 1:016x}", "parent_span_id": None,
            "name": "tool.git", "kind": "tool", "service_name": "svc", "start_time": T0 + i, "end_time": T0 + i + 10**6,
            "status": "OK", "status_message": "", "attributes": {}, "events": [],
            "input": f'{{"cmd": "push", "token": "{KEY}", "n": {i}}}', "output": "ok",
        }
        for i in range(n)
    ]


async def _setup(redis_url: str, store, engine: SecurityEngine, sink_cls=AlertSink, rules=None, state=True):
    redis = connect_redis(redis_url)
    sink = sink_cls(DirectStoreClient(store), redis, ALERTS_STREAM)
    handler = ScanHandler(SpanScanner(engine, rules), sink, MonitorStateStore(redis) if state else None)
    consumer = StreamConsumer(redis, SECURITY_GROUP, "security-0", [ingest_stream(0)], handler, block_ms=50)
    await consumer.ensure_groups()
    return redis, consumer


def test_alerts_reach_clickhouse_and_the_live_stream(redis_url, alerts_store, engine):
    async def run():
        redis, consumer = await _setup(redis_url, alerts_store, engine)
        await publish_spans(redis, {0: leaky_spans("1" * 32, 3)})
        handled = await consumer.poll_once()
        live = await redis.xrange(ALERTS_STREAM)
        pending = (await redis.xpending(ingest_stream(0), SECURITY_GROUP))["pending"]
        await redis.aclose()
        return handled, live, pending

    handled, live, pending = asyncio.run(run())
    assert handled == 3 and pending == 0
    rows = alerts_store.query("SELECT * FROM security_alerts FINAL ORDER BY span_id")
    assert [(r["rule"], r["severity"], r["entity_types"]) for r in rows] == [("secret", "CRITICAL", ["GITHUB_TOKEN"])] * 3
    assert all(KEY not in r["excerpt"] and "<GITHUB_TOKEN>" in r["excerpt"] for r in rows)
    published = [json.loads(fields[ALERT_FIELD]) for _, fields in live]
    assert sorted(a["alert_id"] for a in published) == sorted(r["alert_id"] for r in rows)


class FlakySink(AlertSink):
    """Fails its first publish, as a ClickHouse outage or a crash before the write would."""

    failures = 1

    async def publish(self, alerts):
        if FlakySink.failures:
            FlakySink.failures -= 1
            raise ConnectionError("ClickHouse is down")
        await super().publish(alerts)


def test_a_failed_batch_is_scanned_again_and_nothing_is_lost_or_doubled(redis_url, alerts_store, engine):
    FlakySink.failures = 1

    async def run():
        redis, consumer = await _setup(redis_url, alerts_store, engine, FlakySink)
        await publish_spans(redis, {0: leaky_spans("2" * 32, 4)})
        with pytest.raises(ConnectionError):
            await consumer.poll_once()
        # A restarted actor is a new consumer object with the same name: it reads its pending entries first.
        redis2, fresh = await _setup(redis_url, alerts_store, engine)
        handled = await fresh.poll_once()
        pending = (await redis2.xpending(ingest_stream(0), SECURITY_GROUP))["pending"]
        await redis.aclose()
        await redis2.aclose()
        return handled, pending

    handled, pending = asyncio.run(run())
    assert handled == 4 and pending == 0
    assert alerts_store.query("SELECT count() AS n FROM security_alerts FINAL")[0]["n"] == 4


def test_the_security_group_reads_independently_of_the_writer(redis_url, alerts_store, engine):
    async def run():
        redis, consumer = await _setup(redis_url, alerts_store, engine)
        await redis.xgroup_create(ingest_stream(0), WRITER_GROUP, id="0", mkstream=True)
        await publish_spans(redis, {0: leaky_spans("3" * 32, 2)})
        handled = await consumer.poll_once()
        writer_pending = await redis.xreadgroup(WRITER_GROUP, "w0", {ingest_stream(0): ">"}, count=10)
        await redis.aclose()
        return handled, writer_pending

    handled, writer_pending = asyncio.run(run())
    assert handled == 2 and len(writer_pending[0][1]) == 1  # the writer still gets the entry


def looping_spans(trace: str, first: int, n: int) -> list[dict]:
    return [
        {
            "project_id": "p1", "trace_id": trace, "span_id": f"{i + 1:016x}", "parent_span_id": None,
            "name": "tool.search", "kind": "tool", "service_name": "svc", "start_time": T0 + i, "end_time": T0 + i + 10**6,
            "status": "OK", "status_message": "", "attributes": {}, "events": [],
            "input": '{"query": "weather in Oslo"}', "output": "no results",
        }
        for i in range(first, first + n)
    ]


@pytest.mark.parametrize("state", [True, False])
def test_loop_counts_survive_an_actor_restart_through_redis(redis_url, alerts_store, engine, state):
    rules = SecurityRules.model_validate({"defaults": {"loop_threshold": 4}})
    trace = ("4" if state else "5") * 32

    async def run():
        redis, first = await _setup(redis_url, alerts_store, engine, rules=rules, state=state)
        await publish_spans(redis, {0: looping_spans(trace, 0, 3)})
        assert await first.poll_once() == 3
        ttl = await redis.ttl(f"security:state:trace:p1:{trace}")
        # The partition moves: a new actor (new scanner, empty memory) reads the next spans of the trace.
        redis2, second = await _setup(redis_url, alerts_store, engine, rules=rules, state=state)
        await publish_spans(redis2, {0: looping_spans(trace, 3, 2)})
        assert await second.poll_once() == 2
        await redis.aclose()
        await redis2.aclose()
        return ttl

    ttl = asyncio.run(run())
    loops = alerts_store.query(f"SELECT span_id FROM security_alerts FINAL WHERE rule = 'loop' AND trace_id = '{trace}'")
    if state:
        assert 0 < ttl <= 6 * 3600
        assert [r["span_id"] for r in loops] == [f"{4:016x}"]  # the 4th identical call, counted across both actors
    else:
        assert ttl == -2 and loops == []  # without the Redis state the count restarts at the move
