"""Per-group backlog and safe trimming of the partition streams (Redis only, no Ray).

The backlog of a group on a stream is what it still has to do: entries not yet delivered (XINFO
GROUPS `lag`) plus entries delivered but not acknowledged (`pending`). Ingest reads it for
backpressure and the pool supervisors scale on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from cluster.backlog import as_text, group_backlog as lag_plus_pending


@dataclass(frozen=True)
class GroupBacklog:
    stream: str
    group: str
    lag: int
    pending: int

    @property
    def total(self) -> int:
        return self.lag + self.pending


def _id_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


async def _groups(redis: aioredis.Redis, stream: str) -> list[dict[str, Any]]:
    try:
        return list(await redis.xinfo_groups(stream))
    except ResponseError as exc:  # the stream does not exist yet
        if "no such key" in str(exc).lower():
            return []
        raise


async def stream_backlog(redis: aioredis.Redis, stream: str, group: str | None = None) -> list[GroupBacklog]:
    """Backlog of every group (or just `group`) on one stream.

    Lag follows the one rule in `cluster.backlog.group_backlog` (shared with ingest backpressure):
    when Redis cannot tell the lag (nil after some deletions), the stream's length counts instead,
    a cheap over-estimate.
    """
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


async def group_backlog(redis: aioredis.Redis, streams: list[str], group: str) -> dict[str, GroupBacklog]:
    """The backlog of `group` on each of `streams` (streams without the group are left out)."""
    out: dict[str, GroupBacklog] = {}
    for stream in streams:
        for backlog in await stream_backlog(redis, stream, group):
            out[stream] = backlog
    return out


async def safe_trim_id(redis: aioredis.Redis, stream: str) -> str | None:
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


async def trim_acknowledged(redis: aioredis.Redis, stream: str) -> int:
    """XTRIM MINID: drop the entries every group has acknowledged; returns how many were removed."""
    minid = await safe_trim_id(redis, stream)
    if minid is None or minid in ("0-0", "0-1"):
        return 0
    return int(await redis.xtrim(stream, minid=minid, approximate=False))
