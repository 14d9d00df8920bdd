"""The consumer base shared by every pool: XREADGROUP a batch → handle it durably → XACK.

At-least-once, with these rules:

* Entries are acknowledged only after the handler returned. On start (and after a failure) a
  consumer first re-reads its own pending entries (id "0"), then new ones (">").
* A batch is filled up to `max_spans` spans or until `linger_ms` has passed (flush on size or time). The
  linger is adaptive: batches start at most once per `linger_ms`, so a busy stream is handled in batches
  of what arrived over `linger_ms` while an entry reaching a quiet stream (no batch started in the last
  `linger_ms`) is handled at once.
* A *transient* failure (store or network down) keeps the batch in memory and retries it on the next
  poll without re-reading, so an outage never counts as a failed delivery.
* Any other failure is isolated entry by entry: good entries are acknowledged, a failing one stays
  pending and is re-read; once it has been delivered more than `max_deliveries` times it moves to the
  dead-letter stream with its last error and is acknowledged, so the partition keeps moving.
* An entry that cannot be decoded is dead-lettered at once.
* `reclaim()` (the janitor) takes over entries of the consumer's partitions that sat unacknowledged
  longer than `claim_idle_ms` under another (dead or former) consumer, with XAUTOCLAIM.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgpack
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from cluster.store import StoreUnavailable
from cluster.streams import DEAD_LETTER_STREAM, ENTRY_SPANS

logger = logging.getLogger(__name__)

SpanHandler = Callable[[list[Any]], Awaitable[object]]
#: Stream entry fields → the items a handler takes, one per span (default: the wire spans, `decode_entry`).
EntryDecoder = Callable[[dict[bytes, bytes]], list[Any]]
Entry = tuple[str, bytes, dict[bytes, bytes]]


class RetryableError(RuntimeError):
    """Raise from a handler to say: the sink is unavailable, keep the batch and retry it later."""


def is_transient(exc: BaseException) -> bool:
    """True for failures of the sink or the network rather than of the data."""
    if isinstance(exc, (RetryableError, StoreUnavailable, ConnectionError, TimeoutError, RedisConnectionError, RedisTimeoutError)):
        return True
    try:
        from clickhouse_connect.driver.exceptions import OperationalError
    except ImportError:  # pragma: no cover - clickhouse-connect is a dependency
        return False
    return isinstance(exc, OperationalError)


@dataclass
class ConsumerStats:
    batches: int = 0
    spans: int = 0
    handler_failures: int = 0
    transient_failures: int = 0
    dead_lettered: int = 0
    reclaimed: int = 0
    last_error: str = ""
    last_batch_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def decode_entry(fields: dict[bytes, bytes]) -> list[dict[str, Any]]:
    """The spans carried by one stream entry (a msgpack list under the `spans` field)."""
    spans = msgpack.unpackb(fields[ENTRY_SPANS], raw=False)
    if not isinstance(spans, list):
        raise ValueError(f"entry carries {type(spans).__name__}, expected a list of spans")
    return spans


@dataclass
class _Batch:
    entries: list[tuple[str, bytes, list[Any]]]  # (stream, id, decoded items: one per span) of decodable entries
    empty: list[tuple[str, bytes]]  # pending ids whose entry was trimmed or dead-lettered: just ack

    @property
    def spans(self) -> list[Any]:
        return [span for _, _, spans in self.entries for span in spans]


class StreamConsumer:
    """One consumer of one group over a set of partition streams (changeable between batches)."""

    def __init__(
        self,
        redis: aioredis.Redis,
        group: str,
        consumer: str,
        streams: list[str],
        handler: SpanHandler,
        count: int = 100,
        block_ms: int = 500,
        max_spans: int | None = None,
        linger_ms: int = 0,
        max_deliveries: int = 5,
        claim_idle_ms: int = 30_000,
        dead_letter_stream: str = DEAD_LETTER_STREAM,
        decode: EntryDecoder = decode_entry,
    ) -> None:
        if not streams:
            raise ValueError(f"consumer {consumer!r} of group {group!r} was given no streams")
        if max_deliveries < 1:
            raise ValueError(f"max_deliveries ({max_deliveries}) must be ≥ 1")
        self.redis = redis
        self.group = group
        self.consumer = consumer
        self.streams = list(streams)
        self.handler = handler
        self.count = count
        self.block_ms = block_ms
        self.max_spans = max_spans
        self.linger_ms = linger_ms
        self.max_deliveries = max_deliveries
        self.claim_idle_ms = claim_idle_ms
        self.dead_letter_stream = dead_letter_stream
        self.decode = decode
        self.stats = ConsumerStats()
        self._own_pending = True  # start by re-reading what this consumer was given and never acked
        self._held: _Batch | None = None  # a batch whose sink was unavailable: retried before reading
        self._errors: dict[tuple[str, bytes], str] = {}  # last error of entries left pending
        self._spans_per_entry = 1.0  # running average: sizes reads so a batch stays near max_spans
        self._last_start: float | None = None  # when the last batch was handed to the handler (monotonic)

    def assign(self, streams: list[str]) -> None:
        """Consume `streams` from the next batch on (call between batches)."""
        if not streams:
            raise ValueError(f"consumer {self.consumer!r} of group {self.group!r} was given no streams")
        self.streams = list(streams)
        self._own_pending = True

    async def ensure_groups(self) -> None:
        """Create the group on every stream (and the stream itself) if missing."""
        for stream in self.streams:
            try:
                await self.redis.xgroup_create(stream, self.group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def poll_once(self) -> int:
        """Fill, handle and acknowledge one batch; returns the spans handled.

        Raises:
            Exception: what the handler raised when the whole batch failed; its entries stay
                pending (held in memory for a transient failure) and are retried first.
        """
        batch = self._held or await self._fill()
        if batch is None:
            return 0
        self._held = None
        self._last_start = time.monotonic()
        started = time.perf_counter()
        spans = batch.spans
        try:
            if spans:
                await self.handler(spans)
        except Exception as exc:
            self._note_failure(exc)
            if is_transient(exc) or len(batch.entries) <= 1:
                if is_transient(exc):
                    self.stats.transient_failures += 1
                    self._held = batch
                else:
                    self._remember(batch.entries, exc)
                    self._own_pending = True
                raise
            return await self._isolate(batch, exc)
        await self._ack([(s, i) for s, i, _ in batch.entries] + batch.empty)
        self.stats.batches += 1
        self.stats.spans += len(spans)
        self.stats.last_batch_s = time.perf_counter() - started
        return len(spans)

    async def reclaim(self) -> int:
        """Janitor: claim entries idle past `claim_idle_ms` in this consumer's streams; returns how many.

        JUSTID leaves the delivery counter alone; the claimed entries become this consumer's own
        pending entries and are read (and counted as a delivery) on the next poll.
        """
        claimed = 0
        for stream in self.streams:
            held = {i for s, i, _ in (self._held.entries if self._held else []) if s == stream}
            for _ in range(100):  # redis-py drops the cursor with JUSTID: restart until a short page
                ids: Any = await self.redis.xautoclaim(
                    stream, self.group, self.consumer, self.claim_idle_ms, start_id="0-0", count=self.count, justid=True
                )
                claimed += sum(1 for i in ids if i not in held)
                if len(ids) < self.count:
                    break
        if claimed:
            self.stats.reclaimed += claimed
            self._own_pending = True
            logger.warning("%s/%s: reclaimed %d idle entries from other consumers", self.group, self.consumer, claimed)
        return claimed

    async def _fill(self) -> _Batch | None:
        """Read entries until `max_spans` spans or the batch's deadline (own pending first).

        Once the batch holds an entry, reads wait (XREADGROUP BLOCK) at most until that deadline for more,
        so a steady trickle becomes one batch per `linger_ms` rather than one per round trip: fewer, larger
        inserts downstream, each costing far less per span. The deadline is the earlier of `linger_ms`
        after the first entry reached the stream (its id's milliseconds: entries that already waited while
        the previous batch was handled are not held back again) and `linger_ms` after the previous batch
        started: batches still start at most once per `linger_ms` under load, but an entry reaching a
        quiet stream is handled as soon as it is read (what waiting would save is one insert per
        `linger_ms` at most, while it would add the whole linger to that entry's delay).
        """
        batch = _Batch([], [])
        n_spans = 0
        deadline: float | None = None
        while True:
            own = self._own_pending
            count = self._read_count(n_spans)
            if not batch.entries and not batch.empty:
                wait_ms: int | None = self.block_ms
            else:
                left_ms = int(((deadline or 0.0) - time.monotonic()) * 1000)
                wait_ms = left_ms if left_ms > 0 else None  # BLOCK 0 would wait forever
            entries = await self._read(own, block=wait_ms is not None, count=count, block_ms=wait_ms)
            if deadline is None and entries:
                deadline = time.monotonic() + self.linger_ms / 1000 - _waited_s(entries[0][1])
                if self._last_start is not None:
                    deadline = min(deadline, self._last_start + self.linger_ms / 1000)
            if not entries:
                if own:
                    self._own_pending = False
                    continue
                break
            if own:
                entries = await self._drop_exhausted(entries)
            before = n_spans
            for stream, entry_id, fields in entries:
                if not fields:  # a pending entry already trimmed from the stream: nothing left to handle
                    batch.empty.append((stream, entry_id))
                    continue
                try:
                    spans = self.decode(fields)
                except Exception as exc:  # noqa: BLE001 - any decode failure makes it a poison entry
                    await self._dead_letter(stream, entry_id, fields, f"cannot decode: {type(exc).__name__}: {exc}")
                    batch.empty.append((stream, entry_id))
                    continue
                batch.entries.append((stream, entry_id, spans))
                n_spans += len(spans)
            if entries:
                self._spans_per_entry = 0.7 * self._spans_per_entry + 0.3 * max(1.0, (n_spans - before) / len(entries))
            if own or self.max_spans is None or n_spans >= self.max_spans or time.monotonic() >= (deadline or 0.0):
                break
        return batch if batch.entries or batch.empty else None

    def _read_count(self, n_spans: int) -> int:
        """Entries to ask per stream so the batch lands near `max_spans` (never above `count`)."""
        if self.max_spans is None:
            return self.count
        remaining = max(self.max_spans - n_spans, 1)
        per_stream = remaining / self._spans_per_entry / len(self.streams)
        return max(1, min(self.count, int(per_stream + 0.999)))

    async def _read(self, own: bool, block: bool, count: int | None = None, block_ms: int | None = None) -> list[Entry]:
        response: Any = await self.redis.xreadgroup(
            self.group,
            self.consumer,
            {stream: "0" if own else ">" for stream in self.streams},
            count=count or self.count,
            block=None if own or not block else (block_ms or self.block_ms),
        )
        return [
            (stream.decode() if isinstance(stream, bytes) else stream, entry_id, fields)
            for stream, items in (response or [])
            for entry_id, fields in items
        ]

    async def _drop_exhausted(self, entries: list[Entry]) -> list[Entry]:
        """Dead-letter re-read entries delivered more than `max_deliveries` times; keep the rest."""
        keep: list[Entry] = []
        for stream, entry_id, fields in entries:
            info: Any = await self.redis.xpending_range(stream, self.group, min=entry_id, max=entry_id, count=1)
            delivered = int(info[0]["times_delivered"]) if info else 0
            if delivered > self.max_deliveries and fields:
                last = self._errors.pop((stream, entry_id), "unknown (failed in an earlier process)")
                await self._dead_letter(stream, entry_id, fields, f"failed {delivered - 1} deliveries; last error: {last}")
                await self._ack([(stream, entry_id)])
                continue
            keep.append((stream, entry_id, fields))
        return keep

    async def _isolate(self, batch: _Batch, first: Exception) -> int:
        """Handle each entry alone: ack the good ones, leave the failing ones pending."""
        failed: list[tuple[str, bytes, list[Any]]] = []
        done: list[tuple[str, bytes]] = list(batch.empty)
        handled = 0
        for stream, entry_id, spans in batch.entries:
            try:
                await self.handler(spans)
            except Exception as exc:  # noqa: BLE001 - classified below
                if is_transient(exc):
                    await self._ack(done)
                    self.stats.transient_failures += 1
                    self._held = _Batch([e for e in batch.entries if (e[0], e[1]) not in set(done)], [])
                    raise
                failed.append((stream, entry_id, spans))
                self._errors[(stream, entry_id)] = f"{type(exc).__name__}: {exc}"[:2000]
                continue
            done.append((stream, entry_id))
            handled += len(spans)
        await self._ack(done)
        if len(failed) == len(batch.entries):
            # Every entry fails alone too: the cause is not one entry. Keep the batch, like an outage.
            self._held = _Batch(failed, [])
            raise first
        if failed:
            self._own_pending = True
            logger.warning("%s/%s: %d entries failed and stay pending (%s)", self.group, self.consumer, len(failed), first)
        self.stats.batches += 1
        self.stats.spans += handled
        return handled

    def _note_failure(self, exc: Exception) -> None:
        self.stats.handler_failures += 1
        self.stats.last_error = f"{type(exc).__name__}: {exc}"[:500]

    def _remember(self, entries: list[tuple[str, bytes, list[Any]]], exc: Exception) -> None:
        for stream, entry_id, _ in entries:
            self._errors[(stream, entry_id)] = f"{type(exc).__name__}: {exc}"[:2000]

    async def _ack(self, ids: list[tuple[str, bytes]]) -> None:
        if not ids:
            return
        by_stream: dict[str, list[bytes]] = {}
        for stream, entry_id in ids:
            by_stream.setdefault(stream, []).append(entry_id)
            self._errors.pop((stream, entry_id), None)
        pipe = self.redis.pipeline(transaction=False)
        for stream, entry_ids in by_stream.items():
            pipe.xack(stream, self.group, *entry_ids)
        await pipe.execute()

    async def _dead_letter(self, stream: str, entry_id: bytes, fields: dict[bytes, bytes], error: str) -> None:
        logger.error("entry %s of %s (group %s): %s; moved to %s", entry_id, stream, self.group, error, self.dead_letter_stream)
        record: dict[Any, Any] = {"stream": stream, "entry_id": entry_id, "group": self.group, "error": error[:2000]}
        record.update({b"field:" + key: value for key, value in fields.items()})
        await self.redis.xadd(self.dead_letter_stream, record)
        self.stats.dead_lettered += 1


def _waited_s(entry_id: bytes | str) -> float:
    """How long ago an entry reached its stream, from the milliseconds in its id (0 if unknown or ahead)."""
    try:
        added_ms = int(entry_id.split(b"-" if isinstance(entry_id, bytes) else "-", 1)[0])  # type: ignore[arg-type]
    except ValueError:
        return 0.0
    return min(max(time.time() - added_ms / 1000, 0.0), 3600.0)


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds` or until `stop` is set; True when stopping."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
