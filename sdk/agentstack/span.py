"""The :class:`Span`: one timed operation (an LLM call, a tool call, an agent run) in a trace."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from agentstack import _ids, capture, context, genai
from agentstack.schema import MAX_ATTRIBUTES, MAX_EVENTS, MAX_KEY_CHARS, MAX_NAME_CHARS, MAX_VALUE_CHARS, STATUSES
from agentstack.values import (  # re-exported: the span's vocabulary
    AttributeValue,
    SpanKind,
    check_kind,
    new_span_id,
    new_trace_id,
)
from agentstack.values import attribute_value as _attribute_value
from agentstack.values import clip as _clip

__all__ = ["AttributeValue", "Span", "SpanKind", "SpanRecord", "check_kind", "new_span_id", "new_trace_id", "new_span"]

logger = logging.getLogger(__name__)

_bits = _ids.random_bits  # the same generator object for the life of the process (reseeded in place)
_perf = time.perf_counter_ns
_MASK64 = (1 << 64) - 1
_ALL = 1 << 64  # a sampling threshold that keeps every trace
Scrub = Callable[[str], str]


class Span:
    """One timed operation. Create spans with ``start_span``/``@observe`` rather than directly.

    A span is also a (sync and async) context manager: inside the ``with`` block it is the current
    span, an exception escaping the block is recorded and sets status ERROR (then propagates
    unchanged), a clean exit (or a generator closed inside the block) sets status OK unless a status
    was already set, and the span ends on exit.

    Mutations are single dict/attribute operations, atomic under the GIL, so spans are safe to share
    between threads without a lock; they are quietly ignored once the span has ended. Captured
    input/output is kept as a cheap snapshot and only serialised (and scrubbed) by :meth:`to_wire`,
    which the export thread calls.
    """

    __slots__ = (
        "name", "kind", "_tid", "_sid", "_pid", "service_name", "start_time", "end_time", "status",
        "status_message", "_input", "_output", "_attributes", "_events", "_dropped", "_on_end", "_tokens",
        "sampled", "_scrub",
    )  # fmt: skip

    name: str
    kind: str
    service_name: str
    start_time: int
    end_time: int | None
    sampled: bool
    status: str
    status_message: str
    _tid: int
    _sid: int
    _pid: int  # 0: no parent
    _input: str | capture.Deferred | None
    _output: str | capture.Deferred | None
    _attributes: dict[str, AttributeValue] | None  # created on first use: fewer objects per span
    _events: list[dict[str, Any]] | None
    _dropped: int
    _on_end: Callable[[Span], None] | None
    _tokens: list[Any] | None
    _scrub: Scrub | None

    def __init__(
        self,
        name: str,
        *,
        kind: SpanKind | str = SpanKind.SPAN,
        attributes: Mapping[str, Any] | None = None,
        parent: Span | None = None,
        service_name: str = "default",
        on_end: Callable[[Span], None] | None = None,
        sample_threshold: int = _ALL,
        scrub: Scrub | None = None,
    ) -> None:
        """Start a span now.

        Args:
            name: what the operation is, e.g. ``"llm.chat"`` or ``"web_search"``.
            kind: a :class:`SpanKind` or another short lowercase word.
            attributes: initial attributes.
            parent: the parent span; ``None`` starts a new trace.
            service_name: tagged on the span.
            on_end: called once with the span when it ends, if the trace is sampled (the export hook).
            sample_threshold: a new trace is kept when the low 64 bits of its id are below this.
            scrub: applied to captured text by :meth:`to_wire` (the sanitiser), if given.

        Raises:
            ValueError: an empty name or an invalid kind.
        """
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"span name must be a non-empty string, got {name!r}")
        _init(self, _clip(name, MAX_NAME_CHARS), check_kind(kind), parent, service_name, on_end, sample_threshold, scrub)
        if attributes:
            self.set_attributes(attributes)

    def __repr__(self) -> str:
        return (
            f"Span(name={self.name!r}, kind={self.kind!r}, trace_id={self.trace_id!r}, "
            f"span_id={self.span_id!r}, parent_span_id={self.parent_span_id!r}, status={self.status!r})"
        )

    @property
    def trace_id(self) -> str:
        """The trace id: 32 lowercase hex characters."""
        return f"{self._tid:032x}"

    @property
    def span_id(self) -> str:
        """The span id: 16 lowercase hex characters."""
        return f"{self._sid:016x}"

    @property
    def parent_span_id(self) -> str | None:
        """The parent's span id, or ``None`` for a trace's root span."""
        return f"{self._pid:016x}" if self._pid else None

    @property
    def ended(self) -> bool:
        """Whether :meth:`end` has been called."""
        return self.end_time is not None

    @property
    def attributes(self) -> dict[str, AttributeValue]:
        """A copy of the span's attributes."""
        return dict(self._attributes or {})

    @property
    def events(self) -> list[dict[str, Any]]:
        """A copy of the span's events."""
        return [dict(event) for event in self._events or ()]

    @property
    def input(self) -> str | None:
        """The captured input as JSON text (not yet scrubbed), or ``None``."""
        return _text(self._input)

    @property
    def output(self) -> str | None:
        """The captured output as JSON text (not yet scrubbed), or ``None``."""
        return _text(self._output)

    def set_attribute(self, key: str, value: Any) -> None:
        """Set one attribute; ``None`` removes it. Non-scalar values are stored as JSON text."""
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_CHARS:
            logger.warning("AgentStack: ignoring attribute key %r (need 1–%d characters)", key, MAX_KEY_CHARS)
            return
        if self.end_time is not None:
            logger.debug("AgentStack: attribute %r set on ended span %r ignored", key, self.name)
        elif value is None:
            if self._attributes:
                self._attributes.pop(key, None)
        else:
            attributes = self._attributes
            if attributes is None:
                attributes = self._attributes = {}
            if key in attributes or len(attributes) < MAX_ATTRIBUTES:
                attributes[key] = _attribute_value(value)
            else:
                self._dropped += 1

    def set_attributes(self, attributes: Mapping[str, Any]) -> None:
        """Set several attributes at once (see :meth:`set_attribute`)."""
        for key, value in attributes.items():
            self.set_attribute(key, value)

    def add_event(self, name: str, attributes: Mapping[str, Any] | None = None, timestamp: int | None = None) -> None:
        """Record a point-in-time event (a streamed chunk, a retry, an exception).

        Args:
            name: the event's name.
            attributes: its attributes (coerced like span attributes).
            timestamp: ns since the epoch; defaults to now.
        """
        if self.end_time is not None:
            logger.debug("AgentStack: event %r added to ended span %r ignored", name, self.name)
            return
        if self._events is None:
            self._events = []
        if len(self._events) >= MAX_EVENTS:
            self._dropped += 1
            return
        self._events.append({
            "name": _clip(str(name), MAX_NAME_CHARS),
            "timestamp": _ids.now_ns() if timestamp is None else timestamp,
            "attributes": {
                str(k)[:MAX_KEY_CHARS]: _attribute_value(v)
                for k, v in list((attributes or {}).items())[:MAX_ATTRIBUTES]
                if v is not None and k
            },
        })  # fmt: skip

    def set_status(self, status: str, message: str = "") -> None:
        """Set the status: ``"OK"``, ``"ERROR"`` (with a message saying what failed) or ``"UNSET"``.

        Raises:
            ValueError: an unknown status.
        """
        upper = status.upper() if isinstance(status, str) else status
        if upper not in STATUSES:
            raise ValueError(f"status must be one of {list(STATUSES)}, got {status!r}")
        if self.end_time is None:
            self.status = upper
            self.status_message = _clip(str(message or ""), MAX_VALUE_CHARS)

    def record_exception(self, exc: BaseException, attributes: Mapping[str, Any] | None = None) -> None:
        """Add an ``exception`` event with ``exception.type``, ``exception.message`` and ``exception.stacktrace``."""
        import traceback  # lazily: only failing spans need it

        cls = type(exc)
        type_name = cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
        details: dict[str, Any] = {
            "exception.type": type_name,
            "exception.message": str(exc),
            "exception.stacktrace": "".join(traceback.format_exception(cls, exc, exc.__traceback__)),
        }
        details.update(attributes or {})
        self.add_event("exception", details)

    def set_error(self, exc: BaseException) -> None:
        """Record ``exc`` (:meth:`record_exception`) and set status ERROR with its message."""
        self.record_exception(exc)
        self.set_status("ERROR", str(exc) or type(exc).__name__)

    def set_input(self, value: Any) -> None:
        """Capture ``value`` as the span's input (JSON text, at most 16 KB)."""
        if self.end_time is None:
            self._input = capture.snapshot(value) or capture.to_json_text(value)

    def set_output(self, value: Any) -> None:
        """Capture ``value`` as the span's output (JSON text, at most 16 KB)."""
        if self.end_time is None:
            self._output = capture.snapshot(value) or capture.to_json_text(value)

    def set_llm(self, **usage: Any) -> None:
        """Record an LLM call (model, provider, token usage) with OpenTelemetry GenAI attribute names.

        Args:
            **usage: keywords of :func:`agentstack.genai.llm_attributes`: ``model``, ``provider``,
                ``input_tokens``, ``output_tokens``, ``cache_read_tokens``, ``cache_write_tokens``,
                ``reasoning_tokens``, ``response_model``, ``operation``, ``temperature``, ``max_tokens``,
                ``finish_reasons``.

        Raises:
            ValueError: a negative token count.
        """
        self.set_attributes(genai.llm_attributes(**usage))

    def end(self, end_time: int | None = None) -> None:
        """End the span (only the first call counts) and hand it to the tracer for export.

        Args:
            end_time: ns since the epoch; defaults to now.
        """
        if self.end_time is not None:
            return
        now = _perf() + _ids.clock_offset if end_time is None else end_time
        self.end_time = now if now > self.start_time else self.start_time
        if self._on_end is not None and self.sampled:
            try:
                self._on_end(self)
            except Exception:  # telemetry never raises into user code
                logger.exception("AgentStack: failed to hand span %r to the exporter", self.name)

    def to_wire(self) -> dict[str, Any]:
        """The span as a wire-schema dict (see :mod:`agentstack.schema`), captured content serialised and scrubbed.

        An open span reports now as its end.
        """
        end = self.end_time
        if (end is not None and self._input is None and self._output is None and not self._attributes
                and not self._events and not self.status_message):
            return wire_batch([self])[0]  # a plain ended span (the common case): see wire_batch
        pid = self._pid
        if end is None:
            end = max(_ids.now_ns(), self.start_time)
        scrub = self._scrub
        attributes = dict(self._attributes) if self._attributes else {}
        events = [dict(event) for event in self._events] if self._events else []
        input_text, output_text, message = self._input, self._output, self.status_message
        if input_text is not None and not isinstance(input_text, str):  # a deferred capture: serialised here
            input_text = input_text.text()
        if output_text is not None and not isinstance(output_text, str):
            output_text = output_text.text()
        if scrub is not None:
            input_text = scrub(input_text) if input_text else input_text
            output_text = scrub(output_text) if output_text else output_text
            message = _clip(scrub(message), MAX_VALUE_CHARS) if message else message
            if attributes:
                attributes = _scrubbed(attributes, scrub)
            for event in events:
                event["attributes"] = _scrubbed(event["attributes"], scrub)
        return {
            "trace_id": self._tid.to_bytes(16, "big").hex(),
            "span_id": self._sid.to_bytes(8, "big").hex(),
            "parent_span_id": pid.to_bytes(8, "big").hex() if pid else None,
            "name": self.name,
            "kind": self.kind,
            "start_time": self.start_time,
            "end_time": end,
            "status": self.status,
            "status_message": message,
            "service_name": self.service_name,
            "attributes": attributes,
            "events": events,
            "input": input_text,
            "output": output_text,
        }

    # -- context manager: current inside the block, ended on exit ---------------------------------
    def __enter__(self) -> Span:
        if self._tokens is None:
            self._tokens = []
        self._tokens.append(context.attach(self))
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc is not None and not isinstance(exc, GeneratorExit):  # a closed stream is not a failure
                self.set_error(exc)
            elif self.status == "UNSET":
                self.set_status("OK")
            self.end()
        finally:
            if self._tokens:
                context.detach(self._tokens.pop())

    async def __aenter__(self) -> Span:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(exc_type, exc, tb)


def _init(
    span: Span,
    name: str,
    kind: str,
    parent: Span | None,
    service_name: str,
    on_end: Callable[[Span], None] | None,
    sample_threshold: int,
    scrub: Scrub | None,
) -> None:
    """Fill a span's slots (shared by :class:`Span` and the tracer's unchecked fast path)."""
    if parent is not None:
        span._tid = parent._tid
        span._pid = parent._sid
        span.sampled = parent.sampled
    else:
        span._tid = tid = _bits(128) or 1
        span._pid = 0
        span.sampled = sample_threshold >= _ALL or (tid & _MASK64) < sample_threshold
    span._sid = _bits(64) or 1
    span.name = name
    span.kind = kind
    span.service_name = service_name
    span.start_time = _perf() + _ids.clock_offset  # inlined _ids.now_ns(): this runs for every span
    span.end_time = None
    span.status = "UNSET"
    span.status_message = ""
    span._input = None
    span._output = None
    span._attributes = None
    span._events = None
    span._dropped = 0
    span._on_end = on_end
    span._tokens = None
    span._scrub = scrub


def new_span(
    name: str,
    kind: str,
    parent: Span | None,
    service_name: str,
    on_end: Callable[[Span], None] | None,
    sample_threshold: int,
    scrub: Scrub | None,
) -> Span:
    """A span from an already-validated name and kind (the ``@observe`` hot path): :func:`_init` written out,
    with both ids drawn from one call of the generator."""
    span = _new(Span)
    if parent is not None:
        span._tid = parent._tid
        span._pid = parent._sid
        span.sampled = parent.sampled
        span._sid = _bits(64) or 1
    else:
        bits = _bits(192)
        span._tid = tid = bits >> 64 or 1
        span._sid = bits & _MASK64 or 1
        span._pid = 0
        span.sampled = sample_threshold >= _ALL or (tid & _MASK64) < sample_threshold
    span.name = name
    span.kind = kind
    span.service_name = service_name
    span.start_time = _perf() + _ids.clock_offset
    span.end_time = None
    span.status = "UNSET"
    span.status_message = ""
    span._input = None
    span._output = None
    span._attributes = None
    span._events = None
    span._dropped = 0
    span._on_end = on_end
    span._tokens = None
    span._scrub = scrub
    return span


_new = object.__new__

# The wire dict of a plain span, its keys in schema order: copying it (one memcpy of a dict of the same shape)
# and filling in the slots that vary is cheaper than a 14-key dict display, which inserts key by key.
_PLAIN_WIRE: dict[str, Any] = {
    "trace_id": "", "span_id": "", "parent_span_id": None, "name": "", "kind": "", "start_time": 0,
    "end_time": 0, "status": "UNSET", "status_message": "", "service_name": "", "attributes": None,
    "events": None, "input": None, "output": None,
}  # fmt: skip


# A plain ended span (nothing captured, no attributes, events or status message) as ``@observe`` queues it for a
# BatchExporter: (trace id, span id, parent span id or 0, name, kind, start, end, status, service name). Only atomic
# values, so the garbage collector stops tracking the tuple at its first pass; a queued Span would be traversed by
# every collection until its batch is sent, and promoted to the older generations on the way.
SpanRecord = tuple[int, int, int, str, str, int, int, str, str]


def wire_batch(items: list[Any]) -> list[dict[str, Any]]:
    """The wire dicts of a batch of ended spans (wire dicts among them pass through as they are).

    The export thread's loop: a plain ended span (nothing captured, no attributes, events or status
    message: nothing to copy or scrub), or its :data:`SpanRecord`, is written out here, without a
    method call per span; any other span goes through :meth:`Span.to_wire`. Raises whatever a span's
    conversion raises.
    """
    out: list[dict[str, Any]] = []
    append = out.append
    copy = _PLAIN_WIRE.copy
    for span in items:
        if type(span) is tuple:  # a SpanRecord
            tid, sid, pid, name, kind, start, end, status, service_name = span
        elif type(span) is Span or isinstance(span, Span):
            end = span.end_time
            if (end is None or span._input is not None or span._output is not None or span._attributes
                    or span._events or span.status_message):  # fmt: skip
                append(span.to_wire())
                continue
            tid, sid, pid, name, kind, start, status, service_name = (
                span._tid, span._sid, span._pid, span.name, span.kind, span.start_time, span.status, span.service_name
            )
        else:  # already a wire dict
            append(span)
            continue
        wire = copy()  # ids as lowercase hex: int.to_bytes().hex() is faster than a format
        wire["trace_id"] = tid.to_bytes(16, "big").hex()
        wire["span_id"] = sid.to_bytes(8, "big").hex()
        if pid:
            wire["parent_span_id"] = pid.to_bytes(8, "big").hex()
        wire["name"] = name
        wire["kind"] = kind
        wire["start_time"] = start
        wire["end_time"] = end
        wire["status"] = status
        wire["service_name"] = service_name
        wire["attributes"] = {}
        wire["events"] = []
        append(wire)
    return out


def _text(value: str | capture.Deferred | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.text()


def _scrubbed(attributes: dict[str, AttributeValue], scrub: Scrub) -> dict[str, AttributeValue]:
    return {k: _clip(scrub(v), MAX_VALUE_CHARS) if isinstance(v, str) and v else v for k, v in attributes.items()}
