"""The span wire schema: the one definition shared by the SDK and the platform.

The SDK produces spans in this shape; the platform's ingest deployment validates every incoming span
with :func:`validate_span` and the writer stores the normalised result. Nothing else defines what a
span is.

A wire span is a plain dict::

    {
      "trace_id": "32 lowercase hex chars",
      "span_id": "16 lowercase hex chars",
      "parent_span_id": "16 hex chars" | None,
      "name": "llm.chat",
      "kind": "llm",                       # agent, llm, tool, memory, chain, retriever, ...
      "start_time": 1763763000123456789,   # ns since the Unix epoch
      "end_time": 1763763000456789012,
      "status": "OK",                      # UNSET, OK or ERROR
      "status_message": "",
      "service_name": "my-agent",
      "attributes": {"gen_ai.request.model": "gpt-4o", ...},   # str -> str | int | float | bool
      "events": [{"name": "exception", "timestamp": 1763..., "attributes": {...}}],
      "input": "...captured arguments (JSON text)..." | None,
      "output": "...captured return value (JSON text)..." | None,
      # Optional, present only when sent (OpenTelemetry clients; the native SDK leaves them out):
      "span_kind": "CLIENT",               # OTel SpanKind: INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER, or ""
      "links": [{"trace_id": "...", "span_id": "...", "trace_state": "", "attributes": {...}}],
      "resource": {"service.name": "my-agent", ...},        # resource attributes
      "scope": {"name": "openinference.instrumentation.openai", "version": "0.1.2"},
    }

GenAI attribute conventions are normalised by the platform onto ``gen_ai.*`` keys (see
:mod:`agentstack.genai`) whatever convention the client used.
"""

from __future__ import annotations

import enum
import json
import re
from typing import Any

__all__ = [
    "SpanKind",
    "SPAN_KINDS",
    "OTEL_SPAN_KINDS",
    "KIND_PATTERN",
    "STATUSES",
    "MAX_ATTRIBUTES",
    "MAX_VALUE_CHARS",
    "TRUNCATION_MARKER",
    "SpanValidationError",
    "BatchError",
    "validate_span",
    "spans_from_payload",
]


# The one list of span kinds: the SDK, the platform and the web UI (dashboard/src/lib/kinds.ts, generated
# by dashboard/scripts/span_kinds.py) all take it from here.
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


#: The wire names of the :class:`SpanKind` members, in declaration order.
SPAN_KINDS: tuple[str, ...] = tuple(kind.value for kind in SpanKind)
#: Span statuses, indexed by OTLP's `Status.StatusCode` number (0 UNSET, 1 OK, 2 ERROR).
STATUSES = ("UNSET", "OK", "ERROR")
#: OpenTelemetry span kinds, indexed by OTLP's `Span.SpanKind` number ("" for 0, unspecified).
OTEL_SPAN_KINDS = ("", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER")
MAX_LINKS = 128
MAX_ATTRIBUTES = 256
MAX_KEY_CHARS = 256
MAX_NAME_CHARS = 1024
MAX_VALUE_CHARS = 32_768
MAX_CONTENT_CHARS = 262_144
MAX_EVENTS = 128
TRUNCATION_MARKER = "…[truncated]"

_HEX = re.compile(r"^[0-9a-f]+$")
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_.-]{0,31}$")
# Year 2000 .. year 2200 in ns: anything outside is a unit mistake (seconds, ms) rather than a time.
_MIN_NS = 946_684_800 * 10**9
_MAX_NS = 7_258_118_400 * 10**9


class SpanValidationError(ValueError):
    """A span that does not fit the wire schema.

    Attributes:
        field: the offending field's name.
        reason: what was wrong and what was expected.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class BatchError(ValueError):
    """A request body that is not a batch of spans at all."""


def spans_from_payload(payload: Any) -> list[Any]:
    """Return the list of raw spans in a decoded request body.

    Accepts ``{"spans": [...]}``, a bare list of spans, or a single span object (as the seeds do).

    Raises:
        BatchError: the body is none of those shapes.
    """
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        if "spans" in payload:
            spans = payload["spans"]
            if not isinstance(spans, list):
                raise BatchError(f"'spans' must be a list of span objects, got {type(spans).__name__}")
            return spans
        if "span_id" in payload or "trace_id" in payload:
            return [payload]
        raise BatchError(
            "expected {\"spans\": [...]}, a list of spans or a single span object; "
            f"got an object with keys {sorted(payload)[:8]}"
        )
    raise BatchError(f"expected a JSON object or list, got {type(payload).__name__}")


def _hex_id(raw: dict[str, Any], field: str, lengths: tuple[int, ...], required: bool) -> str | None:
    value = raw.get(field)
    if value is None or value == "":
        if required:
            raise SpanValidationError(field, "is required")
        return None
    if type(value) is str and len(value) in lengths and _HEX.match(value) and value.strip("0"):
        return value  # fast path: already normalised (what OTLP decoding and the SDK produce)
    if not isinstance(value, str):
        raise SpanValidationError(field, f"must be a hex string, got {type(value).__name__}")
    norm = value.replace("-", "").lower()
    if len(norm) not in lengths or not _HEX.match(norm):
        want = " or ".join(str(n) for n in lengths)
        raise SpanValidationError(field, f"must be {want} hex characters (a UUID is fine), got {value[:64]!r}")
    if set(norm) == {"0"}:
        raise SpanValidationError(field, "must not be all zeros")
    return norm


def _timestamp(raw: dict[str, Any], field: str) -> int:
    value = raw.get(field)
    if value is None:
        raise SpanValidationError(field, "is required (nanoseconds since the Unix epoch)")
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpanValidationError(field, f"must be an integer of nanoseconds since the epoch, got {value!r}")
    if not _MIN_NS <= value <= _MAX_NS:
        raise SpanValidationError(
            field, f"{value} is not nanoseconds since the epoch between 2000 and 2200 (seconds or ms given?)"
        )
    return value


def _text(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str):
        raise SpanValidationError(field, f"must be a string, got {type(value).__name__}")
    return value if len(value) <= limit else value[:limit] + TRUNCATION_MARKER


def _attr_value(value: Any) -> str | int | float | bool:
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS] + TRUNCATION_MARKER
    try:
        text = json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return _attr_value(text)


def _attributes(value: Any, field: str) -> dict[str, str | int | float | bool]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SpanValidationError(field, f"must be an object of key/value pairs, got {type(value).__name__}")
    if len(value) > MAX_ATTRIBUTES:
        raise SpanValidationError(field, f"has {len(value)} keys, at most {MAX_ATTRIBUTES} are allowed")
    out: dict[str, str | int | float | bool] = {}
    for key, item in value.items():
        if type(key) is not str or not key or len(key) > MAX_KEY_CHARS:
            raise SpanValidationError(field, f"key {str(key)[:40]!r} must be a non-empty string of ≤ {MAX_KEY_CHARS} chars")
        kind = type(item)
        # The common scalar cases inline (this loop runs for every attribute of every span).
        if kind is str:
            out[key] = item if len(item) <= MAX_VALUE_CHARS else item[:MAX_VALUE_CHARS] + TRUNCATION_MARKER
        elif kind is int or kind is float or kind is bool:
            out[key] = item
        elif item is not None:
            out[key] = _attr_value(item)
    return out


def _events(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SpanValidationError("events", f"must be a list, got {type(value).__name__}")
    if len(value) > MAX_EVENTS:
        raise SpanValidationError("events", f"has {len(value)} events, at most {MAX_EVENTS} are allowed")
    events = []
    for i, event in enumerate(value):
        if not isinstance(event, dict) or not isinstance(event.get("name"), str):
            raise SpanValidationError(f"events[{i}]", "must be an object with a string 'name'")
        events.append(
            {
                "name": _text(event["name"], f"events[{i}].name", MAX_NAME_CHARS),
                "timestamp": _timestamp(event, "timestamp") if "timestamp" in event else None,
                "attributes": _attributes(event.get("attributes"), f"events[{i}].attributes"),
            }
        )
    return events


def _links(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SpanValidationError("links", f"must be a list, got {type(value).__name__}")
    if len(value) > MAX_LINKS:
        raise SpanValidationError("links", f"has {len(value)} links, at most {MAX_LINKS} are allowed")
    links = []
    for i, link in enumerate(value):
        if not isinstance(link, dict):
            raise SpanValidationError(f"links[{i}]", "must be an object with 'trace_id' and 'span_id'")
        try:
            trace_id = _hex_id(link, "trace_id", (32,), required=True)
            span_id = _hex_id(link, "span_id", (16, 32), required=True)
        except SpanValidationError as exc:
            raise SpanValidationError(f"links[{i}].{exc.field}", exc.reason) from None
        links.append(
            {
                "trace_id": trace_id,
                "span_id": span_id,
                "trace_state": _text(link.get("trace_state") or "", f"links[{i}].trace_state", MAX_KEY_CHARS),
                "attributes": _attributes(link.get("attributes"), f"links[{i}].attributes"),
            }
        )
    return links


def _scope(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SpanValidationError("scope", f"must be an object with 'name' and 'version', got {type(value).__name__}")
    return {
        "name": _text(value.get("name") or "", "scope.name", MAX_NAME_CHARS),
        "version": _text(value.get("version") or "", "scope.version", MAX_KEY_CHARS),
    }


def _span_kind(value: Any) -> str:
    kind = value or ""
    if not isinstance(kind, str) or kind.upper() not in OTEL_SPAN_KINDS:
        raise SpanValidationError("span_kind", f"must be one of {list(OTEL_SPAN_KINDS[1:])} or empty, got {value!r}")
    return kind.upper()


def validate_span(raw: Any) -> dict[str, Any]:
    """Check one span against the wire schema and return its normalised form.

    Ids are lower-cased (UUID dashes removed), optional fields get their defaults, oversized strings
    are truncated with :data:`TRUNCATION_MARKER`.

    Args:
        raw: one decoded span object.

    Returns:
        A new dict with exactly the wire schema's keys.

    Raises:
        SpanValidationError: naming the first field that is wrong and why.
    """
    if not isinstance(raw, dict):
        raise SpanValidationError("span", f"must be an object, got {type(raw).__name__}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SpanValidationError("name", "is required and must be a non-empty string")
    start, end = raw.get("start_time"), raw.get("end_time")
    if type(start) is not int or not _MIN_NS <= start <= _MAX_NS:
        start = _timestamp(raw, "start_time")  # the slow path names what is wrong
    if type(end) is not int or not _MIN_NS <= end <= _MAX_NS:
        end = _timestamp(raw, "end_time")
    if end < start:
        raise SpanValidationError("end_time", f"({end}) is before start_time ({start})")
    kind = raw.get("kind") or "span"
    if kind not in SPAN_KINDS and (not isinstance(kind, str) or not KIND_PATTERN.match(kind.lower())):
        raise SpanValidationError("kind", f"must be a short lowercase word such as {sorted(SPAN_KINDS)}, got {kind!r}")
    status = raw.get("status") or "UNSET"
    if not isinstance(status, str) or status.upper() not in STATUSES:
        raise SpanValidationError("status", f"must be one of {list(STATUSES)}, got {status!r}")
    content = {}
    for field in ("input", "output"):
        value = raw.get(field)
        if value is not None and not isinstance(value, str):
            value = _attr_value(value)
            value = value if isinstance(value, str) else json.dumps(value)
        content[field] = None if value is None else _text(value, field, MAX_CONTENT_CHARS)
    span: dict[str, Any] = {
        "trace_id": _hex_id(raw, "trace_id", (32,), required=True),
        "span_id": _hex_id(raw, "span_id", (16, 32), required=True),
        "parent_span_id": _hex_id(raw, "parent_span_id", (16, 32), required=False),
        "name": _text(name, "name", MAX_NAME_CHARS),
        "kind": kind.lower(),
        "start_time": start,
        "end_time": end,
        "status": status.upper(),
        "status_message": _text(raw.get("status_message") or "", "status_message", MAX_VALUE_CHARS),
        "service_name": _text(raw.get("service_name") or "default", "service_name", MAX_KEY_CHARS),
        "attributes": _attributes(raw.get("attributes"), "attributes"),
        "events": _events(raw.get("events")),
        "input": content["input"],
        "output": content["output"],
    }
    # The OpenTelemetry fields are optional: present only when the client sent them, so spans
    # from older SDKs (and the native SDK) keep exactly their shape.
    if raw.get("span_kind"):
        span["span_kind"] = _span_kind(raw["span_kind"])
    if raw.get("links"):
        span["links"] = _links(raw["links"])
    if raw.get("resource"):
        span["resource"] = _attributes(raw["resource"], "resource")
    if raw.get("scope"):
        span["scope"] = _scope(raw["scope"])
    return span
