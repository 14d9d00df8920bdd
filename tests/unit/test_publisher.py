"""The ingest publisher's buffer: publish, buffer while the bus is away, refuse when full, drain in order."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from serve_apps.publisher import BufferedPublisher, BufferFull


class Bus:
    """Pure-logic stand-in for `publish_spans` (the real XADD path is covered by the integration tests)."""

    def __init__(self) -> None:
        self.up = True
        self.published: list[dict] = []

    async def publish(self, _redis, by_partition):
        if not self.up:
            raise RedisConnectionError("connection refused")
        self.published.append(by_partition)
        return sum(len(s) for s in by_partition.values())


def chunk(n: int, tag: str) -> dict:
    return {0: [{"id": f"{tag}{i}"} for i in range(n)]}


def test_buffers_while_down_refuses_when_full_and_drains_in_order():
    async def scenario():
        bus = Bus()
        pub = BufferedPublisher(None, capacity=10, retry_interval_s=0.01, publish=bus.publish)
        assert await pub.submit(chunk(3, "a")) == "published"
        bus.up = False
        assert await pub.submit(chunk(4, "b")) == "buffered" and not pub.redis_ok
        assert await pub.submit(chunk(6, "c")) == "buffered" and pub.full
        with pytest.raises(BufferFull):
            await pub.submit(chunk(1, "d"))
        await asyncio.sleep(0.05)
        assert pub.buffered_spans == 10, "nothing is lost while the bus is down"
        bus.up = True
        for _ in range(100):
            if pub.buffered_spans == 0:
                break
            await asyncio.sleep(0.01)
        assert await pub.submit(chunk(1, "e")) == "published"
        await pub.stop()
        return bus.published, pub

    published, pub = asyncio.run(scenario())
    assert [c[0][0]["id"][0] for c in published] == ["a", "b", "c", "e"]
    assert pub.redis_ok and pub.buffered_spans == 0


def test_new_spans_queue_behind_buffered_ones():
    async def scenario():
        bus = Bus()
        pub = BufferedPublisher(None, capacity=100, retry_interval_s=10, publish=bus.publish)
        bus.up = False
        await pub.submit(chunk(1, "a"))
        bus.up = True
        outcome = await pub.submit(chunk(1, "b"))  # the retry loop has not run yet: keep the order
        assert await pub.flush_once() == 1 and await pub.flush_once() == 1
        await pub.stop()
        return outcome, bus.published

    outcome, published = asyncio.run(scenario())
    assert outcome == "buffered" and [c[0][0]["id"] for c in published] == ["a0", "b0"]
