"""Attribute conventions (GenAI, OpenInference, OpenLLMetry, the seeds) land in the same fields."""

from __future__ import annotations

import pytest

from actors.usage import extract_usage
from agentstack import genai
from agentstack.schema import validate_span
from serve_apps.conventions import ALIASES, normalise

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
    tool = span({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.call.arguments": '{"q": "paris"}'})
    assert tool["input"] == '{"q": "paris"}' and tool["kind"] == "tool"
    assert span({"tool.parameters": "x=1"})["input"] == "x=1"
    native = span({"input.value": "other"}, input='{"args": []}')
    assert native["input"] == '{"args": []}', "an explicit input wins over attributes"


def test_kind_and_existing_values_are_not_overwritten():
    out = span({"gen_ai.request.model": "a", "llm.model": "b", "openinference.span.kind": "TOOL"}, kind="agent")
    assert out["attributes"]["gen_ai.request.model"] == "a" and out["kind"] == "agent"
    assert span({"openinference.span.kind": "RETRIEVER"})["kind"] == "retriever"
    assert span({"gen_ai.operation.name": "embeddings"})["kind"] == "embedding"
    assert span({"llm.tokens.in": "many"})["attributes"].get("gen_ai.usage.input_tokens") is None
    assert span({"x": 1})["kind"] == "span"


#: Every alias, with a value of the right type for its normalised key.
ALIAS_CASES = [
    (target, alias) for target, aliases in ALIASES.items() for alias in aliases if alias != genai.PROVIDER_NAME
]


@pytest.mark.parametrize(("target", "alias"), ALIAS_CASES, ids=[f"{a}->{t}" for t, a in ALIAS_CASES])
def test_each_alias_maps_onto_its_genai_key(target, alias):
    counted = target.startswith("gen_ai.usage.")
    value = "42" if counted else "some-value"
    attrs = span({alias: value})["attributes"]
    assert attrs[target] == (42 if counted else "some-value")
    assert attrs[alias] == value, "the alias itself is kept"
    if target == genai.PROVIDER_NAME:
        assert attrs[genai.SYSTEM] == "some-value", "gen_ai.system mirrors the provider"


def test_the_alias_lists_cover_every_normalised_key_usage_reads():
    read_by_usage = {*genai.MODEL_KEYS, genai.PROVIDER_NAME, genai.USAGE_INPUT_TOKENS, genai.USAGE_OUTPUT_TOKENS,
                     genai.USAGE_CACHE_READ_TOKENS, genai.USAGE_CACHE_WRITE_TOKENS, genai.USAGE_REASONING_TOKENS}
    assert read_by_usage <= set(ALIASES)
    aliases = [alias for sources in ALIASES.values() for alias in sources]
    assert len(aliases) == len(set(aliases)), "an alias maps onto one normalised key only"
    assert {"llm.vendor", "llm.usage.prompt_tokens", "llm.usage.completion_tokens",
            "gen_ai.usage.cache_read_input_tokens", "llm.token_count.completion_details.reasoning"} <= set(aliases)


def test_precedence_sent_key_then_aliases_in_order():
    attrs = span({"gen_ai.usage.input_tokens": 7, "llm.token_count.prompt": 100, "llm.tokens.in": 200})["attributes"]
    assert attrs["gen_ai.usage.input_tokens"] == 7, "a normalised key the client sent wins over every alias"
    attrs = span({"llm.tokens.in": 200, "llm.token_count.prompt": 100})["attributes"]
    assert attrs["gen_ai.usage.input_tokens"] == 100, "the earlier alias in ALIASES wins"
    attrs = span({"llm.token_count.prompt": "lots", "llm.tokens.in": "12.0", "llm.usage.prompt_tokens": 3})["attributes"]
    assert attrs["gen_ai.usage.input_tokens"] == 12, "an alias without a whole number ≥ 0 is passed over"
    assert "gen_ai.usage.output_tokens" not in span({"llm.tokens.out": -5})["attributes"]
    attrs = span({"gen_ai.system": "anthropic", "llm.provider": "openai"})["attributes"]
    assert attrs["gen_ai.provider.name"] == attrs["gen_ai.system"] == "anthropic"
    attrs = span({"gen_ai.provider.name": "openai", "gen_ai.system": "az.ai.openai"})["attributes"]
    assert (attrs["gen_ai.provider.name"], attrs["gen_ai.system"]) == ("openai", "az.ai.openai")


def test_request_and_response_model_are_kept_apart_and_the_response_model_is_billed():
    out = span({"llm.model_name": "gpt-4o", "llm.response.model": "gpt-4o-2024-08-06",
                "llm.token_count.prompt": 10})
    attrs = out["attributes"]
    assert attrs["gen_ai.request.model"] == "gpt-4o" and attrs["gen_ai.response.model"] == "gpt-4o-2024-08-06"
    usage = extract_usage(attrs)
    assert usage is not None and usage.model == "gpt-4o-2024-08-06"
    only_response = span({"gen_ai.response.model": "claude-sonnet-4-20250514"})
    assert "gen_ai.request.model" not in only_response["attributes"], "a response model is not passed off as the request"
    assert only_response["kind"] == "llm"
    only_request = extract_usage(span({"llm.model": "gpt-4o-mini", "llm.tokens.in": 5})["attributes"])
    assert only_request is not None and only_request.model == "gpt-4o-mini"


def test_every_convention_gives_the_same_usage():
    conventions = [
        {"gen_ai.request.model": "m", "gen_ai.provider.name": "p", "gen_ai.usage.input_tokens": 100,
         "gen_ai.usage.output_tokens": 50, "gen_ai.usage.cache_read.input_tokens": 30,
         "gen_ai.usage.cache_creation.input_tokens": 20, "gen_ai.usage.reasoning.output_tokens": 10},
        {"gen_ai.request.model": "m", "gen_ai.system": "p", "gen_ai.usage.prompt_tokens": 100,
         "gen_ai.usage.completion_tokens": 50, "gen_ai.usage.cache_read_input_tokens": 30,
         "gen_ai.usage.cache_creation_input_tokens": 20, "gen_ai.usage.reasoning_tokens": 10},
        {"llm.model_name": "m", "llm.provider": "p", "llm.token_count.prompt": 100, "llm.token_count.completion": 50,
         "llm.token_count.prompt_details.cache_read": 30, "llm.token_count.prompt_details.cache_write": 20,
         "llm.token_count.completion_details.reasoning": 10},
        {"llm.request.model": "m", "llm.vendor": "p", "llm.usage.prompt_tokens": 100,
         "llm.usage.completion_tokens": 50, "gen_ai.usage.input_tokens.cached": 30,
         "gen_ai.usage.cache_write_input_tokens": 20, "gen_ai.usage.output_tokens.reasoning": 10},
        {"llm.model": "m", "llm.system": "p", "llm.tokens.in": "100", "llm.tokens.out": "50",
         "llm.tokens.cache_read": 30, "llm.tokens.cache_write": 20, "llm.tokens.reasoning": 10},
    ]
    usages = {extract_usage(span(attributes)["attributes"]) for attributes in conventions}
    assert len(usages) == 1
    usage = usages.pop()
    assert usage is not None
    assert (usage.model, usage.provider, usage.input, usage.output, usage.cache_read, usage.cache_write,
            usage.reasoning) == ("m", "p", 100, 50, 30, 20, 10)
