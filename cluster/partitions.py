"""Partitions: which stream a trace goes to, and changing their number P without losing or reordering spans.

Every span of a trace lands in partition ``crc32(trace_id) % P`` (:func:`partition_for`), so one
consumer per group sees a whole trace in order. Changing P moves most traces to another partition,
so it is safe only once every group has acknowledged everything in the old layout: then no span of
any trace is still waiting in an old stream while later ones arrive in a new one.

The procedure (docs/self-hosting.md, "Changing the number of partitions"):

1. stop ingest (agents' SDKs and OTLP exporters retry and buffer meanwhile);
2. ``python -m cluster.partitions drain`` waits until every group's backlog is 0 on every partition;
3. set ``AGENTSTACK_PARTITIONS`` to the new P everywhere and deploy again;
4. resume ingest.

The platform records the layout it runs with in Redis (:data:`LAYOUT_KEY`) and, at start, refuses a
new P while the old layout still has unacknowledged entries (:func:`check_layout`), so skipping
step 1–2 cannot lose or reorder spans; it only delays the start with a message saying what to do.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import zlib
from typing import Any

#: Redis key holding the P the platform last ran with.
LAYOUT_KEY = "agentstack:partitions"


class PartitionChangeRefused(RuntimeError):
    """P changed while the old layout still holds unacknowledged spans."""


def partition_for(trace_id: str, partitions: int) -> int:
    """Stable partition of a trace: every span of one trace lands in the same stream.

    CRC32 of the hex trace id, so every process, language and restart agrees.
    """
    return zlib.crc32(trace_id.encode("ascii")) % partitions


async def layout_backlog(redis: Any, partitions: int) -> dict[int, int]:
    """Backlog (lag + pending entries) of the slowest group on each of partitions 0…P-1."""
    from cluster.backlog import read_backlogs
    from cluster.streams import ingest_stream

    found = await read_backlogs(redis, [ingest_stream(p) for p in range(partitions)])
    return {p: found[ingest_stream(p)] for p in range(partitions)}


async def check_layout(redis: Any, partitions: int) -> int | None:
    """Record `partitions` as the layout, refusing a change while the old layout has a backlog.

    Returns:
        The previous P when it changed (None when it is the first start or unchanged).

    Raises:
        PartitionChangeRefused: P differs from the recorded one and some group still has entries
            to acknowledge in the old partitions.
    """
    raw = await redis.get(LAYOUT_KEY)
    previous = int(raw) if raw is not None else None
    if previous is None or previous == partitions:
        await redis.set(LAYOUT_KEY, partitions)
        return None
    backlog = await layout_backlog(redis, previous)
    waiting = {p: n for p, n in backlog.items() if n}
    if waiting:
        raise PartitionChangeRefused(
            f"AGENTSTACK_PARTITIONS changed from {previous} to {partitions} while the old partitions still hold "
            f"unacknowledged entries ({', '.join(f'partition {p}: {n}' for p, n in sorted(waiting.items()))}); "
            f"start again with AGENTSTACK_PARTITIONS={previous}, stop ingest, run `python -m cluster.partitions drain`, "
            "then change it (docs/self-hosting.md, 'Changing the number of partitions')"
        )
    await redis.set(LAYOUT_KEY, partitions)
    return previous


async def wait_drained(redis: Any, partitions: int, timeout_s: float, interval_s: float = 1.0) -> dict[int, int]:
    """Wait until every group has acknowledged every entry of partitions 0…P-1; returns the last backlog.

    Raises:
        TimeoutError: the backlog was not 0 within `timeout_s` (the message has it per group).
    """
    deadline = time.monotonic() + timeout_s
    while True:
        backlog = await layout_backlog(redis, partitions)
        if not any(backlog.values()):
            return backlog
        if time.monotonic() >= deadline:
            raise TimeoutError(f"partitions not drained after {timeout_s:.0f}s; backlog per partition: {backlog}")
        await asyncio.sleep(interval_s)


def main(argv: list[str] | None = None) -> int:
    """`python -m cluster.partitions drain`: wait until the running layout is fully acknowledged."""
    from cluster.bus import connect_redis
    from cluster.settings import PlatformSettings

    parser = argparse.ArgumentParser(prog="python -m cluster.partitions", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    drain = sub.add_parser("drain", help="wait until every group acknowledged everything (stop ingest first)")
    drain.add_argument("--timeout", type=float, default=600.0, help="seconds (default 600)")
    args = parser.parse_args(argv)
    settings = PlatformSettings()  # type: ignore[call-arg]  # every field comes from the environment or its default

    async def run() -> int:
        redis = connect_redis(settings.effective_redis_url)
        try:
            raw = await redis.get(LAYOUT_KEY)
            partitions = int(raw) if raw is not None else settings.partitions
            await wait_drained(redis, partitions, args.timeout)
        except TimeoutError as exc:
            print(exc, file=sys.stderr)
            return 1
        finally:
            await redis.aclose()
        print(f"drained: all {partitions} partitions acknowledged by every group; you can change AGENTSTACK_PARTITIONS now")
        return 0

    return asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
