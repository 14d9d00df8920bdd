"""The span wire schema (sdk/agentstack/schema.py), which the server validates every span with."""

from __future__ import annotations

import pytest

from agentstack.schema import (
    MAX_VALUE_CHARS,
    TRUNCATION_MARKER,
    BatchError,
    SpanValidationError,
    spans_from_payload,
    validate_span,
)

NOW = 1_763_763_000_000_000_000


def span(**over):
    base = {
        "trace_id": "0123456789abcdef0123456789abcdef",
        "span_id": "0123456789abcdef",
        "name": "llm.chat",
        "start_time": NOW,
        "end_time": NOW + 5_000_000,
    }
    base.update(over)
    return base


def test_minimal_span_gets_defaults():
    out = validate_span(span())
    assert out["kind"] == "span"
    assert out["status"] == "UNSET"
    assert out["parent_span_id"] is None
    assert out["service_name"] == "default"
    assert out["attributes"] == {} and out["events"] == []


def test_uuid_ids_are_normalised():
    out = validate_span(span(trace_id="01234567-89AB-CDEF-0123-456789ABCDEF", span_id="ABCDEF0123456789"))
    assert out["trace_id"] == "0123456789abcdef0123456789abcdef"
    assert out["span_id"] == "abcdef0123456789"


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"trace_id": "xyz"}, "trace_id"),
        ({"trace_id": "0" * 32}, "trace_id"),
        ({"span_id": None}, "span_id"),
        ({"name": ""}, "name"),
        ({"start_time": 1_763_763_000}, "start_time"),  # seconds, not ns
        ({"end_time": NOW - 1}, "end_time"),
        ({"status": "FINE"}, "status"),
        ({"attributes": ["a"]}, "attributes"),
        ({"events": [{"nope": 1}]}, "events[0]"),
        ({"start_time": "123"}, "start_time"),
    ],
)
def test_bad_fields_are_named(override, field):
    with pytest.raises(SpanValidationError) as err:
        validate_span(span(**override))
    assert err.value.field == field


def test_oversized_attribute_is_truncated_with_marker():
    out = validate_span(span(attributes={"big": "x" * (MAX_VALUE_CHARS + 10), "n": 3, "obj": {"a": [1]}}))
    assert out["attributes"]["big"].endswith(TRUNCATION_MARKER)
    assert out["attributes"]["n"] == 3
    assert out["attributes"]["obj"] == '{"a": [1]}'


@pytest.mark.parametrize(
    "payload", [{"spans": [span()]}, [span()], span()],
)
def test_payload_shapes(payload):
    assert len(spans_from_payload(payload)) == 1


@pytest.mark.parametrize("payload", [{"spans": {}}, {"foo": 1}, "text", 3])
def test_non_batches_are_refused(payload):
    with pytest.raises(BatchError):
        spans_from_payload(payload)
