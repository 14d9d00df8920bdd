"""Attribute conventions → one set of fields, mapped once, here, at ingest.

Whatever convention a client used — OpenTelemetry GenAI (`gen_ai.*`, current and older spellings),
OpenInference (`llm.*`, `openinference.span.kind`), OpenLLMetry (`traceloop.*`, `llm.usage.*`) or the
seed documents (`llm.model`, `llm.tokens.in`) — a validated span leaves :func:`normalise` with its
model, provider and token counts under the OpenTelemetry GenAI keys of :mod:`agentstack.genai`,
prompt/completion text in ``input``/``output``, and an AgentStack ``kind``. Every reader after ingest
(the writer's usage columns, the cost pool, the security monitors) reads only those ``gen_ai.*`` keys.

Precedence, the one rule:

1. A normalised key the client sent itself is kept as sent; nothing a client sent is overwritten
   or removed (aliases stay beside the normalised keys).
2. Otherwise the first alias in :data:`ALIASES` (in the listed order) holding a usable value is
   copied onto the normalised key; token counts must be whole numbers ≥ 0 (numeric strings are
   converted), or the next alias is tried.
3. ``gen_ai.system`` mirrors ``gen_ai.provider.name`` (its older name), so readers of either find it.
4. The request model and the response model are separate facts and both are kept. The model a call
   is listed and priced under is :data:`agentstack.genai.MODEL_KEYS` in order: the response model
   (the exact model that answered), else the request model.

Token counts mean what OpenTelemetry GenAI says: ``input_tokens`` counts every input token (cache
reads and writes included), ``output_tokens`` every output token (reasoning included).
"""

from __future__ import annotations

import json
from typing import Any

from agentstack import genai
from agentstack.schema import SPAN_KINDS
from cluster.query.messages import (
    INPUT_MESSAGES,
    OUTPUT_MESSAGES,
    SYSTEM_INSTRUCTIONS,
    TOOL_DEFINITIONS,
    chat_messages,
    tool_definitions,
)
from cluster.query.messages import _ROLE_EVENTS  # the event names chat_messages reads as messages

SESSION_ID, USER_ID, TAGS, METADATA = "session.id", "user.id", "tag.tags", "metadata"
#: At most this many `metadata.<key>` attributes are added from a `metadata` JSON object.
MAX_METADATA_KEYS = 32

#: Normalised `gen_ai.*` key → the attribute names other conventions use for it, in order of preference.
#: Applied in this order, so a later entry may name an earlier normalised key (``gen_ai.system``).
ALIASES: dict[str, tuple[str, ...]] = {
    genai.REQUEST_MODEL: ("llm.model_name", "llm.model", "llm.request.model"),
    genai.RESPONSE_MODEL: ("llm.response.model",),
    genai.PROVIDER_NAME: ("gen_ai.system", "llm.provider", "llm.system", "llm.vendor"),
    genai.SYSTEM: (genai.PROVIDER_NAME,),
    genai.USAGE_INPUT_TOKENS: (
        "gen_ai.usage.prompt_tokens", "llm.token_count.prompt", "llm.tokens.in", "llm.usage.prompt_tokens",
    ),
    genai.USAGE_OUTPUT_TOKENS: (
        "gen_ai.usage.completion_tokens", "llm.token_count.completion", "llm.tokens.out",
        "llm.usage.completion_tokens",
    ),
    genai.USAGE_CACHE_READ_TOKENS: (
        "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.input_tokens.cached",
        "llm.token_count.prompt_details.cache_read", "llm.tokens.cache_read",
    ),
    genai.USAGE_CACHE_WRITE_TOKENS: (
        "gen_ai.usage.cache_creation_input_tokens", "gen_ai.usage.cache_write_input_tokens",
        "llm.token_count.prompt_details.cache_write", "llm.tokens.cache_write",
    ),
    genai.USAGE_REASONING_TOKENS: (
        "gen_ai.usage.reasoning_tokens", "gen_ai.usage.output_tokens.reasoning",
        "llm.token_count.completion_details.reasoning", "llm.tokens.reasoning",
    ),
    # Sessions, users and tags (OpenInference's names are the normalised ones).
    SESSION_ID: ("session_id", "gen_ai.conversation.id", "traceloop.association.properties.session_id",
                 "langfuse.session.id"),
    USER_ID: ("user_id", "enduser.id", "traceloop.association.properties.user_id", "langfuse.user.id"),
    TAGS: ("tags", "langfuse.trace.tags"),
}
#: Every alias source, and each target's sources as a set: a span sharing no key with them needs no aliasing.
_ALIAS_SOURCES = frozenset(source for sources in ALIASES.values() for source in sources)
_SOURCE_SETS = {target: frozenset(sources) for target, sources in ALIASES.items()}
#: The normalised keys that hold token counts (whole numbers ≥ 0).
COUNT_KEYS = frozenset({
    genai.USAGE_INPUT_TOKENS, genai.USAGE_OUTPUT_TOKENS, genai.USAGE_CACHE_READ_TOKENS,
    genai.USAGE_CACHE_WRITE_TOKENS, genai.USAGE_REASONING_TOKENS,
})

#: Where prompt / completion text may be, in order of preference (attributes first, then events).
INPUT_KEYS = (
    "input.value", "gen_ai.prompt", "gen_ai.prompt.0.content", "llm.prompts", "tool.input", "tool.parameters",
    "gen_ai.tool.call.arguments",
)
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


def as_count(value: Any) -> int | None:
    """A token count as an int: whole numbers ≥ 0, also as float or numeric text (``"12"``, ``"12.0"``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    if isinstance(value, int) and value >= 0:
        return value
    return None


#: Key prefixes of the indexed message attributes `chat_messages` reads, and of the tool lists `tool_definitions` reads.
_MESSAGE_PREFIXES = ("llm.input_messages.", "llm.output_messages.", "gen_ai.prompt.", "gen_ai.completion.")
_TOOL_PREFIXES = ("llm.tools.", "llm.request.functions.")
_PREFIXES = _MESSAGE_PREFIXES + _TOOL_PREFIXES
_OPERATION_DETAILS = "gen_ai.client.inference.operation.details"


def _may_hold_messages(attrs: dict[str, Any], events: list[dict[str, Any]], prefixed: list[str]) -> bool:
    """False only when :func:`chat_messages` surely finds no message (then it need not run: most spans).

    A cheap superset of what it reads: the OTel GenAI message keys, indexed message keys (among
    `prefixed`, the keys with a message or tool prefix), and the events that carry content (a
    `gen_ai.choice` without a `message` carries none).
    """
    if INPUT_MESSAGES in attrs or OUTPUT_MESSAGES in attrs or SYSTEM_INSTRUCTIONS in attrs:
        return True
    for key in prefixed:
        if key.startswith(_MESSAGE_PREFIXES):
            return True
    for event in events:
        name = event.get("name", "")
        if name in _ROLE_EVENTS:
            return True
        found = event.get("attributes") or {}
        if (name == "gen_ai.choice" and found.get("message")) or (
            name == _OPERATION_DETAILS and (INPUT_MESSAGES in found or OUTPUT_MESSAGES in found)
        ):
            return True
    return False


def _may_define_tools(prefixed: list[str]) -> bool:
    """False only when :func:`tool_definitions` surely finds none (called when `gen_ai.tool.definitions` is absent)."""
    for key in prefixed:
        if key.startswith(_TOOL_PREFIXES):
            return True
    return False


def _alias(attrs: dict[str, Any]) -> None:
    """Copy the first usable alias onto each normalised key the span lacks (precedence rules 1–3)."""
    present = set(_ALIAS_SOURCES.intersection(attrs))
    if not present:
        return
    for target, sources in ALIASES.items():
        if target in attrs or present.isdisjoint(_SOURCE_SETS[target]):
            continue
        for source in sources:
            value = attrs.get(source)
            if value is None or value == "":
                continue
            if target in COUNT_KEYS:
                value = as_count(value)
                if value is None:
                    continue
            attrs[target] = value
            if target in _ALIAS_SOURCES:  # a later target may read it (gen_ai.system ← gen_ai.provider.name)
                present.add(target)
            break


def _kind(attrs: dict[str, Any]) -> str | None:
    own = attrs.get("agentstack.span.kind")  # what our OTLP export writes, so a re-import keeps the kind
    if isinstance(own, str) and own in SPAN_KINDS:
        return own
    oi = attrs.get("openinference.span.kind")
    if isinstance(oi, str) and oi.lower() in _KIND_FROM_OPENINFERENCE:
        return _KIND_FROM_OPENINFERENCE[oi.lower()]
    tl = attrs.get("traceloop.span.kind")
    if isinstance(tl, str) and tl.lower() in _KIND_FROM_TRACELOOP:
        return _KIND_FROM_TRACELOOP[tl.lower()]
    op = attrs.get(genai.OPERATION_NAME)
    if isinstance(op, str) and op.lower() in _KIND_FROM_OPERATION:
        return _KIND_FROM_OPERATION[op.lower()]
    if any(key in attrs for key in genai.MODEL_KEYS) or genai.USAGE_INPUT_TOKENS in attrs:
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
    """Add the normalised GenAI fields to a validated wire span (in place) and return it.

    Follows the precedence of the module docstring: keys already present are never overwritten.
    """
    attrs = span["attributes"]
    _alias(attrs)
    if span.get("kind") in (None, "", "span"):
        span["kind"] = _kind(attrs) or "span"
    _metadata(attrs)
    if span["kind"] == "llm" or INPUT_MESSAGES in attrs or OUTPUT_MESSAGES in attrs:
        _llm_messages(span, attrs)
    if span.get("input") is None:
        span["input"] = _text_from(attrs, INPUT_KEYS, span.get("events") or [], _INPUT_EVENTS)
    if span.get("output") is None:
        span["output"] = _text_from(attrs, OUTPUT_KEYS, span.get("events") or [], _OUTPUT_EVENTS)
    return span


def _metadata(attrs: dict[str, Any]) -> None:
    """A `metadata` JSON object (OpenInference) also as `metadata.<key>` attributes, so filters can match them."""
    raw = attrs.get(METADATA)
    if not isinstance(raw, str) or not raw.startswith("{"):
        return
    try:
        found = json.loads(raw)
    except ValueError:
        return
    if isinstance(found, dict):
        for key, value in list(found.items())[:MAX_METADATA_KEYS]:
            attrs.setdefault(f"{METADATA}.{key}", value if isinstance(value, str) else json.dumps(value))


def _llm_messages(span: dict[str, Any], attrs: dict[str, Any]) -> None:
    """An LLM span's prompt/completion as chat messages (JSON text) in input/output, and its tool definitions."""
    events = span.get("events") or []
    prefixed = [key for key in attrs if key.startswith(_PREFIXES)]  # one pass over the keys for both checks
    if (span.get("input") is None or span.get("output") is None) and _may_hold_messages(attrs, events, prefixed):
        inputs, outputs = chat_messages(attrs, events)
        if span.get("input") is None and inputs:
            span["input"] = json.dumps(inputs, ensure_ascii=False)
        if span.get("output") is None and outputs:
            span["output"] = json.dumps(outputs, ensure_ascii=False)
    if TOOL_DEFINITIONS not in attrs and _may_define_tools(prefixed):
        tools = tool_definitions(attrs)
        if tools:
            attrs[TOOL_DEFINITIONS] = json.dumps(tools, ensure_ascii=False)
