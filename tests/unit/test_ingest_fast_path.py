"""The fast ingest path gives the bus exactly what the slow path gave, span for span and byte for byte.

Fast path: OTLP protobuf → :func:`serve_apps.otlp.checked_spans` (validated form straight from the
protobuf) → :func:`serve_apps.conventions.normalise` with its shortcuts (aliasing only over present
keys, message and tool parsing only when a key or event could feed them).
Slow path (the oracle): :func:`serve_apps.otlp.raw_spans` → `validate_span` → the normalisation loop
as it was before the shortcuts. Varied random spans, many of them broken on purpose, go through both.
"""

from __future__ import annotations

import json
import random
from typing import Any

import msgpack
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from agentstack.schema import MAX_VALUE_CHARS, validate_span
from cluster.bus import entry_fields
from serve_apps import conventions, otlp
from serve_apps.batches import collect
from serve_apps.payloads import parse

NOW = 1_790_000_000 * 10**9
#: How often _request puts a fault in (set per request).
FAULTS = 1.0

_KEYS = [
    "gen_ai.request.model", "gen_ai.response.model", "llm.model_name", "llm.model", "llm.response.model",
    "gen_ai.system", "gen_ai.provider.name", "llm.provider", "llm.vendor",
    "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt",
    "llm.token_count.completion", "llm.tokens.in", "llm.usage.completion_tokens", "gen_ai.usage.cache_read_input_tokens",
    "llm.token_count.completion_details.reasoning", "session_id", "session.id", "user_id", "enduser.id", "tags",
    "metadata", "openinference.span.kind", "traceloop.span.kind", "gen_ai.operation.name", "agentstack.span.kind",
    "input.value", "output.value", "gen_ai.prompt", "gen_ai.completion", "tool.input", "tool.output",
    "gen_ai.prompt.0.content", "gen_ai.prompt.0.role", "gen_ai.completion.0.content", "gen_ai.completion.0.role",
    "llm.input_messages.0.message.role", "llm.input_messages.0.message.content", "llm.output_messages.0.message.content",
    "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.tool.definitions",
    "llm.tools.0.tool.json_schema", "llm.request.functions.0.name", "http.method", "custom.flag", "custom.ratio",
]
_STRINGS = [
    "gpt-4o", "openai", "12", "12.0", "12.5", "abc", "", "LLM", "chain", "workflow", "chat", "execute_tool", "llm",
    '{"team": "a", "n": 3}', '{"bad json', '[{"role": "user", "content": "hi"}]',
    '[{"role": "assistant", "parts": [{"type": "text", "content": "yo"}]}]', '[{"type": "function", "name": "f"}]',
    "héllo wörld", "ends with …[truncated]", "user", "assistant", '{"type": "object"}',
]
_EVENT_NAMES = [
    "gen_ai.choice", "gen_ai.user.message", "gen_ai.system.message", "gen_ai.tool.message", "gen_ai.content.prompt",
    "gen_ai.content.completion", "gen_ai.client.inference.operation.details", "exception", "",
]


def _value(rng: random.Random) -> AnyValue:
    roll = rng.random()
    if roll < 0.55 or rng.random() > FAULTS:
        return AnyValue(string_value=rng.choice(_STRINGS))
    if roll < 0.68:
        return AnyValue(int_value=rng.choice([0, 7, 1234, -3]))
    if roll < 0.74:
        return AnyValue(double_value=rng.choice([0.5, 3.0, -1.25]))
    if roll < 0.79:
        return AnyValue(bool_value=rng.random() < 0.5)
    if roll < 0.83:
        out = AnyValue()
        out.array_value.values.extend([AnyValue(string_value="a"), AnyValue(int_value=2)])
        return out
    if roll < 0.86:
        out = AnyValue()
        out.kvlist_value.values.append(KeyValue(key="k", value=AnyValue(string_value="v")))
        return out
    if roll < 0.89:
        return AnyValue(bytes_value=b"\x00\x01")
    if roll < 0.92:
        return AnyValue()  # no value at all
    if roll < 0.95:
        return AnyValue(string_value="x" * (MAX_VALUE_CHARS + rng.choice([0, 1, 5])))
    return AnyValue(string_value=rng.choice(_STRINGS))


def _attributes(rng: random.Random, target: Any, n: int, bad_keys: bool = True) -> None:
    for _ in range(n):
        key = rng.choice(_KEYS)
        if bad_keys and rng.random() < 0.1 * FAULTS:
            key = rng.choice(["", "k" * 300])
        target.add(key=key, value=_value(rng))


def _id(rng: random.Random, size: int) -> bytes:
    roll = rng.random() / FAULTS
    if roll < 0.03:
        return bytes(size)  # all zeros
    if roll < 0.05:
        return rng.randbytes(4)  # wrong length
    if roll < 0.06:
        return b""
    return rng.randbytes(size)


def _request(seed: int) -> ExportTraceServiceRequest:
    """A varied export request; odd seeds are mostly clean (as real SDKs send), even seeds full of faults."""
    global FAULTS
    rng = random.Random(seed)
    FAULTS = 0.1 if seed % 2 else 1.0
    request = ExportTraceServiceRequest()
    for _ in range(rng.randint(1, 3)):
        resource_spans = request.resource_spans.add()
        service = rng.choice([AnyValue(string_value="svc"), AnyValue(string_value="s" * 300), AnyValue(int_value=3), None]
                             if rng.random() < FAULTS * 0.5 else [AnyValue(string_value="svc"), None])
        if service is not None:
            resource_spans.resource.attributes.add(key="service.name", value=service)
        if rng.random() < 0.3:
            _attributes(rng, resource_spans.resource.attributes, 2, bad_keys=False)  # sometimes arrays etc.
        for _ in range(rng.randint(1, 2)):
            scope_spans = resource_spans.scope_spans.add()
            scope_spans.scope.name = rng.choice(["lib", "", "n" * 1100] if rng.random() < FAULTS * 0.3 else ["lib", ""])
            scope_spans.scope.version = rng.choice(["1.0", "", "v" * 300] if rng.random() < FAULTS * 0.3 else ["1.0"])
            for _ in range(rng.randint(1, 12)):
                _span(rng, scope_spans.spans.add())
    return request


def _span(rng: random.Random, span: Any) -> None:
    span.trace_id = _id(rng, 16)
    span.span_id = _id(rng, rng.choice([8, 8, 8, 16]))
    if rng.random() < 0.6:
        span.parent_span_id = _id(rng, 8)
    faulty = rng.random() < FAULTS * 0.5
    span.name = rng.choice(["", "   ", "n" * 1100, "agent.run"] if faulty else ["chat gpt-4o", "tool.search", "agent.run"])
    start = rng.choice([0, 1_700_000_000, NOW]) if faulty else rng.choice([NOW, NOW + 10])
    span.start_time_unix_nano = start
    span.end_time_unix_nano = rng.choice([start + 5_000_000, start, NOW - 1]) if faulty and start else start + 5_000_000
    span.kind = rng.choice([0, 1, 2, 3, 4, 5, 9])
    span.status.code = rng.choice([0, 1, 2, 2, 7])
    span.status.message = rng.choice(["", "boom", "m" * (MAX_VALUE_CHARS + 1)] if faulty else ["", "boom"])
    _attributes(rng, span.attributes, rng.randint(0, 9))
    for _ in range(rng.choice([0, 0, 1, 2])):
        event = span.events.add()
        event.name = rng.choice(_EVENT_NAMES) if rng.random() > 0.03 * FAULTS else "e" * 1100
        event.time_unix_nano = rng.choice([NOW + 3, 0, 5] if faulty else [NOW + 3, 0])
        if event.name in ("gen_ai.choice", "gen_ai.user.message", "gen_ai.system.message", "gen_ai.tool.message"):
            key = rng.choice(["message", "content", "index", "finish_reason", "id"])
            event.attributes.add(key=key, value=AnyValue(string_value=rng.choice(
                ['{"role": "assistant", "content": "hi"}', "plain text", ""])))
        elif event.name == "gen_ai.client.inference.operation.details":
            event.attributes.add(key=rng.choice(["gen_ai.input.messages", "gen_ai.output.messages", "other"]),
                                 value=AnyValue(string_value='[{"role": "user", "content": "q"}]'))
        elif event.name in ("gen_ai.content.prompt", "gen_ai.content.completion"):
            event.attributes.add(key=rng.choice(["gen_ai.prompt", "gen_ai.completion"]), value=AnyValue(string_value="text"))
        else:
            _attributes(rng, event.attributes, rng.randint(0, 2))
    if rng.random() < 0.05 * FAULTS:
        link = span.links.add()
        link.trace_id, link.span_id = rng.randbytes(16), rng.randbytes(8)


def _old_alias(attrs: dict[str, Any]) -> None:
    """The aliasing loop before the shortcut: every target, every source, in order."""
    for target, sources in conventions.ALIASES.items():
        if target in attrs:
            continue
        for source in sources:
            value = attrs.get(source)
            if value is None or value == "":
                continue
            if target in conventions.COUNT_KEYS:
                value = conventions.as_count(value)
                if value is None:
                    continue
            attrs[target] = value
            break


def _fast(body: bytes) -> Any:
    payload = parse(body, "application/x-protobuf")
    return collect(payload.raw_spans, "proj", 4, len(body), payload.validated), payload


def _bus_bytes(batch: Any) -> bytes:
    return msgpack.packb({p: entry_fields(spans) for p, spans in sorted(batch.by_partition.items())}, use_bin_type=True)


SEEDS = range(300)


def test_fast_path_equals_slow_path_on_varied_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    fast_total = checked = rejected = 0
    slow_results = {}
    with monkeypatch.context() as patch:  # the oracle: raw spans → validate_span → normalise without shortcuts
        patch.setattr(conventions, "_alias", _old_alias)
        patch.setattr(conventions, "_may_hold_messages", lambda attrs, events, prefixed: True)
        patch.setattr(conventions, "_may_define_tools", lambda prefixed: True)
        for seed in SEEDS:
            body = _request(seed).SerializeToString()
            raw = otlp.raw_spans(otlp.decode_protobuf(body))
            batch = collect(raw, "proj", 4, len(body))
            slow_results[seed] = (batch.rejected, batch.accepted, batch.truncated, _bus_bytes(batch))
    for seed in SEEDS:
        body = _request(seed).SerializeToString()
        batch, payload = _fast(body)
        rejected_slow, accepted_slow, truncated_slow, bus_slow = slow_results[seed]
        assert batch.rejected == rejected_slow, f"seed {seed}: rejections differ"
        assert (batch.accepted, batch.truncated) == (accepted_slow, truncated_slow), f"seed {seed}"
        assert _bus_bytes(batch) == bus_slow, f"seed {seed}: the bus entries differ"
        fast_total += len(payload.raw_spans)
        checked += sum(payload.validated or [])
        rejected += len(batch.rejected)
    # The comparison means something only if both paths were exercised on many spans.
    assert checked > 300 and fast_total - checked > 300 and rejected > 100, (fast_total, checked, rejected)


def test_checked_spans_are_what_validate_span_returns() -> None:
    for seed in range(100):
        request = _request(seed)
        raw = otlp.raw_spans(request)
        spans, validated = otlp.checked_spans(request)
        for i, (span, ok) in enumerate(zip(spans, validated)):
            if ok:
                expected = validate_span(raw[i])
                assert list(span) == list(expected) and span == expected, f"seed {seed} span {i}"
            else:
                assert span == raw[i]


def test_a_clean_agent_batch_takes_the_fast_path_entirely() -> None:
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    resource_spans.resource.attributes.add(key="service.name", value=AnyValue(string_value="agent"))
    scope_spans = resource_spans.scope_spans.add()
    rng = random.Random(3)
    for i in range(50):
        span = scope_spans.spans.add(trace_id=rng.randbytes(16), span_id=rng.randbytes(8), name=f"step {i}",
                                     start_time_unix_nano=NOW, end_time_unix_nano=NOW + 1000, kind=3)
        span.attributes.add(key="gen_ai.request.model", value=AnyValue(string_value="gpt-4o"))
        span.attributes.add(key="gen_ai.usage.input_tokens", value=AnyValue(int_value=12))
    spans, validated = otlp.checked_spans(request)
    assert all(validated) and len(spans) == 50
    batch, _ = _fast(request.SerializeToString())
    assert batch.accepted == 50 and not batch.rejected


def test_normalise_shortcuts_change_nothing_on_native_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    """Native spans (input/output may be set, any attribute mix) normalise the same with and without shortcuts."""
    rng = random.Random(11)
    spans = []
    for i in range(2000):
        request = _request(10_000 + i % 50)
        raw = otlp.raw_spans(request)
        span = dict(rng.choice(raw))
        if rng.random() < 0.3:
            span["input"] = rng.choice(["given", None])
        if rng.random() < 0.3:
            span["output"] = rng.choice(["given", None])
        if rng.random() < 0.2:
            span["kind"] = rng.choice(["llm", "tool", "span", ""])
        try:
            spans.append(validate_span(span))
        except ValueError:
            continue
    fast = [conventions.normalise(json.loads(json.dumps(s))) for s in spans]
    with monkeypatch.context() as patch:
        patch.setattr(conventions, "_alias", _old_alias)
        patch.setattr(conventions, "_may_hold_messages", lambda attrs, events, prefixed: True)
        patch.setattr(conventions, "_may_define_tools", lambda prefixed: True)
        slow = [conventions.normalise(json.loads(json.dumps(s))) for s in spans]
    assert len(spans) > 500
    assert msgpack.packb(fast) == msgpack.packb(slow)
    assert sum(1 for s in slow if s["input"] and s["input"].startswith("[")) > 20, "message parsing must be exercised"
