"""Span values: kinds, ids, and coercing attribute values to what the wire schema accepts."""

from __future__ import annotations

import math
from typing import Any

from agentstack import _ids
from agentstack.capture import to_json_text
from agentstack.schema import KIND_PATTERN, MAX_VALUE_CHARS, TRUNCATION_MARKER, SpanKind

__all__ = ["AttributeValue", "SpanKind", "check_kind", "new_span_id", "new_trace_id", "clip", "attribute_value"]

AttributeValue = str | int | float | bool


def new_trace_id() -> str:
    """A random 128-bit trace id as 32 lowercase hex characters (never all zeros, which is invalid)."""
    return f"{_ids.new_id128():032x}"


def new_span_id() -> str:
    """A random 64-bit span id as 16 lowercase hex characters (never all zeros, which is invalid)."""
    return f"{_ids.new_id64():016x}"


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


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marker included, so the schema keeps it unchanged."""
    return text if len(text) <= limit else text[: limit - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER


def attribute_value(value: Any) -> AttributeValue:
    """Coerce a value to a wire attribute scalar: containers and objects travel as JSON text."""
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return clip(value, MAX_VALUE_CHARS)
    return to_json_text(value, max_bytes=MAX_VALUE_CHARS)
