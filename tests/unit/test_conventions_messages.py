"""Prompts/completions of every convention become chat messages (pure logic; the real libraries are
exercised in tests/integration/test_instrumentations.py). Here: the forms no installed library emits
on spans today — the OTel event form, OpenLLMetry's older indexed attributes — and sessions, users,
tags and metadata."""

from __future__ import annotations

import json

from agentstack.schema import validate_span
from cluster.query.messages import parse_messages
from serve_apps.conventions import normalise

T0 = 1_763_763_000_000_000_000


def span(attributes, events=None, **over):
    raw = {"trace_id": "a" * 32, "span_id": "b" * 16, "name": "chat", "start_time": T0, "end_time": T0 + 5,
           "attributes": attributes, **over}
    if events:
        raw["events"] = events
    return normalise(validate_span(raw))


def test_event_form_messages():
    events = [
        {"name": "gen_ai.system.message", "timestamp": T0, "attributes": {"content": "Be brief."}},
        {"name": "gen_ai.user.message", "timestamp": T0, "attributes": {"content": "Hi"}},
        {"name": "gen_ai.tool.message", "timestamp": T0, "attributes": {"content": "42", "id": "c1"}},
        {"name": "gen_ai.choice", "timestamp": T0 + 1, "attributes": {
            "finish_reason": "stop", "message": json.dumps({"content": "Hello!"})}},
    ]
    out = span({"gen_ai.request.model": "gpt-4o"}, events)
    inputs, outputs = parse_messages(out["input"]), parse_messages(out["output"])
    assert [m["role"] for m in inputs] == ["system", "user", "tool"]
    assert inputs[2]["parts"] == [{"type": "tool_call_response", "id": "c1", "response": "42"}]
    assert outputs == [{"role": "assistant", "parts": [{"type": "text", "content": "Hello!"}], "finish_reason": "stop"}]


def test_operation_details_event_and_system_instructions():
    details = {"name": "gen_ai.client.inference.operation.details", "timestamp": T0, "attributes": {
        "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Hi"}]}]),
        "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": "Yo"}]}]),
    }}
    out = span({"gen_ai.operation.name": "chat", "gen_ai.system_instructions": json.dumps(
        [{"type": "text", "content": "Be kind."}])}, [details])
    assert [(m["role"], m["parts"][0]["content"]) for m in parse_messages(out["input"])] == [("system", "Be kind."), ("user", "Hi")]
    assert parse_messages(out["output"])[0]["parts"][0]["content"] == "Yo"


def test_openllmetry_indexed_prompts_and_functions():
    out = span({
        "llm.request.type": "chat", "gen_ai.request.model": "gpt-4o",
        "gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": "Weather?",
        "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.finish_reason": "tool_calls",
        "gen_ai.completion.0.tool_calls.0.id": "c1", "gen_ai.completion.0.tool_calls.0.name": "weather",
        "gen_ai.completion.0.tool_calls.0.arguments": '{"city": "Oslo"}',
        "llm.request.functions.0.name": "weather", "llm.request.functions.0.parameters": '{"type": "object"}',
    })
    assert parse_messages(out["input"]) == [{"role": "user", "parts": [{"type": "text", "content": "Weather?"}]}]
    [message] = parse_messages(out["output"])
    assert message["parts"] == [{"type": "tool_call", "id": "c1", "name": "weather", "arguments": {"city": "Oslo"}}]
    assert message["finish_reason"] == "tool_calls"
    assert json.loads(out["attributes"]["gen_ai.tool.definitions"]) == [
        {"type": "function", "name": "weather", "parameters": {"type": "object"}}]


def test_a_client_input_is_kept_and_non_llm_spans_untouched():
    assert span({"gen_ai.input.messages": "[]"}, input="mine")["input"] == "mine"
    assert span({"input.value": "plain"})["input"] == "plain"
    assert parse_messages("not json") is None and parse_messages('[{"role": "user"}]') is None


def test_sessions_users_tags_and_metadata():
    attrs = span({"gen_ai.conversation.id": "conv-1", "enduser.id": "u7", "langfuse.trace.tags": ["a"],
                  "metadata": json.dumps({"customer": "acme", "n": 3})})["attributes"]
    assert (attrs["session.id"], attrs["user.id"], attrs["tag.tags"]) == ("conv-1", "u7", '["a"]')
    assert (attrs["metadata.customer"], attrs["metadata.n"]) == ("acme", "3")
    kept = span({"session.id": "mine", "session_id": "other"})["attributes"]
    assert kept["session.id"] == "mine"


def test_an_empty_choice_event_leaves_the_text_output():
    events = [{"name": "gen_ai.choice", "timestamp": T0, "attributes": {"index": 0}}]
    out = span({"gen_ai.operation.name": "chat", "output.value": "hi!"}, events)
    assert out["output"] == "hi!"
