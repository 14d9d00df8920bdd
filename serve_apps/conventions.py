"""Attribute conventions → one set of fields: GenAI (`gen_ai.*`), OpenInference, OpenLLMetry, the seeds.

Whatever convention a client used, a validated span leaves here with the model, provider and token
counts under the OpenTelemetry GenAI keys (:mod:`agentstack.genai`), prompt/completion text in
``input``/``output``, and an AgentStack ``kind``. Original attributes are kept: normalised keys are
only added when absent, so nothing a client sent is lost or overwritten.
"""

from __future__ import annotations

from typing import Any

from agentstack import genai

#: Normalised key → the attribute names other conventions use for it, in order of preference.
ALIASES: dict[str, tuple[str, ...]] = {
    genai.REQUEST_MODEL: ("llm.model_name", "llm.model", "llm.request.model", "gen_ai.response.model"),
    genai.PROVIDER_NAME: ("gen_ai.system", "llm.provider", "llm.system", "llm.vendor"),
    genai.SYSTEM: ("gen_ai.provider.name", "llm.system", "llm.provider", "llm.vendor"),
    genai.USAGE_INPUT_TOKENS: (
        "llm.token_count.prompt", "llm.tokens.in", "gen_ai.usage.prompt_tokens", "llm.usage.prompt_tokens",
    ),
    genai.USAGE_OUTPUT_TOKENS: (
        "llm.token_count.completion", "llm.tokens.out", "gen_ai.usage.completion_tokens",
        "llm.usage.completion_tokens",
    ),
}
_INT_KEYS = frozenset({genai.USAGE_INPUT_TOKENS, genai.USAGE_OUTPUT_TOKENS})

#: Where prompt / completion text may be, in order of preference (attributes first, then events).
INPUT_KEYS = ("input.value", "gen_ai.prompt", "gen_ai.prompt.0.content", "llm.prompts", "tool.input")
OUTPUT_KEYS = ("output.value", "gen_ai.completion", "gen_ai.completion.0.content", "llm.completions", "tool.output")
_INPUT_EVENTS = {"gen_ai.content.prompt": "gen_ai.prompt"}
_OUTPUT_EVENTS = {"gen_ai.content.completion": "gen_ai.completion"}

#: Span-kind attributes of other conventions → AgentStack kinds.
_KIND_FROM_OPENINFERENCE = {
    "llm": "llm", "chain": "chain", "tool": "tool", "retriever": "retriever", "embedding": "embedding",
    "agent": "agent", "reranker": "retriever", "guardrail": "chain", "evaluator": "chain",
}
_KIND_FROM_TRACELOOP = {"workflow": "chain", "task": "chain", "agent": "agent", "tool": "tool"}
_KIND_FROM_OPERATION = {
    "chat": "llm", "text_completion": "llm", "generate_content": "llm", "completion": "llm",
    "embeddings": "embedding", "execute_tool": "tool", "invoke_agent": "agent", "create_agent": "agent",
}


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _kind(attrs: dict[str, Any]) -> str | None:
    oi = attrs.get("openinference.span.kind")
    if isinstance(oi, str) and oi.lower() in _KIND_FROM_OPENINFERENCE:
        return _KIND_FROM_OPENINFERENCE[oi.lower()]
    tl = attrs.get("traceloop.span.kind")
    if isinstance(tl, str) and tl.lower() in _KIND_FROM_TRACELOOP:
        return _KIND_FROM_TRACELOOP[tl.lower()]
    op = attrs.get(genai.OPERATION_NAME)
    if isinstance(op, str) and op.lower() in _KIND_FROM_OPERATION:
        return _KIND_FROM_OPERATION[op.lower()]
    if genai.REQUEST_MODEL in attrs or genai.USAGE_INPUT_TOKENS in attrs:
        return "llm"
    return None


def _text_from(attrs: dict[str, Any], keys: tuple[str, ...], events: list[dict[str, Any]], names: dict[str, str]) -> str | None:
    for key in keys:
        value = attrs.get(key)
        if isinstance(value, str) and value:
            return value
    for event in events:
        attr = names.get(event.get("name", ""))
        value = (event.get("attributes") or {}).get(attr) if attr else None
        if isinstance(value, str) and value:
            return value
    return None


def normalise(span: dict[str, Any]) -> dict[str, Any]:
    """Add the normalised GenAI fields to a validated wire span (in place) and return it."""
    attrs = span["attributes"]
    for target, sources in ALIASES.items():
        if target in attrs:
            continue
        for source in sources:
            value = attrs.get(source)
            if value is None or value == "":
                continue
            if target in _INT_KEYS:
                value = _as_int(value)
                if value is None:
                    continue
            attrs[target] = value
            break
    if span.get("kind") in (None, "", "span"):
        span["kind"] = _kind(attrs) or "span"
    if span.get("input") is None:
        span["input"] = _text_from(attrs, INPUT_KEYS, span.get("events") or [], _INPUT_EVENTS)
    if span.get("output") is None:
        span["output"] = _text_from(attrs, OUTPUT_KEYS, span.get("events") or [], _OUTPUT_EVENTS)
    return span
