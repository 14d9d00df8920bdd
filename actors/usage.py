"""LLM usage from span attributes: the one place that knows every attribute naming convention.

Accepted, first match wins per field:

* OpenTelemetry GenAI (`gen_ai.request.model`, `gen_ai.response.model`, `gen_ai.provider.name`,
  `gen_ai.system`, `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`, cache and reasoning
  counts in their dotted and underscored spellings);
* OpenInference (`llm.model_name`, `llm.provider`, `llm.system`, `llm.token_count.prompt`,
  `llm.token_count.completion`, `llm.token_count.prompt_details.cache_read|cache_write`,
  `llm.token_count.completion_details.reasoning`);
* the seed documents (`llm.model`, `llm.provider`, `llm.tokens.in`, `llm.tokens.out`).

Meaning of the counts (OpenTelemetry GenAI and genai-prices agree): `input` is every input token,
cache reads and cache writes included; `output` is every output token, reasoning included. An
instrumentation that reports input *without* its cached tokens (input < cache_read + cache_write)
is read that way instead, so cached input is never billed twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MODEL_KEYS = ("gen_ai.response.model", "gen_ai.request.model", "llm.model_name", "llm.model")
PROVIDER_KEYS = ("gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system")
INPUT_KEYS = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt", "llm.tokens.in")
OUTPUT_KEYS = (
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.completion_tokens",
    "llm.token_count.completion",
    "llm.tokens.out",
)
CACHE_READ_KEYS = (
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
    "gen_ai.usage.input_tokens.cached",
    "llm.token_count.prompt_details.cache_read",
    "llm.tokens.cache_read",
)
CACHE_WRITE_KEYS = (
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens",
    "gen_ai.usage.cache_write_input_tokens",
    "llm.token_count.prompt_details.cache_write",
    "llm.tokens.cache_write",
)
REASONING_KEYS = (
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.usage.reasoning_tokens",
    "gen_ai.usage.output_tokens.reasoning",
    "llm.token_count.completion_details.reasoning",
    "llm.tokens.reasoning",
)


#: Every key this module reads: a span sharing none of them is not an LLM call (the common, cheap case).
ALL_KEYS = frozenset(MODEL_KEYS + INPUT_KEYS + OUTPUT_KEYS + CACHE_READ_KEYS + CACHE_WRITE_KEYS + REASONING_KEYS)


@dataclass(frozen=True, slots=True)
class LlmUsage:
    """Token usage of one LLM call, normalised (see the module docstring for what each count holds)."""

    model: str
    provider: str
    input: int
    output: int
    cache_read: int
    cache_write: int
    reasoning: int

    @property
    def uncached_input(self) -> int:
        """Input tokens billed at the plain input rate."""
        return max(self.input - self.cache_read - self.cache_write, 0)

    @property
    def plain_output(self) -> int:
        """Output tokens billed at the plain output rate (reasoning is priced on its own)."""
        return max(self.output - self.reasoning, 0)


def _count(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> int:
    for key in keys:
        value = attributes.get(key)
        if value is None or isinstance(value, bool):
            continue
        try:
            count = int(float(value)) if isinstance(value, str) else int(value)
        except (TypeError, ValueError, OverflowError):
            continue
        return max(count, 0)
    return 0


def _text(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = attributes.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def extract_usage(attributes: Mapping[str, Any] | None) -> LlmUsage | None:
    """The LLM usage a span's attributes describe, or None when they name no model and no tokens.

    Args:
        attributes: the span's attribute map (values may be numbers or numeric strings).

    Returns:
        Normalised usage: `input` includes cache reads/writes and `output` includes reasoning.
    """
    if not attributes or attributes.keys().isdisjoint(ALL_KEYS):
        return None
    model = _text(attributes, MODEL_KEYS)
    inp = _count(attributes, INPUT_KEYS)
    out = _count(attributes, OUTPUT_KEYS)
    cache_read = _count(attributes, CACHE_READ_KEYS)
    cache_write = _count(attributes, CACHE_WRITE_KEYS)
    reasoning = _count(attributes, REASONING_KEYS)
    if not model and not (inp or out or cache_read or cache_write or reasoning):
        return None
    if inp < cache_read + cache_write:  # reported without its cached part (e.g. Anthropic's raw usage)
        inp += cache_read + cache_write
    out = max(out, reasoning)
    provider = _text(attributes, PROVIDER_KEYS).lower()
    return LlmUsage(model, provider, inp, out, cache_read, cache_write, reasoning)
