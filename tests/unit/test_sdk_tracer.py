"""Spans, start_span, the current-span context and the LLM helper."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from agentstack.store import SpanStore

import agentstack
from agentstack import tracer as tracer_module
from agentstack.config import Settings, env_var
from agentstack.schema import MAX_ATTRIBUTES, MAX_EVENTS, MAX_VALUE_CHARS, TRUNCATION_MARKER, validate_span
from agentstack.span import Span, SpanKind, wire_batch
from agentstack.testing import InMemoryExporter




def test_nested_spans_link_parent_and_share_the_trace(memory: InMemoryExporter) -> None:
    with agentstack.start_span("agent", kind=SpanKind.AGENT) as root:
        assert agentstack.get_current_span() is root
        with agentstack.start_span("llm", kind="llm") as child:
            assert agentstack.get_current_span() is child
            assert agentstack.get_current_trace_id() == root.trace_id
        with agentstack.start_span("tool", kind="tool"):
            pass
        assert agentstack.get_current_span() is root
    assert agentstack.get_current_span() is None
    assert agentstack.get_current_trace_id() is None

    agent, llm, tool = (memory.by_name(n) for n in ("agent", "llm", "tool"))
    assert agent["parent_span_id"] is None
    assert llm["parent_span_id"] == agent["span_id"] and tool["parent_span_id"] == agent["span_id"]
    assert {agent["trace_id"], llm["trace_id"], tool["trace_id"]} == {root.trace_id}
    assert len(root.trace_id) == 32 and len(root.span_id) == 16
    assert agent["service_name"] == "unit-tests"
    assert agent["start_time"] <= llm["start_time"] <= llm["end_time"] <= agent["end_time"]
    assert [s["status"] for s in (agent, llm, tool)] == ["OK", "OK", "OK"]


def test_separate_top_level_spans_start_separate_traces(memory: InMemoryExporter) -> None:
    with agentstack.start_span("first") as first:
        with agentstack.start_span("fresh", root=True) as fresh:
            pass
    with agentstack.start_span("second") as second:
        pass
    assert len({first.trace_id, second.trace_id, fresh.trace_id}) == 3
    assert fresh.parent_span_id is None


def test_async_context_manager_and_gather_siblings(memory: InMemoryExporter) -> None:
    async def tool(name: str) -> str:
        async with agentstack.start_span(name, kind="tool") as span:
            await asyncio.sleep(0.01)
            return span.span_id

    async def agent() -> tuple[str, list[str]]:
        async with agentstack.start_span("agent", kind="agent") as span:
            ids = await asyncio.gather(tool("a"), tool("b"))
            return span.span_id, list(ids)

    agent_id, _ = asyncio.run(agent())
    a, b = memory.by_name("a"), memory.by_name("b")
    assert a["parent_span_id"] == agent_id and b["parent_span_id"] == agent_id
    assert a["span_id"] != b["span_id"]


def test_threads_do_not_inherit_the_current_span(memory: InMemoryExporter) -> None:
    seen: list[Span | None] = []
    with agentstack.start_span("main"):
        thread = threading.Thread(target=lambda: seen.append(agentstack.get_current_span()))
        thread.start()
        thread.join()
    assert seen == [None]


def test_exception_in_block_is_recorded_and_reraised_unchanged(memory: InMemoryExporter) -> None:
    error = KeyError("missing tool")
    with pytest.raises(KeyError) as info:
        with agentstack.start_span("tool", kind="tool"):
            raise error
    assert info.value is error
    span = memory.by_name("tool")
    assert span["status"] == "ERROR"
    assert span["status_message"] == str(error)
    (event,) = span["events"]
    assert event["name"] == "exception"
    assert event["attributes"]["exception.type"] == "KeyError"
    assert event["attributes"]["exception.message"] == str(error)
    assert "test_exception_in_block_is_recorded_and_reraised_unchanged" in event["attributes"]["exception.stacktrace"]
    assert agentstack.get_current_span() is None


def test_span_open_across_a_yield_of_a_closed_generator_is_not_an_error(memory: InMemoryExporter) -> None:
    def tokens() -> Iterator[str]:
        with agentstack.start_span("stream", kind="llm"):
            yield "a"
            yield "b"

    stream = tokens()
    next(stream)
    stream.close()
    assert memory.by_name("stream")["status"] == "OK"


def test_explicit_status_is_kept_on_clean_exit(memory: InMemoryExporter) -> None:
    with agentstack.start_span("guardrail") as span:
        span.set_status("ERROR", "blocked by policy")
    assert memory.by_name("guardrail")["status"] == "ERROR"
    assert memory.by_name("guardrail")["status_message"] == "blocked by policy"


def test_end_is_idempotent_and_exports_once(memory: InMemoryExporter) -> None:
    span = agentstack.start_span("manual")
    assert agentstack.get_current_span() is None  # not entered: not current
    span.set_attribute("k", 1)
    span.end()
    end_time = span.end_time
    span.end()
    span.set_attribute("late", True)  # ignored after end
    assert span.end_time == end_time
    assert len(memory.spans) == 1
    assert memory.spans[0]["attributes"] == {"k": 1}


def test_attributes_are_coerced_to_wire_scalars(memory: InMemoryExporter) -> None:
    with agentstack.start_span("attrs", attributes={"initial": "yes"}) as span:
        span.set_attributes(
            {
                "int": 3,
                "float": 0.5,
                "bool": False,
                "list": ["a", 1],
                "dict": {"k": [1, 2]},
                "nan": float("nan"),
                "long": "x" * (MAX_VALUE_CHARS + 10),
                "removed": "soon",
            }
        )
        span.set_attribute("removed", None)
        span.set_attribute("", "empty keys are ignored")
    attributes = memory.by_name("attrs")["attributes"]
    assert attributes["initial"] == "yes"
    assert (attributes["int"], attributes["float"], attributes["bool"]) == (3, 0.5, False)
    assert json.loads(attributes["list"]) == ["a", 1] and json.loads(attributes["dict"]) == {"k": [1, 2]}
    assert attributes["nan"] == "nan"
    assert len(attributes["long"]) == MAX_VALUE_CHARS and attributes["long"].endswith(TRUNCATION_MARKER)
    assert "removed" not in attributes and "" not in attributes


def test_attribute_and_event_limits_keep_spans_valid(memory: InMemoryExporter) -> None:
    with agentstack.start_span("busy") as span:
        for i in range(MAX_ATTRIBUTES + 20):
            span.set_attribute(f"key.{i}", i)
        for i in range(MAX_EVENTS + 20):
            span.add_event("chunk", {"index": i})
    wire = memory.by_name("busy")
    assert len(wire["attributes"]) == MAX_ATTRIBUTES
    assert len(wire["events"]) == MAX_EVENTS
    assert wire["events"][0]["attributes"] == {"index": 0}


def test_set_llm_uses_genai_names(memory: InMemoryExporter) -> None:
    with agentstack.start_span("chat", kind="llm") as span:
        span.set_llm(model="gpt-4o", provider="openai", input_tokens=812, output_tokens=96, finish_reasons=["stop"])
    with agentstack.start_span("chat2", kind="llm"):
        assert agentstack.set_llm(model="claude-sonnet-4", provider="anthropic", input_tokens=5) is not None
    assert agentstack.set_llm(model="nowhere") is None  # outside any span: nothing to record on

    attributes = memory.by_name("chat")["attributes"]
    assert attributes["gen_ai.request.model"] == "gpt-4o"
    assert attributes["gen_ai.provider.name"] == "openai" and attributes["gen_ai.system"] == "openai"
    assert attributes["gen_ai.usage.input_tokens"] == 812
    assert attributes["gen_ai.usage.output_tokens"] == 96
    assert json.loads(attributes["gen_ai.response.finish_reasons"]) == ["stop"]
    second = memory.by_name("chat2")["attributes"]
    assert second["gen_ai.request.model"] == "claude-sonnet-4" and "gen_ai.usage.output_tokens" not in second
    with pytest.raises(ValueError, match="input_tokens"):
        Span("x").set_llm(input_tokens=-1)


def test_input_and_output_capture_on_manual_spans(memory: InMemoryExporter) -> None:
    with agentstack.start_span("llm", kind="llm") as span:
        span.set_input([{"role": "user", "content": "hi"}])
        span.set_output("hello!")
    wire = memory.by_name("llm")
    assert json.loads(wire["input"]) == [{"role": "user", "content": "hi"}]
    assert json.loads(wire["output"]) == "hello!"


@pytest.mark.parametrize("kind", ["", "LLM call", "x" * 40, 3])
def test_bad_kind_or_name_is_a_value_error(memory: InMemoryExporter, kind: Any) -> None:
    with pytest.raises(ValueError, match="kind"):
        agentstack.start_span("ok", kind=kind)
    with pytest.raises(ValueError, match="name"):
        agentstack.start_span("  ")


def test_to_wire_of_an_open_span_is_valid() -> None:
    span = Span("open", kind="chain")
    wire = span.to_wire()
    assert validate_span(wire) == wire
    assert wire["end_time"] >= wire["start_time"]


def test_wire_batch_builds_each_span_as_to_wire_documents_it() -> None:
    root = Span("root", kind="agent")
    child = Span("child", kind="tool", parent=root)
    child.end(child.start_time + 5)
    root.set_status("OK")
    root.end()
    captured = Span("captured", kind="llm", parent=root)
    captured.set_input({"q": "x"})
    captured.set_attribute("k", 1)
    captured.end()
    already = {"name": "a wire dict", "trace_id": "0" * 32}
    wires = wire_batch([root, child, captured, already])
    assert wires[3] is already
    for span, wire in zip((root, child, captured), wires):
        expected = {
            "trace_id": span.trace_id, "span_id": span.span_id, "parent_span_id": span.parent_span_id,
            "name": span.name, "kind": span.kind, "start_time": span.start_time, "end_time": span.end_time,
            "status": span.status, "status_message": span.status_message, "service_name": span.service_name,
            "attributes": span.attributes, "events": span.events, "input": span.input, "output": span.output,
        }  # fmt: skip
        assert list(wire.items()) == list(expected.items())  # the same keys, values and key order
        assert validate_span(wire) == wire
    assert wires[0]["parent_span_id"] is None and wires[1]["parent_span_id"] == root.span_id
    assert wires[0]["status"] == "OK" and wires[1]["status"] == "UNSET" and wires[1]["end_time"] == child.start_time + 5
    wires[0]["attributes"]["x"] = 1  # every plain span has containers of its own
    wires[0]["events"].append({})
    assert wire_batch([child])[0]["attributes"] == {} and wire_batch([child])[0]["events"] == []
    assert root.to_wire() == wire_batch([root])[0] != wires[0]


def test_without_api_key_spans_go_to_the_local_store(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Any
) -> None:
    for field in dataclasses.fields(Settings):
        monkeypatch.delenv(env_var(field.name), raising=False)
    monkeypatch.setattr(tracer_module, "_warned_local_mode", False)
    store = str(tmp_path / "local.db")
    with caplog.at_level(logging.WARNING, logger="agentstack"):
        tracer = agentstack.Tracer(agentstack.resolve_settings(store_path=store))
        agentstack.Tracer(agentstack.resolve_settings(store_path=store)).shutdown()
    assert tracer.settings.local_mode
    assert [r.getMessage() for r in caplog.records if "agentstack traces" in r.getMessage()] != []
    assert len(caplog.records) == 1  # said once, not per tracer
    with tracer.start_span("parent") as parent:
        with tracer.start_span("child") as child:
            assert child.parent_span_id == parent.span_id
    assert tracer.flush() is True
    assert tracer.stats() == {"queued": 0, "sent": 2, "dropped": 0, "failed": 0, "stored_offline": 0}
    tracer.shutdown()
    spans = SpanStore(store).trace(parent.trace_id[:8])
    assert [s["name"] for s in spans] == ["parent", "child"]
    assert all(validate_span(s) == s for s in spans)


def test_disabled_sdk_does_not_export_even_with_a_custom_exporter() -> None:
    exporter = InMemoryExporter()
    tracer = agentstack.Tracer(agentstack.resolve_settings(enabled=False, api_key="ak_x"), exporter=exporter)
    with tracer.start_span("quiet"):
        pass
    assert exporter.spans == []


def test_llm_helper_writes_genai_usage_including_cache_and_reasoning(memory: InMemoryExporter) -> None:
    assert agentstack.init is agentstack.configure
    with agentstack.start_span("llm.chat", kind="llm") as span:
        assert agentstack.get_current_trace_id() == span.trace_id
        agentstack.set_llm(
            model="claude-sonnet-4", provider="anthropic", input_tokens=1200, output_tokens=300,
            cache_read_tokens=1000, cache_write_tokens=150, reasoning_tokens=120, finish_reasons=["end_turn"],
        )  # fmt: skip
    attributes = memory.by_name("llm.chat")["attributes"]
    assert attributes == {
        "gen_ai.request.model": "claude-sonnet-4",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.system": "anthropic",
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.output_tokens": 300,
        "gen_ai.usage.cache_read.input_tokens": 1000,
        "gen_ai.usage.cache_creation.input_tokens": 150,
        "gen_ai.usage.reasoning.output_tokens": 120,
        "gen_ai.response.finish_reasons": '["end_turn"]',
    }
    with pytest.raises(ValueError, match="cache_read_tokens"):
        span.set_llm(cache_read_tokens=-1)
