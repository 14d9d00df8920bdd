"""Stream backlogs and safe trimming of the partition streams (Redis only, no Ray): the one backlog module.

The backlog of a consumer group on a stream is what it still has to do: `lag` (entries not yet
delivered to the group) plus `pending` (delivered, not yet acknowledged), both from `XINFO GROUPS`
(:func:`lag_plus_pending` is the one rule). Ingest reads the slowest group's backlog of each stream
for backpressure (429 above a ceiling, :class:`BacklogMonitor`); the pool supervisors scale on their
own group's backlog (:func:`group_backlog`) and trim what every group has acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from redis.exceptions import RedisError, ResponseError

logger = logging.getLogger(__name__)


def as_text(value: Any) -> str:
    """A Redis reply field as str (bytes decoded)."""
    return value.decode() if isinstance(value, bytes) else str(value)


def lag_plus_pending(group: Mapping[Any, Any], stream_length: int) -> int:
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
        out[name] = max((lag_plus_pending(g, length) for g in groups), default=0)
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


@dataclass(frozen=True)
class GroupBacklog:
    """One consumer group's backlog on one stream."""

    stream: str
    group: str
    lag: int
    pending: int

    @property
    def total(self) -> int:
        """Entries the group still has to process (lag + pending)."""
        return self.lag + self.pending


def _id_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


async def _groups(redis: Any, stream: str) -> list[dict[Any, Any]]:
    try:
        return list(await redis.xinfo_groups(stream))
    except ResponseError as exc:  # the stream does not exist yet
        if "no such key" in str(exc).lower():
            return []
        raise


async def stream_backlog(redis: Any, stream: str, group: str | None = None) -> list[GroupBacklog]:
    """Backlog of every group (or just `group`) on one stream, by :func:`lag_plus_pending`."""
    out = []
    length: int | None = None
    for info in await _groups(redis, stream):
        name = as_text(info["name"])
        if group is not None and name != group:
            continue
        if info.get("lag") is None and length is None:
            length = int(await redis.xlen(stream))
        pending = int(info.get("pending", 0))
        total = lag_plus_pending(info, length or 0)
        out.append(GroupBacklog(stream, name, total - pending, pending))
    return out


async def group_backlog(redis: Any, streams: Iterable[str], group: str) -> dict[str, GroupBacklog]:
    """The backlog of `group` on each of `streams` (streams without the group are left out)."""
    out: dict[str, GroupBacklog] = {}
    for stream in streams:
        for backlog in await stream_backlog(redis, stream, group):
            out[stream] = backlog
    return out


async def safe_trim_id(redis: Any, stream: str) -> str | None:
    """The lowest entry id some group still needs (its oldest pending, else its last delivered + 1).

    Everything below it has been acknowledged by every group. None when the stream has no group.
    """
    floor: tuple[int, int] | None = None
    for info in await _groups(redis, stream):
        name = as_text(info["name"])
        summary: Any = await redis.xpending(stream, name) if int(info.get("pending", 0)) > 0 else None
        if summary and summary.get("min") is not None:  # acknowledged between XINFO and XPENDING: none pending
            needed = _id_key(as_text(summary["min"]))
        else:
            ms, seq = _id_key(as_text(info.get("last-delivered-id", "0-0")))
            needed = (ms, seq + 1)
        floor = needed if floor is None or needed < floor else floor
    return None if floor is None else f"{floor[0]}-{floor[1]}"


async def trim_acknowledged(redis: Any, stream: str) -> int:
    """XTRIM MINID: drop the entries every group has acknowledged; returns how many were removed."""
    minid = await safe_trim_id(redis, stream)
    if minid is None or minid in ("0-0", "0-1"):
        return 0
    return int(await redis.xtrim(stream, minid=minid, approximate=False))
