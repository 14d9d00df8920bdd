"""The :class:`Span`: one timed operation (an LLM call, a tool call, an agent run) in a trace."""

from __future__ import annotations

import enum
import logging
import math
import secrets
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from agentstack import context, genai
from agentstack.capture import to_json_text
from agentstack.schema import (
    KIND_PATTERN,  # the schema's own kind pattern: one definition of what a kind may look like
    MAX_ATTRIBUTES,
    MAX_EVENTS,
    MAX_KEY_CHARS,
    MAX_NAME_CHARS,
    MAX_VALUE_CHARS,
    STATUSES,
    TRUNCATION_MARKER,
)

__all__ = ["AttributeValue", "Span", "SpanKind", "new_span_id", "new_trace_id"]

logger = logging.getLogger(__name__)

AttributeValue = str | int | float | bool


class SpanKind(enum.StrEnum):
    """What a span stands for; the UI draws each kind differently. Any short lowercase word also works."""

    AGENT = "agent"
    LLM = "llm"
    TOOL = "tool"
    MEMORY = "memory"
    CHAIN = "chain"
    RETRIEVER = "retriever"
    EMBEDDING = "embedding"
    SPAN = "span"


def new_trace_id() -> str:
    """A random 128-bit trace id as 32 lowercase hex characters (never all zeros, which is invalid)."""
    while (trace_id := secrets.token_hex(16)) == "0" * 32:
        pass
    return trace_id


def new_span_id() -> str:
    """A random 64-bit span id as 16 lowercase hex characters (never all zeros, which is invalid)."""
    while (span_id := secrets.token_hex(8)) == "0" * 16:
        pass
    return span_id


def check_kind(kind: SpanKind | str) -> str:
    """Return ``kind`` as its wire string.

    Raises:
        ValueError: not a short lowercase word the schema accepts.
    """
    value = kind.value if isinstance(kind, SpanKind) else kind
    if not isinstance(value, str) or not KIND_PATTERN.match(value):
        raise ValueError(
            f"kind {kind!r} is invalid: use a SpanKind ({', '.join(k.value for k in SpanKind)}) "
            "or a short lowercase word of letters, digits, '_', '.' or '-'"
        )
    return value


def _clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marker included, so the schema keeps it unchanged."""
    return text if len(text) <= limit else text[: limit - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER


def _attribute_value(value: Any) -> AttributeValue:
    """Coerce a value to a wire attribute scalar: containers and objects travel as JSON text."""
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return _clip(value, MAX_VALUE_CHARS)
    return to_json_text(value, max_bytes=MAX_VALUE_CHARS)


class Span:
    """One timed operation. Create spans with ``start_span``/``@observe`` rather than directly.

    A span is also a (sync and async) context manager: inside the ``with`` block it is the current
    span, an exception escaping the block is recorded and sets status ERROR (then propagates
    unchanged), a clean exit (or a generator closed inside the block) sets status OK unless a status
    was already set, and the span ends on exit.

    Mutating methods are thread-safe and quietly ignored once the span has ended.
    """

    __slots__ = (
        "name", "kind", "trace_id", "span_id", "parent_span_id", "service_name", "start_time",
        "end_time", "status", "status_message", "input", "output", "_attributes", "_events",
        "_dropped", "_start_perf", "_on_end", "_lock", "_tokens",
    )  # fmt: skip

    name: str
    kind: str
    trace_id: str
    span_id: str
    parent_span_id: str | None
    service_name: str
    start_time: int

    def __init__(
        self,
        name: str,
        *,
        kind: SpanKind | str = SpanKind.SPAN,
        attributes: Mapping[str, Any] | None = None,
        parent: Span | None = None,
        service_name: str = "default",
        on_end: Callable[[Span], None] | None = None,
    ) -> None:
        """Start a span now.

        Args:
            name: what the operation is, e.g. ``"llm.chat"`` or ``"web_search"``.
            kind: a :class:`SpanKind` or another short lowercase word.
            attributes: initial attributes.
            parent: the parent span; ``None`` starts a new trace.
            service_name: tagged on the span.
            on_end: called once with the span when it ends (the tracer's export hook).

        Raises:
            ValueError: an empty name or an invalid kind.
        """
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"span name must be a non-empty string, got {name!r}")
        self.name = _clip(name, MAX_NAME_CHARS)
        self.kind = check_kind(kind)
        self.trace_id = parent.trace_id if parent is not None else new_trace_id()
        self.span_id = new_span_id()
        self.parent_span_id = parent.span_id if parent is not None else None
        self.service_name = service_name
        self.start_time = time.time_ns()
        # Durations come from the monotonic clock, so a wall-clock step never gives end < start.
        self._start_perf = time.perf_counter_ns()
        self.end_time: int | None = None
        self.status = "UNSET"
        self.status_message = ""
        self.input: str | None = None
        self.output: str | None = None
        self._attributes: dict[str, AttributeValue] = {}
        self._events: list[dict[str, Any]] = []
        self._dropped = 0
        self._on_end = on_end
        self._lock = threading.Lock()
        self._tokens: list[Any] = []
        if attributes:
            self.set_attributes(attributes)

    def __repr__(self) -> str:
        return (
            f"Span(name={self.name!r}, kind={self.kind!r}, trace_id={self.trace_id!r}, "
            f"span_id={self.span_id!r}, parent_span_id={self.parent_span_id!r}, status={self.status!r})"
        )

    @property
    def ended(self) -> bool:
        """Whether :meth:`end` has been called."""
        return self.end_time is not None

    @property
    def attributes(self) -> dict[str, AttributeValue]:
        """A copy of the span's attributes."""
        with self._lock:
            return dict(self._attributes)

    @property
    def events(self) -> list[dict[str, Any]]:
        """A copy of the span's events."""
        with self._lock:
            return [dict(event) for event in self._events]

    def set_attribute(self, key: str, value: Any) -> None:
        """Set one attribute; ``None`` removes it. Non-scalar values are stored as JSON text."""
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_CHARS:
            logger.warning("AgentStack: ignoring attribute key %r (need 1–%d characters)", key, MAX_KEY_CHARS)
            return
        coerced = None if value is None else _attribute_value(value)
        with self._lock:
            if self.end_time is not None:
                logger.debug("AgentStack: attribute %r set on ended span %r ignored", key, self.name)
            elif coerced is None:
                self._attributes.pop(key, None)
            elif key in self._attributes or len(self._attributes) < MAX_ATTRIBUTES:
                self._attributes[key] = coerced
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
        event = {
            "name": _clip(str(name), MAX_NAME_CHARS),
            "timestamp": time.time_ns() if timestamp is None else timestamp,
            "attributes": {
                str(k)[:MAX_KEY_CHARS]: _attribute_value(v)
                for k, v in list((attributes or {}).items())[:MAX_ATTRIBUTES]
                if v is not None and k
            },
        }
        with self._lock:
            if self.end_time is not None:
                logger.debug("AgentStack: event %r added to ended span %r ignored", name, self.name)
            elif len(self._events) < MAX_EVENTS:
                self._events.append(event)
            else:
                self._dropped += 1

    def set_status(self, status: str, message: str = "") -> None:
        """Set the status: ``"OK"``, ``"ERROR"`` (with a message saying what failed) or ``"UNSET"``.

        Raises:
            ValueError: an unknown status.
        """
        upper = status.upper() if isinstance(status, str) else status
        if upper not in STATUSES:
            raise ValueError(f"status must be one of {list(STATUSES)}, got {status!r}")
        with self._lock:
            if self.end_time is None:
                self.status = upper
                self.status_message = _clip(str(message or ""), MAX_VALUE_CHARS)

    def record_exception(self, exc: BaseException, attributes: Mapping[str, Any] | None = None) -> None:
        """Add an ``exception`` event with ``exception.type``, ``exception.message`` and ``exception.stacktrace``."""
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
        text = to_json_text(value)
        with self._lock:
            if self.end_time is None:
                self.input = text

    def set_output(self, value: Any) -> None:
        """Capture ``value`` as the span's output (JSON text, at most 16 KB)."""
        text = to_json_text(value)
        with self._lock:
            if self.end_time is None:
                self.output = text

    def set_llm(
        self,
        *,
        model: str | None = None,
        provider: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        **details: Any,
    ) -> None:
        """Record an LLM call with OpenTelemetry GenAI attribute names.

        Args:
            model: ``gen_ai.request.model``, e.g. ``"gpt-4o"``.
            provider: ``gen_ai.provider.name`` (and the older ``gen_ai.system``), e.g. ``"openai"``.
            input_tokens: ``gen_ai.usage.input_tokens``.
            output_tokens: ``gen_ai.usage.output_tokens``.
            **details: further keywords of :func:`agentstack.genai.llm_attributes`
                (``response_model``, ``operation``, ``temperature``, ``max_tokens``, ``finish_reasons``).

        Raises:
            ValueError: a negative token count.
        """
        self.set_attributes(
            genai.llm_attributes(
                model=model, provider=provider, input_tokens=input_tokens, output_tokens=output_tokens, **details
            )
        )

    def end(self, end_time: int | None = None) -> None:
        """End the span (only the first call counts) and hand it to the tracer for export.

        Args:
            end_time: ns since the epoch; defaults to now.
        """
        with self._lock:
            if self.end_time is not None:
                return
            if end_time is None:
                end_time = self.start_time + (time.perf_counter_ns() - self._start_perf)
            self.end_time = max(end_time, self.start_time)
            if self._dropped:
                logger.debug("AgentStack: span %r dropped %d attributes/events over the limits", self.name, self._dropped)
        if self._on_end is not None:
            try:
                self._on_end(self)
            except Exception:  # telemetry never raises into user code
                logger.exception("AgentStack: failed to hand span %r to the exporter", self.name)

    def to_wire(self) -> dict[str, Any]:
        """The span as a wire-schema dict (see :mod:`agentstack.schema`). An open span reports now as its end."""
        with self._lock:
            end = self.end_time
            if end is None:
                end = max(self.start_time + (time.perf_counter_ns() - self._start_perf), self.start_time)
            return {
                "trace_id": self.trace_id,
                "span_id": self.span_id,
                "parent_span_id": self.parent_span_id,
                "name": self.name,
                "kind": self.kind,
                "start_time": self.start_time,
                "end_time": end,
                "status": self.status,
                "status_message": self.status_message,
                "service_name": self.service_name,
                "attributes": dict(self._attributes),
                "events": [dict(event) for event in self._events],
                "input": self.input,
                "output": self.output,
            }

    # -- context manager: current inside the block, ended on exit ---------------------------------
    def __enter__(self) -> Span:
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
