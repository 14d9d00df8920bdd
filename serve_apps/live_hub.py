"""One live replica's fan-out: a supervised XREAD loop over `spans.live` and `alerts.live`, and its clients.

The reader never waits on a client: it appends each entry's encoded messages to the bounded queue of
every subscribed client of that project (overflow is dropped for that client and counted, and the client
is told). Each client's sender (serve_apps/live.py) drains its queue at most every `coalesce_s`.
"""

from __future__ import annotations

import asyncio
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


@dataclass(eq=False)
class LiveClient:
    """One socket's subscription and its bounded queue of encoded messages."""

    project_id: str
    filters: LiveFilters
    max_queue: int
    queue: deque[str] = field(default_factory=deque)
    control: list[str] = field(default_factory=list)  # hello/pong/reset/…: sent before the next batch
    dropped: int = 0  # dropped since the client was last told
    written_ms: int = 0  # oldest writer timestamp among the queued messages
    ended_ms: int = 0
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    catchup: list[tuple[str, str, ProjectSlice]] | None = None  # entries seen while it resumes

    def offer(self, piece: ProjectSlice) -> None:
        messages = piece.messages(self.filters)
        if not messages:
            return
        room = self.max_queue - len(self.queue)
        if room < len(messages):
            self.dropped += len(messages) - max(room, 0)
            messages = messages[: max(room, 0)]
        if messages:
            self.queue.extend(messages)
            if piece.written_ms and (not self.written_ms or piece.written_ms < self.written_ms):
                self.written_ms = piece.written_ms
            if piece.ended_ms and (not self.ended_ms or piece.ended_ms < self.ended_ms):
                self.ended_ms = piece.ended_ms
        self.wake.set()

    def say(self, message: str) -> None:
        self.control.append(message)
        self.wake.set()

    def take_frames(self, cursor: str, metrics: LiveMetrics) -> list[str]:
        """Everything waiting, as frames: control messages first, then one batch (with `cursor`)."""
        frames, self.control = self.control, []
        messages = list(self.queue)
        self.queue.clear()
        if self.dropped:
            metrics.drop(self.dropped)
            messages.append(control("dropped", count=self.dropped))
            self.dropped = 0
        if messages:
            metrics.frame(len(messages), self.written_ms, self.ended_ms)
            frames.append(batch_frame(cursor, messages))
        self.written_ms = self.ended_ms = 0
        return frames


def _id_str(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class LiveHub:
    """Reads the live streams once per replica and dispatches each entry to the clients of its project."""

    def __init__(self, redis: Any, metrics: LiveMetrics, max_queue: int = 5000, resume_max_entries: int = 1000,
                 block_ms: int = 1000) -> None:
        self.redis = redis
        self.metrics = metrics
        self.max_queue = max_queue
        self.resume_max_entries = resume_max_entries
        self.block_ms = block_ms
        self.clients: dict[str, set[LiveClient]] = {}
        self.position: dict[str, str] = {}
        self.restarts = 0
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    # --- the reader -----------------------------------------------------------------------------------

    async def ensure_running(self) -> None:
        """Start the reader (or restart it if it died) and wait until it knows where the streams end."""
        if self._task is None or self._task.done():
            if self._task is not None:
                self.restarts += 1
                logger.error("live hub: the stream reader had ended; restarting it")
            self._task = asyncio.get_running_loop().create_task(self._run())
        await asyncio.wait_for(self._ready.wait(), timeout=15)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def cursor(self) -> str:
        return format_cursor(self.position.get(STREAMS[0], "0-0"), self.position.get(STREAMS[1], "0-0"))

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
            for client in self.clients.get(pid, ()):
                if client.catchup is not None:
                    client.catchup.append((stream, entry_id, piece))
                else:
                    client.offer(piece)

    # --- clients --------------------------------------------------------------------------------------

    def attach(self, project_id: str, filters: LiveFilters) -> LiveClient:
        client = LiveClient(project_id, filters, self.max_queue)
        self.clients.setdefault(project_id, set()).add(client)
        self.metrics.socket_count(sum(len(c) for c in self.clients.values()))
        return client

    def detach(self, client: LiveClient) -> None:
        clients = self.clients.get(client.project_id)
        if clients is not None:
            clients.discard(client)
            if not clients:
                del self.clients[client.project_id]
        self.metrics.socket_count(sum(len(c) for c in self.clients.values()))

    async def resume(self, client: LiveClient, cursor: str) -> bool:
        """Replay what `client` missed since `cursor`, then go live; False (and a reset) when too far behind."""
        client.catchup = []
        try:
            reason = await self._replay(client, cursor)
        except Exception as exc:  # noqa: BLE001 - a replay that fails is a reset, not a dead socket
            reason = f"could not replay: {type(exc).__name__}"
        pending, client.catchup = client.catchup, None
        if reason:
            client.queue.clear()
            client.say(control("reset", reason=reason, cursor=self.cursor()))
        for _stream, _id, piece in pending:  # live entries seen meanwhile (after the replayed ones)
            client.offer(piece)
        return not reason

    async def _replay(self, client: LiveClient, cursor: str) -> str:
        try:
            ids = parse_cursor(cursor)
        except ValueError as exc:
            return str(exc)
        replayed: dict[str, StreamId] = {}
        for stream, since in zip(STREAMS, ids):
            first = await self.redis.xrange(stream, "-", "+", count=1)
            if first and parse_stream_id(since) < parse_stream_id(_id_str(first[0][0])) and since != "0-0":
                return f"too far behind: {stream} no longer holds entries after {since}"
            entries = await self.redis.xrange(stream, f"({since}", "+", count=self.resume_max_entries + 1)
            if len(entries) > self.resume_max_entries:
                return f"too far behind: more than {self.resume_max_entries} {stream} entries were missed"
            for entry_id, fields in entries:
                eid = _id_str(entry_id)
                replayed[stream] = parse_stream_id(eid)
                piece = self._slices(stream, eid, fields, {client.project_id}).get(client.project_id)
                if piece is not None:
                    client.offer(piece)
        assert client.catchup is not None
        client.catchup = [
            (stream, eid, piece) for stream, eid, piece in client.catchup
            if stream not in replayed or parse_stream_id(eid) > replayed[stream]
        ]
        return ""

    def frames(self, client: LiveClient) -> list[str]:
        return client.take_frames(self.cursor(), self.metrics)
