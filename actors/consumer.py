"""The consumer base shared by every pool: XREADGROUP a batch → handle it durably → XACK.

At-least-once: entries are acknowledged only after the handler returned. If the handler fails the
entries stay pending for this consumer and are read again (own pending entries first, id "0")
before anything new. An entry that cannot even be decoded goes to the dead-letter stream with the
error instead of blocking its partition.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgpack
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from cluster.streams import DEAD_LETTER_STREAM, ENTRY_SPANS

logger = logging.getLogger(__name__)

SpanHandler = Callable[[list[dict[str, Any]]], Awaitable[object]]


@dataclass
class ConsumerStats:
    batches: int = 0
    spans: int = 0
    handler_failures: int = 0
    dead_lettered: int = 0
    last_error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def decode_entry(fields: dict[bytes, bytes]) -> list[dict[str, Any]]:
    """The spans carried by one stream entry (a msgpack list under the `spans` field)."""
    spans = msgpack.unpackb(fields[ENTRY_SPANS], raw=False)
    if not isinstance(spans, list):
        raise ValueError(f"entry carries {type(spans).__name__}, expected a list of spans")
    return spans


class StreamConsumer:
    """One consumer of one group over a fixed set of partition streams."""

    def __init__(
        self,
        redis: aioredis.Redis,
        group: str,
        consumer: str,
        streams: list[str],
        handler: SpanHandler,
        count: int = 100,
        block_ms: int = 500,
    ) -> None:
        if not streams:
            raise ValueError(f"consumer {consumer!r} of group {group!r} was given no streams")
        self.redis = redis
        self.group = group
        self.consumer = consumer
        self.streams = streams
        self.handler = handler
        self.count = count
        self.block_ms = block_ms
        self.stats = ConsumerStats()
        self._own_pending = True  # start by re-reading what this consumer was given and never acked

    async def ensure_groups(self) -> None:
        """Create the group on every stream (and the stream itself) if missing."""
        for stream in self.streams:
            try:
                await self.redis.xgroup_create(stream, self.group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def poll_once(self) -> int:
        """Read one batch, hand its spans to the handler, acknowledge them; returns spans handled.

        Raises:
            Exception: whatever the handler raised; the batch stays pending and is read again.
        """
        entries = await self._read()
        if not entries:
            return 0
        spans: list[dict[str, Any]] = []
        acks: dict[str, list[bytes]] = {}
        for stream, entry_id, fields in entries:
            acks.setdefault(stream, []).append(entry_id)
            if not fields:  # a pending entry already trimmed from the stream: nothing left to handle
                continue
            try:
                spans.extend(decode_entry(fields))
            except Exception as exc:  # noqa: BLE001 - any decode failure makes it a poison entry
                await self._dead_letter(stream, entry_id, fields, exc)
        try:
            if spans:
                await self.handler(spans)
        except Exception as exc:
            self.stats.handler_failures += 1
            self.stats.last_error = f"{type(exc).__name__}: {exc}"
            self._own_pending = True
            raise
        pipe = self.redis.pipeline(transaction=False)
        for stream, ids in acks.items():
            pipe.xack(stream, self.group, *ids)
        await pipe.execute()
        self.stats.batches += 1
        self.stats.spans += len(spans)
        return len(spans)

    async def _read(self) -> list[tuple[str, bytes, dict[bytes, bytes]]]:
        """Own pending entries first (id "0"); once none are left, new entries (">", blocking)."""
        while True:
            own = self._own_pending
            response: Any = await self.redis.xreadgroup(
                self.group,
                self.consumer,
                {stream: "0" if own else ">" for stream in self.streams},
                count=self.count,
                block=None if own else self.block_ms,
            )
            entries = [
                (stream.decode() if isinstance(stream, bytes) else stream, entry_id, fields)
                for stream, items in (response or [])
                for entry_id, fields in items
            ]
            if entries or not own:
                return entries
            self._own_pending = False

    async def _dead_letter(self, stream: str, entry_id: bytes, fields: dict[bytes, bytes], exc: Exception) -> None:
        logger.error("entry %s of %s cannot be decoded (%s); moved to %s", entry_id, stream, exc, DEAD_LETTER_STREAM)
        record: dict[Any, Any] = {
            "stream": stream,
            "entry_id": entry_id,
            "group": self.group,
            "error": f"{type(exc).__name__}: {exc}"[:2000],
        }
        record.update({b"field:" + key: value for key, value in fields.items()})
        await self.redis.xadd(DEAD_LETTER_STREAM, record)
        self.stats.dead_lettered += 1
