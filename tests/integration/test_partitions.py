"""Changing the partition count P: refused while the old layout holds unacknowledged spans, allowed once drained."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from cluster.bus import publish_spans
from cluster.partitions import LAYOUT_KEY, PartitionChangeRefused, check_layout, partition_for, wait_drained
from cluster.streams import ingest_stream


def _spans(trace_ids: list[str], partitions: int) -> dict[int, list[dict]]:
    by_partition: dict[int, list[dict]] = {}
    for trace_id in trace_ids:
        by_partition.setdefault(partition_for(trace_id, partitions), []).append(
            # a validated wire span, as ingest publishes it (the bus encodes each span's row once)
            {"project_id": "p", "trace_id": trace_id, "span_id": "01" * 8, "name": "step", "start_time": 1, "end_time": 2}
        )
    return by_partition


async def _consume_all(r, partitions: int, group: str) -> int:
    acked = 0
    for p in range(partitions):
        read = await r.xreadgroup(group, "c", {ingest_stream(p): ">"}, count=1000)
        for _, entries in read:
            acked += await r.xack(ingest_stream(p), group, *[entry_id for entry_id, _ in entries])
    return acked


def test_growing_partitions_waits_for_the_old_layout_to_drain(redis_url):
    traces = [f"{i:032x}" for i in range(40)]

    async def run():
        r = aioredis.from_url(redis_url)
        try:
            assert await check_layout(r, 2) is None  # first start records P = 2
            for p in range(2):
                await r.xgroup_create(ingest_stream(p), "writer", id="0", mkstream=True)
            await publish_spans(r, _spans(traces, 2))
            with pytest.raises(PartitionChangeRefused, match="from 2 to 4.*cluster.partitions drain"):
                await check_layout(r, 4)
            assert int(await r.get(LAYOUT_KEY)) == 2  # nothing changed
            with pytest.raises(TimeoutError, match="not drained"):
                await wait_drained(r, 2, timeout_s=0.3, interval_s=0.1)
            acked = await _consume_all(r, 2, "writer")
            assert await wait_drained(r, 2, timeout_s=5, interval_s=0.1) == {0: 0, 1: 0}
            assert await check_layout(r, 4) == 2  # drained: the change goes through
            assert int(await r.get(LAYOUT_KEY)) == 4
            assert await check_layout(r, 4) is None
            return acked
        finally:
            await r.aclose()

    assert asyncio.run(run()) == 2  # one entry per partition, each carrying that partition's traces
