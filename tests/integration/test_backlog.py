"""Stream backlogs (lag + pending of the slowest group) read from a real Valkey/Redis."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from cluster.backlog import BacklogMonitor, lag_plus_pending, read_backlogs


def test_backlog_is_lag_plus_pending_of_the_slowest_group(redis_url):
    async def run():
        r = aioredis.from_url(redis_url)
        try:
            await r.xgroup_create("s.a", "fast", id="0", mkstream=True)
            await r.xgroup_create("s.a", "slow", id="0")
            for i in range(5):
                await r.xadd("s.a", {"i": i})
            read = await r.xreadgroup("fast", "c", {"s.a": ">"}, count=5)
            await r.xack("s.a", "fast", *[entry_id for entry_id, _ in read[0][1]])  # fast: backlog 0
            await r.xreadgroup("slow", "c", {"s.a": ">"}, count=2)  # slow: 2 pending + lag 3
            await r.xadd("s.nogroup", {"i": 0})
            backlogs = await read_backlogs(r, ["s.a", "s.nogroup", "s.missing"])
            monitor = BacklogMonitor(r, ["s.a"], ceiling=4, interval_s=60)
            await monitor.refresh()
            return backlogs, monitor.over_ceiling("s.a"), monitor.over_ceiling("s.other")
        finally:
            await r.aclose()

    backlogs, over, other = asyncio.run(run())
    assert backlogs == {"s.a": 5, "s.nogroup": 0, "s.missing": 0}
    assert over and not other


def test_unknown_lag_counts_the_whole_stream():
    assert lag_plus_pending({b"name": b"g", b"pending": 2, b"lag": None}, stream_length=10) == 12
    assert lag_plus_pending({"name": "g", "pending": 0, "lag": 3}, stream_length=10) == 3
