"""OpenTelemetry GenAI semantic-convention attribute names, and the LLM-usage helper built on them.

The names follow https://opentelemetry.io/docs/specs/semconv/gen-ai/ . ``gen_ai.system`` is the
older name of ``gen_ai.provider.name``; both are written so readers of either version find it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

__all__ = [
    "OPERATION_NAME",
    "PROVIDER_NAME",
    "SYSTEM",
    "REQUEST_MODEL",
    "REQUEST_TEMPERATURE",
    "REQUEST_MAX_TOKENS",
    "RESPONSE_MODEL",
    "RESPONSE_FINISH_REASONS",
    "USAGE_INPUT_TOKENS",
    "USAGE_OUTPUT_TOKENS",
    "USAGE_CACHE_READ_TOKENS",
    "USAGE_CACHE_WRITE_TOKENS",
    "USAGE_REASONING_TOKENS",
    "MODEL_KEYS",
    "llm_attributes",
]

OPERATION_NAME = "gen_ai.operation.name"
PROVIDER_NAME = "gen_ai.provider.name"
SYSTEM = "gen_ai.system"
REQUEST_MODEL = "gen_ai.request.model"
REQUEST_TEMPERATURE = "gen_ai.request.temperature"
REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens"
RESPONSE_MODEL = "gen_ai.response.model"
RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons"
USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
# Prompt tokens served from / written to the provider's prompt cache (a subset of input_tokens),
# and hidden reasoning tokens (a subset of output_tokens): each is priced differently.
USAGE_CACHE_READ_TOKENS = "gen_ai.usage.cache_read.input_tokens"
USAGE_CACHE_WRITE_TOKENS = "gen_ai.usage.cache_creation.input_tokens"
USAGE_REASONING_TOKENS = "gen_ai.usage.reasoning.output_tokens"

#: The model a call is listed and priced under, in order of preference: the exact model that answered
#: (``gen_ai.response.model``, e.g. ``gpt-4o-2024-08-06``), else the model requested.
MODEL_KEYS = (RESPONSE_MODEL, REQUEST_MODEL)


def llm_attributes(
    *,
    model: str | None = None,
    provider: str | None = None,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    cache_read_tokens: int | None = None,
    cache_write_tokens: int | None = None,
    reasoning_tokens: int | None = None,
    response_model: str | None = None,
    operation: str | None = None,
    temperature: float | None = None,
    max_tokens: int | None = None,
    finish_reasons: Sequence[str] | None = None,
) -> dict[str, str | int | float]:
    """Map LLM call details to GenAI attribute names, leaving out what was not given.

    Args:
        model: the model requested, e.g. ``"gpt-4o"``.
        provider: who serves it, e.g. ``"openai"``, ``"anthropic"``.
        input_tokens: prompt tokens used.
        output_tokens: completion tokens produced.
        cache_read_tokens: input tokens read from the prompt cache (part of ``input_tokens``).
        cache_write_tokens: input tokens written to the prompt cache (part of ``input_tokens``).
        reasoning_tokens: reasoning tokens produced (part of ``output_tokens``).
        response_model: the exact model that answered, if it differs from the request.
        operation: e.g. ``"chat"``, ``"text_completion"``, ``"embeddings"``.
        temperature: sampling temperature requested.
        max_tokens: completion token limit requested.
        finish_reasons: why generation stopped, one per choice.

    Returns:
        The attributes to set on the span.

    Raises:
        ValueError: a negative token count.
    """
    counts = (
        ("input_tokens", input_tokens),
        ("output_tokens", output_tokens),
        ("cache_read_tokens", cache_read_tokens),
        ("cache_write_tokens", cache_write_tokens),
        ("reasoning_tokens", reasoning_tokens),
    )
    for label, count in counts:
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            raise ValueError(f"{label} must be a whole number ≥ 0, got {count!r}")
    attributes: dict[str, str | int | float] = {}
    optional: tuple[tuple[str, str | int | float | None], ...] = (
        (REQUEST_MODEL, model),
        (PROVIDER_NAME, provider),
        (SYSTEM, provider),
        (USAGE_INPUT_TOKENS, input_tokens),
        (USAGE_OUTPUT_TOKENS, output_tokens),
        (USAGE_CACHE_READ_TOKENS, cache_read_tokens),
        (USAGE_CACHE_WRITE_TOKENS, cache_write_tokens),
        (USAGE_REASONING_TOKENS, reasoning_tokens),
        (RESPONSE_MODEL, response_model),
        (OPERATION_NAME, operation),
        (REQUEST_TEMPERATURE, temperature),
        (REQUEST_MAX_TOKENS, max_tokens),
    )
    for key, value in optional:
        if value is not None:
            attributes[key] = value
    if finish_reasons is not None:
        # Attribute values are scalars on the wire; an array travels as its JSON text.
        attributes[RESPONSE_FINISH_REASONS] = json.dumps(list(finish_reasons))
    return attributes
