"""Pools of real Ray actors on real Valkey and chDB (through the store-owner actor): crashes, outages, autoscaling.

Shares the session's Ray instance when the e2e stack already started one; otherwise starts a small
one for this module. Everything lives in its own Ray namespace and Valkey, so the stack is untouched.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from pathlib import Path

import pytest
import redis as redis_sync

from actors.pool import ActorPool
from actors.pool_config import PoolSpec
from cluster.bus import connect_redis, publish_spans
from cluster.migrations import apply_migrations
from cluster.settings import PlatformSettings
from cluster.store import STORE_ACTOR_NAME, ActorStoreClient
from cluster.streams import DEAD_LETTER_STREAM, ingest_stream, partition_for

pytestmark = pytest.mark.e2e
PRICING = Path(__file__).resolve().parents[2] / "configs" / "pricing.yaml"
T0 = 1_763_763_000_000_000_000
PARTITIONS = 2


@pytest.fixture(scope="module")
def ray_running():
    import ray

    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, object_store_memory=128 * 1024 * 1024, logging_level="WARNING")
    yield
    if started:
        ray.shutdown()


@pytest.fixture
def env(ray_running, embedded_valkey, tmp_path):
    """Settings of a private installation (own namespace, chDB path) and its running store owner."""
    import ray

    from cluster.store_owner import start_store_owner

    redis_sync.Redis.from_url(embedded_valkey).flushdb()
    settings = PlatformSettings(
        data_dir=tmp_path, redis_url=embedded_valkey, partitions=PARTITIONS,
        namespace=f"pools-{uuid.uuid4().hex[:8]}", pricing_config=PRICING,
    )
    owner = start_store_owner(settings)
    ray.get(owner.ping.remote())
    asyncio.run(apply_migrations(ActorStoreClient(settings.namespace)))
    yield settings
    try:
        ray.kill(ray.get_actor(STORE_ACTOR_NAME, namespace=settings.namespace), no_restart=True)
    except ValueError:
        pass


def spans(n_traces: int, offset: int = 0) -> list[dict]:
    out = []
    for i in range(offset, offset + n_traces):
        trace = f"{i:032x}"
        for j in range(2):
            out.append({
                "project_id": "p1", "trace_id": trace, "span_id": f"{j + 1:016x}",
                "parent_span_id": None if j == 0 else f"{1:016x}", "name": "llm.chat" if j else "agent.run",
                "kind": "llm" if j else "agent", "service_name": "svc", "start_time": T0 + i, "end_time": T0 + i + 10**6,
                "status": "OK", "status_message": "", "events": [], "input": None, "output": None,
                "attributes": {"llm.model": "gpt-4o-mini", "llm.tokens.in": 100, "llm.tokens.out": 10} if j else {},
            })
    return out


async def publish(redis, batch: list[dict], per_entry: int = 100) -> None:
    by_partition: dict[int, list[dict]] = {}
    for span in batch:
        by_partition.setdefault(partition_for(span["trace_id"], PARTITIONS), []).append(span)
    for partition, items in by_partition.items():
        for i in range(0, len(items), per_entry):
            await publish_spans(redis, {partition: items[i:i + per_entry]})


async def counts(settings) -> tuple[int, int]:
    store = ActorStoreClient(settings.namespace, wait_s=5)
    rows = await store.query("SELECT count() AS n, uniqExact(trace_id, span_id) AS u FROM spans FINAL")
    raw = await store.query("SELECT count() AS n FROM spans")
    return int(rows[0]["u"]), int(raw[0]["n"])


async def pending(redis, group: str) -> int:
    total = 0
    for p in range(PARTITIONS):
        total += int((await redis.xpending(ingest_stream(p), group))["pending"])
    return total


async def wait_until(predicate, timeout: float, pool: ActorPool | None = None, redis=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pool is not None:
            await pool.tick(redis)
        if await predicate():
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"not reached within {timeout}s")


def writer_spec(**kw) -> PoolSpec:
    base = dict(name="writer", kind="writer", min_actors=1, max_actors=1, max_spans=2000, linger_ms=50, count=10,
                block_ms=100, claim_idle_ms=2000, janitor_interval_s=0.5, max_backoff_s=1.0, cooldown_s=0.5)
    base.update(kw)
    return PoolSpec(**base)


def test_a_writer_killed_mid_batch_is_replaced_and_every_span_is_stored_exactly_once(env):
    async def run():
        redis = connect_redis(env.effective_redis_url)
        pool = ActorPool(env, writer_spec())
        await pool.start()
        await publish(redis, spans(10_000))
        await wait_until(lambda: _stored_some(env), 60)
        pid_before = (await pool.status())["actors"][0]["pid"]
        in_flight = 0
        for _ in range(200):  # kill while it holds unacknowledged entries
            in_flight = await pending(redis, "writer")
            if in_flight:
                break
            await asyncio.sleep(0.005)
        os.kill(pid_before, signal.SIGKILL)
        await publish(redis, spans(5_000, offset=10_000))
        n = 2 * 15_000

        async def done() -> bool:
            return (await counts(env))[0] == n and await pending(redis, "writer") == 0

        await wait_until(done, 120, pool, redis)
        status = await pool.status()
        await pool.stop()
        await redis.aclose()
        return in_flight, pid_before, status, await counts(env)

    in_flight, pid_before, status, (unique, _) = asyncio.run(run())
    assert in_flight > 0  # it died holding entries, which were then re-read and written
    assert status["actors"][0]["pid"] != pid_before  # a new process took over the same name
    assert unique == 30_000


async def _stored_some(settings) -> bool:
    return (await counts(settings))[0] > 2000


def test_clickhouse_down_for_a_while_then_back_loses_nothing(env):
    import ray

    from cluster.store_owner import start_store_owner

    async def run():
        redis = connect_redis(env.effective_redis_url)
        pool = ActorPool(env, writer_spec())
        await pool.start()
        await publish(redis, spans(500))
        await wait_until(lambda: _count_is(env, 1000), 60, pool, redis)
        ray.kill(ray.get_actor(STORE_ACTOR_NAME, namespace=env.namespace), no_restart=True)
        await publish(redis, spans(1500, offset=500))
        await asyncio.sleep(4)  # the store is gone: the writer retries and acknowledges nothing
        waiting = await pending(redis, "writer") + sum((await pool.backlog(redis)).values())
        owner = start_store_owner(env)
        await owner.ping.remote()
        await wait_until(lambda: _count_is(env, 4000), 120, pool, redis)
        status = await pool.status()
        await pool.stop()
        dead = await redis.xlen(DEAD_LETTER_STREAM)
        left = await pending(redis, "writer")
        await redis.aclose()
        return waiting, status, dead, left, await counts(env)

    waiting, status, dead, left, (unique, raw) = asyncio.run(run())
    assert waiting > 0
    assert status["actors"][0]["transient_failures"] >= 1 or status["actors"][0]["handler_failures"] >= 1
    assert (unique, dead, left) == (4000, 0, 0)


async def _count_is(settings, n: int) -> bool:
    try:
        return (await counts(settings))[0] == n
    except Exception:  # noqa: BLE001 - the store may be restarting
        return False


def test_a_pool_grows_under_a_burst_and_shrinks_after_it(env):
    async def run():
        redis = connect_redis(env.effective_redis_url)
        spec = writer_spec(max_actors=2, count=2, max_spans=200, linger_ms=0, grow_backlog=20, shrink_backlog=0,
                           quiet_s=1.5, cooldown_s=0.5)
        pool = ActorPool(env, spec)
        await pool.start()
        await publish(redis, spans(6000), per_entry=20)  # 600 entries: a burst far above grow_backlog
        sizes = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            await pool.tick(redis)
            sizes.append(pool.size)
            if 2 in sizes and pool.size == 1 and (await counts(env))[0] == 12_000:
                break
            await asyncio.sleep(0.3)
        decisions = list(pool.decisions)
        await pool.stop()
        await redis.aclose()
        return sizes, decisions, await counts(env)

    sizes, decisions, (unique, _) = asyncio.run(run())
    assert max(sizes) == 2 and sizes[-1] == 1
    assert [d["to"] for d in decisions][:2] == [2, 1]
    assert "backlog" in decisions[0]["reason"] and "quiet" in decisions[1]["reason"]
    assert unique == 12_000


def test_a_poison_entry_is_dead_lettered_by_a_pool_actor_while_its_partition_keeps_flowing(env):
    import msgpack

    async def run():
        redis = connect_redis(env.effective_redis_url)
        pool = ActorPool(env, writer_spec(max_deliveries=3))
        await pool.start()
        before = spans(50)
        bad = dict(before[0], span_id="f" * 16)
        del bad["start_time"]  # decodes, but no row can be built from it
        partition = partition_for(bad["trace_id"], PARTITIONS)
        await publish(redis, before)
        await redis.xadd(ingest_stream(partition), {b"spans": msgpack.packb([bad]), b"n": 1})
        await publish(redis, spans(50, offset=50))

        async def done() -> bool:
            return await redis.xlen(DEAD_LETTER_STREAM) == 1 and await _count_is(env, 200)

        await wait_until(done, 60, pool, redis)
        await publish(redis, spans(50, offset=100))  # the partition still flows afterwards

        async def flowed() -> bool:  # stored, then acknowledged (the ack follows the insert)
            return await _count_is(env, 300) and await pending(redis, "writer") == 0

        await wait_until(flowed, 60, pool, redis)
        dead = await redis.xrange(DEAD_LETTER_STREAM)
        left = await pending(redis, "writer")
        await pool.stop()
        await redis.aclose()
        return dead, left

    dead, left = asyncio.run(run())
    assert left == 0 and len(dead) == 1
    assert b"KeyError" in dead[0][1][b"error"]
