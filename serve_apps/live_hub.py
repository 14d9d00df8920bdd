"""One live replica's fan-out: a supervised XREAD loop over `spans.live` and `alerts.live`, a flusher, and its clients.

The reader never waits on a client: it files each entry's slice under its project (only projects someone
listens to). At most every `coalesce_s` (at once after a quiet interval) the flusher encodes what arrived once per (project, filters, format) and
hands that same frame to each such client's outbox, so per-client work is O(1) per flush. Each client's
outbox is bounded by a byte budget confirmed by the client's pongs (Serve's `send` only queues); over it,
data is dropped for that client (it is told) and a client stuck over it is closed (serve_apps/live.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from cluster.streams import ALERTS_STREAM, LIVE_SPANS_STREAM
from serve_apps.live_messages import (
    LiveFilters,
    ProjectSlice,
    StreamId,
    alert_slices,
    batch_frame,
    control,
    format_cursor,
    parse_cursor,
    parse_stream_id,
    span_slices,
)

logger = logging.getLogger(__name__)

STREAMS = (LIVE_SPANS_STREAM, ALERTS_STREAM)


class LiveMetrics:
    """Ray metrics of one live replica: open sockets, messages pushed (and per second), drops, delays."""

    def __init__(self, replica: str) -> None:
        self._tags = {"replica": replica}
        self.sockets = 0
        self.pushed = 0
        self.dropped = 0
        self._window_start = time.monotonic()
        self._window_messages = 0
        self._m: dict[str, Any] = {}
        try:
            from ray.util import metrics as m

            keys = ("replica",)
            delay_bounds = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 5, 10]
            self._m = {
                "sockets": m.Gauge("agentstack_live_sockets", "Open live WebSockets", tag_keys=keys),
                "messages": m.Counter("agentstack_live_messages", "Live messages pushed to clients", tag_keys=keys),
                "rate": m.Gauge("agentstack_live_messages_per_second", "Live messages pushed per second (10 s window)", tag_keys=keys),
                "dropped": m.Counter("agentstack_live_dropped", "Live messages dropped for slow clients", tag_keys=keys),
                "delay": m.Histogram(
                    "agentstack_live_delay_seconds",
                    "Span durably written (writer) → pushed to the socket; the oldest message of each frame",
                    boundaries=delay_bounds, tag_keys=keys,
                ),
                "since_end": m.Histogram(
                    "agentstack_live_since_span_end_seconds",
                    "Span ended (agent clock; includes SDK batching and ingest) → pushed; oldest of each frame",
                    boundaries=delay_bounds, tag_keys=keys,
                ),
            }
        except Exception:  # noqa: BLE001 - metrics are optional outside a Ray worker
            logger.debug("live metrics unavailable", exc_info=True)

    def socket_count(self, count: int) -> None:
        self.sockets = count
        if self._m:
            self._m["sockets"].set(count, tags=self._tags)

    def frame(self, messages: int, written_ms: int, ended_ms: int) -> None:
        self.pushed += messages
        self._window_messages += messages
        if not self._m:
            return
        now_ms = time.time() * 1000
        self._m["messages"].inc(messages, tags=self._tags)
        if written_ms:
            self._m["delay"].observe(max(0.0, now_ms - written_ms) / 1000, tags=self._tags)
        if ended_ms:
            self._m["since_end"].observe(max(0.0, now_ms - ended_ms) / 1000, tags=self._tags)
        elapsed = time.monotonic() - self._window_start
        if elapsed >= 10:
            self._m["rate"].set(self._window_messages / elapsed, tags=self._tags)
            self._window_start, self._window_messages = time.monotonic(), 0

    def drop(self, messages: int) -> None:
        self.dropped += messages
        if self._m:
            self._m["dropped"].inc(messages, tags=self._tags)


#: A stream entry waiting for the next flush: (stream, entry id, its slice of one project).
Entry = tuple[str, str, ProjectSlice]


@dataclass(eq=False)
class LiveClient:
    """One socket's subscription and its outbox of encoded frames, bounded in bytes not yet confirmed.

    Serve's WebSocket `send` only queues a frame (nothing pushes back when the proxy or the client is
    slow), so the replica keeps its own account: every frame put in the outbox counts as in flight until
    the client answers a `ping` sent after it (pongs come back in order). A ping goes out with the data
    whenever `mark_bytes` have been queued since the last unanswered one. Data that would take the bytes
    in flight over `budget` is dropped for this client (it is told how many messages once it drains);
    a client that stays over budget for `send_timeout_s` is closed (serve_apps/live.py).
    """

    project_id: str
    filters: LiveFilters
    compact: bool = False  # format=compact: spans as rows inside their trace message
    budget: int = 1 << 20
    mark_bytes: int = 1 << 18
    outbox: deque[str] = field(default_factory=deque)
    queued: int = 0  # bytes put in the outbox since the socket opened
    acked: int = 0  # bytes the client has confirmed (queued before a ping it answered)
    marks: deque[int] = field(default_factory=deque)  # `queued` at each unanswered ping
    dropped: int = 0  # messages dropped since the client was last told
    behind_since: float | None = None  # since when data is being dropped for it
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    catchup: list[Entry] | None = None  # entries seen while it resumes
    replayed_to: dict[str, StreamId] | None = None  # its replay is done: the last entry replayed per stream

    @property
    def in_flight(self) -> int:
        return self.queued - self.acked

    def _put(self, frame: str) -> None:
        self.outbox.append(frame)
        self.queued += len(frame)
        self.wake.set()

    def say(self, message: str) -> None:
        """A control message (hello, pong, subscribed, error, reset): small, never dropped."""
        self._put(message)

    def ping(self, cursor: str) -> None:
        """A ping whose pong confirms everything queued before it."""
        self._put(control("ping", cursor=cursor))
        self.marks.append(self.queued)

    def pong(self) -> None:
        if self.marks:
            self.acked = self.marks.popleft()

    def push(self, frame: str, messages: int, cursor: str) -> bool:
        """Queue a data frame (shared by every client with these filters) unless it would exceed the budget."""
        if self.in_flight and self.in_flight + len(frame) > self.budget:
            self.dropped += messages
            if self.behind_since is None:
                self.behind_since = time.monotonic()
            return False
        if self.dropped:
            self._put(batch_frame(cursor, [control("dropped", count=self.dropped)]))
            self.dropped = 0
        self.behind_since = None
        self._put(frame)
        if self.queued - (self.marks[-1] if self.marks else self.acked) >= self.mark_bytes:
            self.ping(cursor)
        return True


@dataclass
class _Frame:
    """One flush's frame for one (project, filters): encoded once, sent to every such client."""

    text: str
    messages: int
    written_ms: int
    ended_ms: int


def build_frame(entries: list[Entry], filters: LiveFilters, cursor: str, max_messages: int, compact: bool = False) -> _Frame | None:
    """The batch frame of `entries` for clients with `filters` (None: nothing for them).

    At most `max_messages` messages; the rest are dropped and the frame says how many."""
    messages: list[str] = []
    written_ms = ended_ms = 0
    for _stream, _id, piece in entries:
        got = piece.messages(filters, compact)
        if got:
            messages += got
            if piece.written_ms and (not written_ms or piece.written_ms < written_ms):
                written_ms = piece.written_ms
            if piece.ended_ms and (not ended_ms or piece.ended_ms < ended_ms):
                ended_ms = piece.ended_ms
    if not messages:
        return None
    count = len(messages)
    if count > max_messages:
        messages = messages[:max_messages]
        messages.append(control("dropped", count=count - max_messages))
    return _Frame(batch_frame(cursor, messages), min(count, max_messages), written_ms, ended_ms)


def _id_str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class LiveHub:
    """Reads the live streams once per replica; every `coalesce_s` it encodes what arrived once per
    (project, filters) and hands the same frame to each such client (per-client work is O(1) per flush)."""

    def __init__(self, redis: Any, metrics: LiveMetrics, max_queue: int = 5000, resume_max_entries: int = 1000,
                 block_ms: int = 1000, coalesce_s: float = 0.25, budget_bytes: int = 1 << 20) -> None:
        self.redis = redis
        self.metrics = metrics
        self.max_queue = max_queue
        self.resume_max_entries = resume_max_entries
        self.block_ms = block_ms
        self.coalesce_s = coalesce_s
        self.budget_bytes = budget_bytes
        self.clients: dict[str, set[LiveClient]] = {}
        self.pending: dict[str, list[Entry]] = {}  # per listened-to project, entries since the last flush
        self._pending_messages: dict[str, int] = {}
        self.position: dict[str, str] = {}
        self.restarts = 0
        self._task: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._arrived = asyncio.Event()  # something is pending for a listener since the last flush
        self._flushed = ""

    # --- the reader and the flusher -------------------------------------------------------------------

    async def ensure_running(self) -> None:
        """Start the reader and the flusher (or restart one that died) and wait until the reader knows where
        the streams end."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done():
            if self._task is not None:
                self.restarts += 1
                logger.error("live hub: the stream reader had ended; restarting it")
            self._task = loop.create_task(self._run())
        if self._flusher is None or self._flusher.done():
            if self._flusher is not None:
                self.restarts += 1
                logger.error("live hub: the flusher had ended; restarting it")
            self._flusher = loop.create_task(self._flush_loop())
        await asyncio.wait_for(self._ready.wait(), timeout=15)

    async def stop(self) -> None:
        for task in (self._task, self._flusher):
            if task is not None:
                task.cancel()

    def cursor(self) -> str:
        """Where the reader is: everything before it was flushed, is waiting for the next flush, or had no listener."""
        return format_cursor(self.position.get(STREAMS[0], "0-0"), self.position.get(STREAMS[1], "0-0"))

    def sent_cursor(self) -> str:
        """The cursor of the last flush: what pings and pongs carry (a client that drops right after one and
        resumes from it must not skip the entries still waiting for the next flush)."""
        return self._flushed or self.cursor()

    async def _tail_ids(self) -> dict[str, str]:
        ids = {}
        for stream in STREAMS:
            last = await self.redis.xrevrange(stream, "+", "-", count=1)
            ids[stream] = _id_str(last[0][0]) if last else "0-0"
        return ids

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            try:
                if not self.position:
                    self.position = await self._tail_ids()
                self._ready.set()
                while True:
                    reply = await self.redis.xread(dict(self.position), count=100, block=self.block_ms)
                    for stream_name, entries in reply or []:
                        stream = _id_str(stream_name)
                        for entry_id, fields in entries:
                            self._dispatch(stream, _id_str(entry_id), fields)
                    backoff = 0.2
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - supervised: Redis outages must not end the feed
                logger.warning("live hub: %s: %s; retrying in %.1fs", type(exc).__name__, exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(5.0, backoff * 2)

    async def _flush_loop(self) -> None:
        """Flush at most once per `coalesce_s`, at once when data arrives after a quiet `coalesce_s` (no waiting
        out a fixed tick: on average that would add half an interval to every delay), and at least once per
        `coalesce_s` anyway (resumed clients' catch-up, `dropped` notices)."""
        last = 0.0
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.coalesce_s):
                    await self._arrived.wait()
            wait = last + self.coalesce_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._arrived.clear()
            last = time.monotonic()
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - one bad flush must not end the feed
                logger.exception("live hub: flush failed")

    def _slices(self, stream: str, entry_id: str, fields: dict[bytes, bytes], projects: set[str]) -> dict[str, ProjectSlice]:
        try:
            if stream == LIVE_SPANS_STREAM:
                return span_slices(fields, projects)
            return alert_slices(fields, parse_stream_id(entry_id)[0], projects)
        except Exception as exc:  # noqa: BLE001 - one bad entry must not stop the feed
            logger.warning("live hub: skipping malformed %s entry %s: %s", stream, entry_id, exc)
            return {}

    def _dispatch(self, stream: str, entry_id: str, fields: dict[bytes, bytes]) -> None:
        self.position[stream] = entry_id
        listening = {pid for pid, clients in self.clients.items() if clients}
        if not listening:
            return
        for pid, piece in self._slices(stream, entry_id, fields, listening).items():
            size = len(piece.spans) + len(piece.alerts)
            waiting = self._pending_messages.get(pid, 0)
            if waiting + size > self.max_queue * 2:  # the flusher is not keeping up: drop rather than grow
                for client in self.clients.get(pid, ()):
                    client.dropped += size
                self.metrics.drop(size * len(self.clients.get(pid, ())))
                continue
            self._pending_messages[pid] = waiting + size
            self.pending.setdefault(pid, []).append((stream, entry_id, piece))
            self._arrived.set()

    def flush(self) -> None:
        """Hand what arrived since the last flush to every client: one encoded frame per (project, filters)."""
        cursor = self._flushed = self.cursor()
        pending, self.pending, self._pending_messages = self.pending, {}, {}
        for pid, clients in self.clients.items():
            entries = pending.get(pid)
            frames: dict[tuple[LiveFilters, bool], _Frame | None] = {}
            sent: dict[tuple[LiveFilters, bool], int] = {}
            for client in clients:
                if client.catchup is not None:
                    client.catchup.extend(entries or ())
                    if client.replayed_to is not None:
                        self._end_catchup(client, cursor)
                    continue
                if not entries:
                    if client.dropped and client.in_flight < client.budget // 2:
                        client.push(batch_frame(cursor, []), 0, cursor)  # tells it what it lost
                    continue
                key = (client.filters, client.compact)
                if key not in frames:
                    frames[key] = build_frame(entries, key[0], cursor, self.max_queue, key[1])
                frame = frames[key]
                if frame is None:
                    continue
                if client.push(frame.text, frame.messages, cursor):
                    sent[key] = sent.get(key, 0) + 1
                else:
                    self.metrics.drop(frame.messages)
            for key, count in sent.items():
                frame = frames[key]
                assert frame is not None
                self.metrics.frame(frame.messages * count, frame.written_ms, frame.ended_ms)

    def _end_catchup(self, client: LiveClient, cursor: str) -> None:
        """A resumed client's first live frame: the entries seen during its replay that the replay did not hold."""
        last, entries = client.replayed_to or {}, client.catchup or []
        client.catchup = client.replayed_to = None
        fresh = [e for e in entries if e[0] not in last or parse_stream_id(e[1]) > last[e[0]]]
        frame = build_frame(fresh, client.filters, cursor, self.max_queue, client.compact) if fresh else None
        if frame is not None and not client.push(frame.text, frame.messages, cursor):
            self.metrics.drop(frame.messages)

    # --- clients --------------------------------------------------------------------------------------

    def attach(self, project_id: str, filters: LiveFilters, resuming: bool = False, compact: bool = False) -> LiveClient:
        client = LiveClient(project_id, filters, compact, budget=self.budget_bytes, mark_bytes=max(1, self.budget_bytes // 4))
        if resuming:
            client.catchup = []
        self.clients.setdefault(project_id, set()).add(client)
        self.metrics.socket_count(sum(len(c) for c in self.clients.values()))
        return client

    def in_flight(self) -> tuple[int, int]:
        """Bytes queued or sent to this replica's sockets and not yet confirmed: in total, and the largest."""
        sizes = [c.in_flight for clients in self.clients.values() for c in clients]
        return sum(sizes), max(sizes, default=0)

    def detach(self, client: LiveClient) -> None:
        clients = self.clients.get(client.project_id)
        if clients is not None:
            clients.discard(client)
            if not clients:
                del self.clients[client.project_id]
        self.metrics.socket_count(sum(len(c) for c in self.clients.values()))

    async def resume(self, client: LiveClient, cursor: str) -> tuple[bool, list[str]]:
        """What `client` (attached with `resuming`) missed since `cursor`, as frames to send after its hello, and
        whether it resumed; else ([reset]) when too far behind. The client is live once this returns."""
        if client.catchup is None:
            client.catchup = []
        replayed: list[Entry] = []
        try:
            reason = await self._replay(client, cursor, replayed)
        except Exception as exc:  # noqa: BLE001 - a replay that fails is a reset, not a dead socket
            reason = f"could not replay: {type(exc).__name__}"
        now = self.cursor()
        if reason:
            client.catchup = None
            return False, [control("reset", reason=reason, cursor=now)]
        last: dict[str, StreamId] = {}
        for stream, eid, _ in replayed:
            last[stream] = parse_stream_id(eid)
        client.replayed_to = last  # the next flush sends the entries seen meanwhile that the replay did not hold
        frame = build_frame(replayed, client.filters, now, self.max_queue, client.compact) if replayed else None
        if frame is not None and len(frame.text) > self.budget_bytes:
            client.catchup, client.replayed_to = None, None
            return False, [control("reset", reason="too far behind: what was missed exceeds the socket's budget", cursor=now)]
        return True, [frame.text] if frame is not None else []

    async def _replay(self, client: LiveClient, cursor: str, out: list[Entry]) -> str:
        try:
            ids = parse_cursor(cursor)
        except ValueError as exc:
            return str(exc)
        for stream, since in zip(STREAMS, ids):
            first = await self.redis.xrange(stream, "-", "+", count=1)
            if first and parse_stream_id(since) < parse_stream_id(_id_str(first[0][0])) and since != "0-0":
                return f"too far behind: {stream} no longer holds entries after {since}"
            entries = await self.redis.xrange(stream, f"({since}", "+", count=self.resume_max_entries + 1)
            if len(entries) > self.resume_max_entries:
                return f"too far behind: more than {self.resume_max_entries} {stream} entries were missed"
            for entry_id, fields in entries:
                eid = _id_str(entry_id)
                piece = self._slices(stream, eid, fields, {client.project_id}).get(client.project_id)
                if piece is not None:
                    out.append((stream, eid, piece))
        return ""
