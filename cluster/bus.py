"""The span bus on Redis Streams: publishing batches of spans to their partitions."""

from __future__ import annotations

from typing import Any

import msgpack
import redis.asyncio as aioredis

from cluster.streams import ENTRY_COUNT, ENTRY_SPANS, ingest_stream


def connect_redis(url: str) -> aioredis.Redis:
    """An asyncio Redis client for `url` (bytes responses; streams carry msgpack)."""
    return aioredis.from_url(url, socket_connect_timeout=2, socket_timeout=10, health_check_interval=30)


async def publish_spans(redis: aioredis.Redis, by_partition: dict[int, list[dict[str, Any]]]) -> int:
    """XADD one entry per partition carrying that partition's spans, in one pipelined round trip.

    Entries carrying many spans are 4–5× cheaper than one entry per span (see ARCHITECTURE.md).
    Returns the number of spans published.
    """
    if not by_partition:
        return 0
    pipe = redis.pipeline(transaction=False)
    for partition, spans in by_partition.items():
        pipe.xadd(ingest_stream(partition), {ENTRY_SPANS: msgpack.packb(spans, use_bin_type=True), ENTRY_COUNT: len(spans)})
    await pipe.execute()
    return sum(len(spans) for spans in by_partition.values())
