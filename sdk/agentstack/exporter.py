"""Background batch export of finished spans, after OpenTelemetry's ``BatchSpanProcessor``.

Ending a span only appends the span to a bounded in-memory queue; a daemon thread turns spans into
wire dicts (serialising captured content and scrubbing it, off the caller's thread) and sends
batches to the collector when ``batch_size`` spans are waiting, every ``export_interval``, on
:meth:`BatchExporter.flush`, and at interpreter exit. Spans the collector could not take after the
retries go to the local SQLite outbox (:mod:`agentstack.store`) and are re-sent by the same thread
once the collector answers again, also by a later process. Nothing here ever raises into the code
being observed: problems are logged, counted in :meth:`BatchExporter.stats`, and the spans dropped.
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import threading
import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from agentstack import _ids
from agentstack.config import Settings, env_var
from agentstack.span import Span, SpanRecord, wire_batch

if TYPE_CHECKING:  # imported when an exporter is built: urllib, http.client and sqlite3 are slow to import
    from agentstack.transport import Transport

__all__ = ["BatchExporter", "SpanExporter"]

logger = logging.getLogger(__name__)

_WireSpan = dict[str, Any]


class SpanExporter(Protocol):
    """Where a tracer sends finished spans. Implementations must never raise from :meth:`export`."""

    def export(self, span: Span | _WireSpan) -> None:
        """Accept one finished span (a :class:`Span`, or a wire-schema dict); must be fast and never raise."""

    def flush(self, timeout: float | None = None) -> bool:
        """Deliver everything accepted so far; ``True`` if all of it was delivered within ``timeout``."""

    def shutdown(self, timeout: float | None = None) -> bool:
        """Flush, then release resources; later spans are dropped."""

    def stats(self) -> dict[str, int]:
        """Counters: ``queued``, ``sent``, ``dropped``, ``failed``, ``stored_offline``."""


@dataclass
class _FlushWaiter:
    target: int  # the sequence number of the last span queued when flush() was called
    remaining: int  # spans with seq <= target not yet sent, dropped or failed
    ok: bool = True


@dataclass
class _Batch:
    first: int  # the sequence number of its first span (the spans of a batch are consecutive)
    items: list[Any]  # Span | _WireSpan


class BatchExporter:
    """Queues spans in memory and sends them in batches from a background thread.

    Counters (see :meth:`stats`): ``sent`` were accepted by the collector; ``dropped`` were discarded
    without delivery: queue overflow (oldest first), ended after shutdown, or refused by the collector
    with a non-retryable 4xx or listed as ``rejected``; ``failed`` could not be delivered after the
    retries (collector unreachable or answering 429/5xx): with ``settings.offline`` they are kept in
    the local outbox, and ``stored_offline`` counts the spans waiting there for this collector.
    In local mode (no API key) batches are saved to the local store instead of sent.

    Args:
        settings: batch size, interval, queue size, URL, key, timeout, offline store.
        transport: sends one batch; by default an :class:`~agentstack.transport.HttpTransport`
            (or a :class:`~agentstack.transport.LocalTransport` in local mode).
        max_retries: retries per batch for the default transport.
        backoff_initial: first retry delay in seconds for the default transport (doubles, with jitter).
        backoff_max: longest retry delay in seconds for the default transport.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: Transport | None = None,
        max_retries: int = 3,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
    ) -> None:
        self.settings = settings
        self.batch_size = settings.batch_size
        self.interval = settings.export_interval / 1000.0
        from agentstack.store import SpanStore, target_of
        from agentstack.transport import HttpTransport, LocalTransport

        self._closed = False
        self._store = SpanStore(settings.store_file)
        self._target = target_of(settings.collector_url, settings.api_key)
        self._offline = settings.offline and not settings.local_mode
        self._init_state()
        self._transport: Transport
        if transport is not None:
            self._transport = transport
        elif settings.local_mode:
            self._transport = LocalTransport(self._store)
        else:
            self._transport = HttpTransport(
                settings,
                max_retries=max_retries,
                backoff_initial=backoff_initial,
                backoff_max=backoff_max,
                wait=lambda seconds: self._stop.wait(seconds),  # looked up per call: _stop is replaced at fork
            )
        # Weak references: neither hook may keep a discarded exporter (and its thread) alive.
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _call(ref, "_after_fork"))
        self._atexit_hook = lambda: _call(ref, "_at_exit")
        atexit.register(self._atexit_hook)

    def _init_state(self) -> None:
        """Fresh locks, queue and counters (at start and in a forked child, where the old ones are unsafe).

        The producer side takes no lock: a span is appended to the deque (atomic under the GIL) and the
        worker is woken through an event once a batch is waiting. Every removal from the queue (a batch
        taken, or the oldest span dropped on overflow) happens under the lock and is counted in
        ``_taken``, so the n-th span ever queued has sequence number n without storing one per span:
        the queue is first in, first out. Several threads can pass the producer's room test at once and
        all append; each producer that finds the queue longer than ``max_queue_size`` after its append
        trims it back (oldest first) before returning, so an overshoot never outlives the call that made it.
        """
        # Re-entrant: garbage collection can finalise an observed generator (ending its span, so
        # calling export) in the middle of any allocation, including one made while holding this lock.
        self._lock = threading.RLock()
        self._work_ready = threading.Event()  # set by producers (a full batch waits), flush and shutdown
        # A producer wakes the export thread when the queue reaches this length, then raises it to just past the
        # queue's limit until the thread has looked at the queue (one wake per batch, one comparison per span,
        # which also catches an overshoot of the limit; batch_size <= max_queue_size, see config).
        self._wake_at = self.batch_size
        self._settled = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._max_queue = self.settings.max_queue_size
        self._queue: collections.deque[Any] = collections.deque()
        self._taken = 0  # spans ever removed from the queue (taken in a batch or dropped): lock held
        self._in_flight = 0
        self._waiters: list[_FlushWaiter] = []
        self._counts = {"sent": 0, "dropped": 0, "failed": 0}
        self._outbox_pending = self._offline  # unknown at start: look once (spans of an earlier run)
        self._next_resend = time.monotonic()
        self._resend_backoff = self.interval
        self._stopping = False
        self._deadline: float | None = None
        self._next_export = time.monotonic() + self.interval
        self._worker: threading.Thread | None = None
        # How long the queue may be before export() takes the slow path: the queue's limit while the exporter
        # is open and its thread runs, 0 otherwise (closed, or no thread yet), so the hot path makes one test.
        self._room = 0
        self._warned_full = False

    # -- producer side ----------------------------------------------------------------------------
    def export(self, span: Span | SpanRecord | _WireSpan) -> None:
        """Queue one finished span; when the queue is full the oldest queued span is dropped.

        This is on the hot path of every observed call, so it only appends to the queue (no lock; see
        :meth:`_init_state`); turning the span into its wire form happens on the export thread.
        ``@observe`` hands over a plain span as its :data:`~agentstack.span.SpanRecord`.
        """
        queue = self._queue
        if len(queue) >= self._room:  # closed, no thread yet, or full
            self._export_slow(span)
            return
        queue.append(span)
        if len(queue) >= self._wake_at:  # a batch is waiting, or other threads appended past the limit meanwhile
            self._wake_or_trim()

    def _wake_or_trim(self) -> None:
        """After an append reached ``_wake_at``: trim the queue back to its limit, wake the worker for a full batch."""
        if len(self._queue) > self._max_queue:
            with self._lock:
                overflowed = self._trim(self._max_queue)
            if overflowed:
                self._warn_full()
        if len(self._queue) >= self.batch_size:
            self._wake_at = self._max_queue + 1
            self._work_ready.set()

    def _export_slow(self, span: Span | SpanRecord | _WireSpan) -> None:
        """:meth:`export` when the exporter is closed, the queue is full, or no worker was started yet."""
        with self._lock:
            queue = self._queue
            if self._closed:
                self._counts["dropped"] += 1
                return
            queue.append(span)
            # Trimmed after the append: a producer on the fast path may append between a trim and our append.
            overflowed = self._trim(self._max_queue)
            if len(queue) >= self.batch_size:
                self._work_ready.set()
            if self._worker is None:
                self._ensure_worker()
        if overflowed:  # logged outside the lock: a logging handler may itself create spans
            self._warn_full()

    def _trim(self, limit: int) -> bool:
        """Drop the oldest spans until at most ``limit`` are queued; whether to warn (the first overflow). Lock held."""
        queue = self._queue
        overflowed = False
        while len(queue) > limit:
            queue.popleft()
            self._taken += 1
            self._counts["dropped"] += 1
            self._settle(self._taken, 1, ok=False)
            if not self._warned_full:
                overflowed = self._warned_full = True
        return overflowed

    def _warn_full(self) -> None:
        logger.warning(
            "AgentStack: export queue full (%d spans), dropping the oldest. The collector is slow or "
            "unreachable; raise %s if this is a burst.",
            self.settings.max_queue_size, env_var("max_queue_size"),
        )  # fmt: skip

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Block until every span queued so far was delivered or given up on.

        Args:
            timeout: seconds to wait at most; ``None`` waits as long as it takes.

        Returns:
            ``True`` if all of them were accepted by the collector, ``False`` if any was dropped or
            failed, or the timeout passed first (the rest keep being retried in the background).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            queued = len(self._queue)  # read once: producers append without the lock
            pending = queued + self._in_flight
            if pending == 0:
                return True
            waiter = _FlushWaiter(target=self._taken + queued, remaining=pending)
            self._waiters.append(waiter)
            self._work_ready.set()
            self._ensure_worker()
            inline = self._worker is None  # no thread can be started (interpreter shutting down)
        if inline:
            self._drain_inline()
        with self._lock:
            while waiter.remaining > 0:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    self._waiters.remove(waiter)
                    return False
                self._settled.wait(left)
            return waiter.ok

    def shutdown(self, timeout: float | None = 30.0) -> bool:
        """Refuse new spans, flush for up to ``timeout`` seconds, then stop the background thread.

        Returns:
            Whether every queued span was delivered. Calling it again returns ``True``.
        """
        with self._lock:
            if self._closed:
                return True
            self._closed = True
            self._room = 0
        atexit.unregister(self._atexit_hook)
        started = time.monotonic()
        delivered = self.flush(timeout)
        with self._lock:  # whatever flush could not deliver in time now fails fast
            self._stopping = True
            self._deadline = time.monotonic()
            self._work_ready.set()
            worker = self._worker
        self._stop.set()
        if worker is not None and worker is not threading.current_thread():
            left = 1.0 if timeout is None else max(0.1, timeout - (time.monotonic() - started))
            worker.join(min(left, 1.0))
        return delivered

    def stats(self) -> dict[str, int]:
        """``queued`` (waiting or being sent now), ``sent``, ``dropped``, ``failed`` and ``stored_offline`` counts."""
        with self._lock:
            counts = {"queued": len(self._queue) + self._in_flight, **self._counts}
        stored = 0
        if self._offline:
            try:
                stored = self._store.pending(self._target)
            except Exception as exc:  # an unreadable store file must not break the caller
                logger.debug("AgentStack: could not count the offline store: %s", exc)
        return {**counts, "stored_offline": stored}

    # -- worker side ------------------------------------------------------------------------------
    def _ensure_worker(self) -> None:
        """Start the worker thread if it is not running (first span, after a fork, or after a crash). Lock held."""
        if (self._worker is not None and self._worker.is_alive()) or self._stopping:
            return
        worker = threading.Thread(target=self._run, name="agentstack-exporter", daemon=True)
        try:
            worker.start()
        except RuntimeError:  # "can't create new thread at interpreter shutdown"
            self._worker = None
            self._room = 0
            return
        self._worker = worker
        self._room = 0 if self._closed else self._max_queue

    def _run(self) -> None:
        """The worker loop: supervised, so an unexpected error is logged and the loop goes on."""
        while True:
            try:
                batch = self._next_batch()
                if batch is None:
                    return
                if batch.items:
                    self._export_batch(batch)
                else:  # nothing live to send: time to re-send from the offline store
                    self._resend()
            except Exception:
                logger.exception("AgentStack: unexpected error in the export thread; continuing")
                self._stop.wait(1.0)  # do not spin if the error repeats

    def _next_batch(self) -> _Batch | None:
        """Wait until a batch is due and take it; an empty one when an offline re-send is due; ``None`` once stopping."""
        while True:
            # Cleared before looking at the queue: a producer that fills a batch after this look sets it again.
            self._work_ready.clear()
            self._wake_at = self.batch_size
            with self._lock:
                now = time.monotonic()
                due = len(self._queue) >= self.batch_size or self._waiters or self._stopping
                if self._queue and (due or now >= self._next_export):
                    return self._take_batch(now)
                if self._stopping:
                    return None
                if self._outbox_pending and now >= self._next_resend:
                    return _Batch(0, [])
                if now >= self._next_export:
                    self._next_export = now + self.interval
                wake = self._next_export
                if self._outbox_pending:
                    wake = min(wake, self._next_resend)
            self._work_ready.wait(max(0.0, wake - now))

    def _take_batch(self, now: float) -> _Batch:
        """Pop up to ``batch_size`` spans and mark them in flight. Lock held."""
        popleft = self._queue.popleft
        items = [popleft() for _ in range(min(self.batch_size, len(self._queue)))]
        batch = _Batch(self._taken + 1, items)
        self._taken += len(items)
        self._in_flight += len(items)
        self._next_export = now + self.interval
        return batch

    def _export_batch(self, batch: _Batch) -> None:
        """Send one batch and account for every span in it, whatever happens."""
        from agentstack.transport import SendResult

        _ids.resync_clock()  # cheap, and keeps span timestamps on the wall clock if NTP stepped it
        spans, unconvertible = _wire_spans(batch.items)
        try:
            result = self._transport.send(spans, self._deadline)
        except Exception:
            logger.exception("AgentStack: unexpected error sending %d spans", len(batch.items))
            result = SendResult(failed=len(spans), failed_spans=tuple(spans))
        result = result + SendResult(dropped=unconvertible)
        if result.failed_spans and self._offline:
            self._keep_offline(list(result.failed_spans))
        elif result.sent and self._outbox_pending:
            self._next_resend = time.monotonic()  # the collector answers again: re-send what waits
        with self._lock:
            self._in_flight -= len(batch.items)
            self._counts["sent"] += result.sent
            self._counts["dropped"] += result.dropped
            self._counts["failed"] += result.failed
            self._settle(batch.first, len(batch.items), ok=result.ok)

    def _keep_offline(self, spans: list[_WireSpan]) -> None:
        """Put spans the collector could not take into the outbox (a store failure is a counted drop)."""
        try:
            evicted = self._store.put(self._target, spans)
        except Exception as exc:
            logger.warning("AgentStack: could not keep %d spans in %s (%s); they are lost", len(spans), self._store.path, exc)
            return
        with self._lock:
            self._counts["dropped"] += evicted
            self._outbox_pending = True
            self._next_resend = max(self._next_resend, time.monotonic() + self._resend_backoff)

    def _resend(self) -> None:
        """Send one batch from the outbox (a single attempt): delete it once the collector took it."""
        now = time.monotonic()
        try:
            spans = self._store.claim(self._target, self.batch_size)
        except Exception as exc:
            logger.warning("AgentStack: could not read the offline store %s: %s", self._store.path, exc)
            self._next_resend = now + 60.0  # a locked or broken file: look again in a minute
            return
        if not spans:
            with self._lock:
                self._outbox_pending = False
            return
        from agentstack.transport import SendResult

        try:
            result = self._transport.send(spans, self._deadline, retries=0)
        except Exception:  # a broken transport: the spans stay stored, the probe backs off
            logger.exception("AgentStack: unexpected error re-sending %d stored spans", len(spans))
            result = SendResult(failed=len(spans))
        self._store.release(self._target, spans, delivered=result.failed == 0)
        with self._lock:
            if result.failed == 0:
                self._counts["sent"] += result.sent
                self._counts["dropped"] += result.dropped
                self._resend_backoff = self.interval
                self._next_resend = now
                logger.info("AgentStack: re-sent %d spans from the offline store", result.sent)
            else:  # still down: probe again later, less and less often
                self._resend_backoff = min(self._resend_backoff * 2, 60.0)
                self._next_resend = now + self._resend_backoff

    def _drain_inline(self) -> None:
        """Send everything queued from the calling thread (used when no worker thread can run)."""
        while True:
            with self._lock:
                if not self._queue:
                    return
                batch = self._take_batch(time.monotonic())
            self._export_batch(batch)

    def _settle(self, first: int, count: int, ok: bool) -> None:
        """Count the spans with sequence numbers ``first`` … ``first + count - 1`` as done for the flush waiters
        that wait for them. Lock held."""
        for waiter in list(self._waiters):
            done = max(0, min(first + count - 1, waiter.target) - first + 1)
            if done:
                waiter.remaining -= done
                waiter.ok = waiter.ok and ok
                if waiter.remaining <= 0:
                    self._waiters.remove(waiter)
        self._settled.notify_all()

    # -- process lifecycle ------------------------------------------------------------------------
    def _after_fork(self) -> None:
        # The parent's thread does not exist in the child and its locks may be held; the parent
        # still owns (and sends) the spans that were queued, so the child starts empty.
        self._init_state()
        if self._closed:
            self._stopping = True

    def _at_exit(self) -> None:
        self.shutdown(self.settings.timeout)


def _wire_spans(items: list[Any]) -> tuple[list[_WireSpan], int]:
    """The batch's wire dicts, and how many spans could not be converted (logged, then dropped)."""
    try:  # the common case: every item converts (one comprehension, no per-span try)
        return wire_batch(items), 0
    except Exception:  # noqa: BLE001 - find the broken ones below, one by one
        pass
    spans: list[_WireSpan] = []
    broken = 0
    for item in items:
        try:
            spans.extend(wire_batch([item]))
        except Exception:
            broken += 1
            logger.exception("AgentStack: could not serialise a span; it is dropped")
    return spans, broken


def _call(ref: weakref.ref[BatchExporter], method: str) -> None:
    exporter = ref()
    if exporter is not None:
        try:
            getattr(exporter, method)()
        except Exception:  # a hook run by the interpreter must not raise
            logger.exception("AgentStack: exporter %s hook failed", method)
