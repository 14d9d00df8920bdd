"""Attribute conventions (GenAI, OpenInference, OpenLLMetry, the seeds) land in the same fields."""

from __future__ import annotations

import pytest

from agentstack.schema import validate_span
from serve_apps.conventions import normalise

NOW = 1_763_763_000_000_000_000


def span(attributes, events=None, **over):
    raw = {"trace_id": "a" * 32, "span_id": "b" * 16, "name": "call", "start_time": NOW, "end_time": NOW + 1,
           "attributes": attributes, "events": events or [], **over}
    return normalise(validate_span(raw))


@pytest.mark.parametrize(
    "attributes",
    [
        {"gen_ai.request.model": "gpt-4o", "gen_ai.system": "openai", "gen_ai.usage.input_tokens": 150,
         "gen_ai.usage.output_tokens": 89, "gen_ai.operation.name": "chat"},
        {"llm.model_name": "gpt-4o", "llm.provider": "openai", "llm.token_count.prompt": 150,
         "llm.token_count.completion": 89, "openinference.span.kind": "LLM"},
        {"llm.model": "gpt-4o", "llm.vendor": "openai", "llm.tokens.in": 150, "llm.tokens.out": "89"},
        {"gen_ai.request.model": "gpt-4o", "gen_ai.system": "openai", "gen_ai.usage.prompt_tokens": 150,
         "gen_ai.usage.completion_tokens": 89, "traceloop.span.kind": "task"},
    ],
    ids=["genai", "openinference", "seeds", "openllmetry"],
)
def test_every_convention_lands_in_the_genai_fields(attributes):
    out = span(attributes)
    attrs = out["attributes"]
    assert attrs["gen_ai.request.model"] == "gpt-4o"
    assert attrs["gen_ai.provider.name"] == "openai" and attrs["gen_ai.system"] == "openai"
    assert attrs["gen_ai.usage.input_tokens"] == 150 and attrs["gen_ai.usage.output_tokens"] == 89
    assert all(attrs[k] == v for k, v in attributes.items()), "the client's own attributes are kept"
    assert out["kind"] in ("llm", "chain")


def test_prompt_and_completion_text_from_attributes_or_events():
    oi = span({"input.value": "q?", "output.value": "a!"})
    assert (oi["input"], oi["output"]) == ("q?", "a!")
    events = [{"name": "gen_ai.content.prompt", "attributes": {"gen_ai.prompt": "p"}},
              {"name": "gen_ai.content.completion", "attributes": {"gen_ai.completion": "c"}}]
    old_semconv = span({}, events)
    assert (old_semconv["input"], old_semconv["output"]) == ("p", "c")
    native = span({"input.value": "other"}, input='{"args": []}')
    assert native["input"] == '{"args": []}', "an explicit input wins over attributes"


def test_kind_and_existing_values_are_not_overwritten():
    out = span({"gen_ai.request.model": "a", "llm.model": "b", "openinference.span.kind": "TOOL"}, kind="agent")
    assert out["attributes"]["gen_ai.request.model"] == "a" and out["kind"] == "agent"
    assert span({"openinference.span.kind": "RETRIEVER"})["kind"] == "retriever"
    assert span({"gen_ai.operation.name": "embeddings"})["kind"] == "embedding"
    assert span({"llm.tokens.in": "many"})["attributes"].get("gen_ai.usage.input_tokens") is None
    assert span({"x": 1})["kind"] == "span"
