"""The embedded store owner under a slow or stuck chDB call: deadlines, separate reads/writes, self-restart.

Real Ray actor, real chDB. `SELECT sleep(3)` stands in for a slow or stuck call. Shares the
session's Ray instance when one is running; otherwise starts a small one for this module.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from cluster.settings import PlatformSettings
from cluster.store import STORE_ACTOR_NAME, ActorStoreClient, StoreUnavailable

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def ray_running():
    import ray

    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, object_store_memory=128 * 1024 * 1024, logging_level="WARNING")
    yield
    if started:
        ray.shutdown()


def owner_of(tmp_path, **settings):
    """A private store owner (own namespace and chDB folder), ready to answer."""
    import ray

    from cluster.store_owner import start_store_owner

    config = PlatformSettings(data_dir=tmp_path, namespace=f"store-{uuid.uuid4().hex[:8]}", **settings)
    owner = start_store_owner(config)
    ray.get(owner.ping.remote(), timeout=60)
    return config, owner


def stop(config: PlatformSettings) -> None:
    import ray

    try:
        ray.kill(ray.get_actor(STORE_ACTOR_NAME, namespace=config.namespace), no_restart=True)
    except ValueError:
        pass


def test_reads_small_reads_and_pings_do_not_wait_behind_slow_calls(ray_running, tmp_path):
    import ray

    from cluster.store_owner import READ_THREADS

    config, owner = owner_of(tmp_path)

    async def timed(awaitable):
        t0 = time.monotonic()
        result = await awaitable
        return result, time.monotonic() - t0

    async def run():
        client = ActorStoreClient(config.namespace)
        slow_write = asyncio.ensure_future(client.command("SELECT sleep(3)"))  # a write thread is busy for 3 s
        await asyncio.sleep(0.5)
        read = await timed(client.query("SELECT 1 AS one"))
        ping = await timed(owner.ping.remote())
        busy = await owner.status.remote()
        await slow_write
        # Every read thread busy with a slow query: the health check's small query still answers.
        slow_reads = [asyncio.ensure_future(client.query("SELECT sleep(3) AS s")) for _ in range(READ_THREADS)]
        await asyncio.sleep(0.5)
        small = await timed(client.query("SELECT 2 AS two", small=True))
        await asyncio.gather(*slow_reads)
        return read, ping, busy, small

    try:
        (rows, read_s), (_, ping_s), busy, (small_rows, small_s) = asyncio.run(run())
        assert rows == [{"one": 1}] and small_rows == [{"two": 2}]
        assert read_s < 1.5 and ping_s < 1.5 and small_s < 1.5, (read_s, ping_s, small_s)  # the slow calls had >1.5 s to go
        assert busy["longest_call"] == "command SELECT sleep(3)" and busy["longest_call_s"] > 0.4
        assert ray.get(owner.status.remote())["longest_call"] is None
    finally:
        stop(config)


def test_the_owner_stops_a_read_at_its_deadline_and_keeps_serving(ray_running, tmp_path):
    import ray

    config, owner = owner_of(tmp_path, store_read_timeout_s=1.0)

    async def run():
        client = ActorStoreClient(config.namespace, read_timeout_s=10.0)  # the owner's own limit acts first
        pid_before = (await owner.status.remote())["pid"]
        t0 = time.monotonic()
        with pytest.raises(StoreUnavailable, match=r"ran longer than 1s and was stopped"):
            await client.query("SELECT sleep(3)")
        stopped_s = time.monotonic() - t0
        return stopped_s, pid_before, await client.query("SELECT 3 AS three"), (await owner.status.remote())

    try:
        stopped_s, pid_before, rows, status = asyncio.run(run())
        assert stopped_s < 2.5, stopped_s  # chDB aborted the query; it did not run its 3 s
        assert rows == [{"three": 3}] and status["pid"] == pid_before and status["longest_call"] is None
        assert ray.get(owner.ping.remote())
    finally:
        stop(config)


def test_a_call_past_its_deadline_is_store_unavailable_and_a_stuck_owner_restarts(ray_running, tmp_path):
    import ray

    config, owner = owner_of(tmp_path, store_stuck_s=1.5)

    async def run():
        client = ActorStoreClient(config.namespace, read_timeout_s=1.0)
        pid_before = (await owner.status.remote())["pid"]
        t0 = time.monotonic()
        with pytest.raises(StoreUnavailable, match=r"did not answer a query within 1s"):
            await client.query("SELECT sleep(3)")
        gave_up_s = time.monotonic() - t0
        # The watchdog ends the owner 1.5 s into the stuck call; Ray starts it again.
        deadline = time.monotonic() + 60
        answered, pid_after = None, pid_before
        while time.monotonic() < deadline:
            try:
                answered = await client.query("SELECT 2 AS two")
                pid_after = (await owner.status.remote())["pid"]
                if pid_after != pid_before:
                    break
            except (StoreUnavailable, ray.exceptions.RayError):  # the owner is between two lives
                pass
            await asyncio.sleep(0.25)
        return gave_up_s, answered, pid_before, pid_after

    try:
        gave_up_s, answered, pid_before, pid_after = asyncio.run(run())
        assert 0.9 < gave_up_s < 2.0, gave_up_s  # the caller waited its deadline, not the 3 s call
        assert pid_after != pid_before  # a new process holds the store…
        assert answered == [{"two": 2}]  # …and answers
    finally:
        stop(config)


def test_a_call_cancelled_at_its_deadline_never_stalls_the_callers_later_calls(ray_running, tmp_path):
    """Ray runs a caller's actor calls in order unless told otherwise; a call dropped at its deadline
    must not leave the caller's next calls waiting behind it (how `/health` once hung for minutes)."""
    from cluster.store_owner import READ_THREADS

    config, _ = owner_of(tmp_path)

    async def run():
        client = ActorStoreClient(config.namespace)
        hurried = ActorStoreClient(config.namespace, read_timeout_s=0.3)
        busy = [asyncio.ensure_future(client.query("SELECT sleep(3) AS s")) for _ in range(READ_THREADS)]
        await asyncio.sleep(0.5)
        dropped = 0
        for _ in range(3):  # queued behind the busy read threads, then cancelled at the deadline
            try:
                await hurried.query("SELECT 1 AS one")
            except StoreUnavailable:
                dropped += 1
        t0 = time.monotonic()
        small = await client.query("SELECT 2 AS two", small=True)
        small_s = time.monotonic() - t0
        await asyncio.gather(*busy)
        t0 = time.monotonic()
        after = await hurried.query("SELECT 3 AS three")
        return dropped, small, small_s, after, time.monotonic() - t0

    try:
        dropped, small, small_s, after, after_s = asyncio.run(run())
        assert dropped == 3
        assert small == [{"two": 2}] and small_s < 1.0, small_s
        assert after == [{"three": 3}] and after_s < 1.0, after_s
    finally:
        stop(config)


def test_concurrent_block_inserts_share_chdb_inserts_and_each_caller_gets_its_own_outcome(ray_running, tmp_path):
    """Group commit in the real owner: callers at the same time share inserts; a bad block fails alone."""
    from cluster.store import pack_block

    config, owner = owner_of(tmp_path)

    async def run():
        client = ActorStoreClient(config.namespace)
        await client.command("CREATE TABLE gc (k String, v UInt64) ENGINE = MergeTree ORDER BY k")

        def block(i: int) -> bytes:
            return b"".join(pack_block((f"c{i}-{j}", j)) for j in range(200))

        async def call(i: int) -> str:
            data = b"\xc1" if i == 7 else block(i)  # 0xc1: never valid MsgPack, so this block cannot be parsed
            try:
                await client.insert_block("gc", data, 200, ("k", "v"))
                return "ok"
            except Exception as exc:  # noqa: BLE001 - the failing caller's own error
                return type(exc).__name__

        before = await owner.status.remote()
        await asyncio.gather(*(client.insert_block("gc", block(100 + i), 200, ("k", "v")) for i in range(24)))
        shared = await owner.status.remote()
        outcomes = await asyncio.gather(*(call(i) for i in range(24)))
        rows = await client.query("SELECT count() AS n, uniqExact(k) AS keys, countIf(startsWith(k, 'c7-')) AS bad FROM gc")
        return before, shared, outcomes, rows[0], await owner.status.remote()

    try:
        before, shared, outcomes, counts, status = asyncio.run(run())
    finally:
        stop(config)
    assert shared["blocks_stored"] - before["blocks_stored"] == 24
    assert shared["block_inserts"] - before["block_inserts"] < 24  # calls at the same time shared inserts
    assert outcomes[7] != "ok" and all(o == "ok" for i, o in enumerate(outcomes) if i != 7)
    assert counts == {"n": 47 * 200, "keys": 47 * 200, "bad": 0}  # every good block stored once, nothing of the bad
    assert status["blocks_stored"] - shared["blocks_stored"] == 23
