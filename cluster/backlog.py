"""Stream backlog: how far the slowest consumer group of a stream is behind.

A stream's backlog is, over its consumer groups, the largest `lag` (entries not yet delivered to the
group) plus `pending` (delivered, not yet acknowledged), both from `XINFO GROUPS`. Ingest uses it
for backpressure (429 above a ceiling); the consumer pools can use it to scale on their lag.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Any

from redis.exceptions import RedisError, ResponseError

logger = logging.getLogger(__name__)


def as_text(value: Any) -> str:
    """A Redis reply field as str (bytes decoded)."""
    return value.decode() if isinstance(value, bytes) else str(value)


def group_backlog(group: dict[Any, Any], stream_length: int) -> int:
    """Lag + pending of one `XINFO GROUPS` entry.

    `lag` is missing before Redis 7 and nil when Redis cannot tell (after deletions); then every
    entry of the stream counts, the safe over-estimate.
    """
    info = {as_text(key): value for key, value in group.items()}
    lag = info.get("lag")
    pending = int(info.get("pending") or 0)
    return (stream_length if lag is None else int(lag)) + pending


async def read_backlogs(redis: Any, streams: Iterable[str]) -> dict[str, int]:
    """The backlog of each stream (0 for a stream without groups or that does not exist yet)."""
    names = list(streams)
    pipe = redis.pipeline(transaction=False)
    for name in names:
        pipe.xinfo_groups(name)
        pipe.xlen(name)
    results = await pipe.execute(raise_on_error=False)
    out: dict[str, int] = {}
    for i, name in enumerate(names):
        groups, length = results[2 * i], results[2 * i + 1]
        if isinstance(groups, ResponseError):  # "no such key": the stream does not exist yet
            out[name] = 0
            continue
        if isinstance(groups, Exception):
            raise groups
        length = 0 if isinstance(length, Exception) else int(length)
        out[name] = max((group_backlog(g, length) for g in groups), default=0)
    return out


class BacklogMonitor:
    """Keeps the backlog of a set of streams fresh (at most one `XINFO` round trip per `interval_s`).

    `over_ceiling(stream)` answers from memory, so the hot path never waits on Redis for it. When
    Redis cannot be read the last known values stay (and `error` says why).
    """

    def __init__(self, redis: Any, streams: list[str], ceiling: int, interval_s: float = 1.0) -> None:
        self._redis = redis
        self._streams = streams
        self.ceiling = ceiling
        self.interval_s = interval_s
        self.backlogs: dict[str, int] = {}
        self.error: str | None = None
        self._checked_at = 0.0
        self._lock = asyncio.Lock()

    async def refresh(self, force: bool = False) -> dict[str, int]:
        """Re-read the backlogs when older than `interval_s` (or always with `force`)."""
        if not force and time.monotonic() - self._checked_at < self.interval_s:
            return self.backlogs
        async with self._lock:
            if not force and time.monotonic() - self._checked_at < self.interval_s:
                return self.backlogs
            try:
                self.backlogs = await read_backlogs(self._redis, self._streams)
                self.error = None
            except (RedisError, OSError) as exc:
                self.error = str(exc)
            self._checked_at = time.monotonic()
        return self.backlogs

    def over_ceiling(self, stream: str) -> bool:
        """True when the stream's last known backlog passes the ceiling."""
        return self.backlogs.get(stream, 0) > self.ceiling
