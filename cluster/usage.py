"""LLM usage of a span, read from its normalised OpenTelemetry GenAI attributes (used by ingest and the consumers).

Ingest maps every attribute convention onto the `gen_ai.*` keys of :mod:`agentstack.genai` once
(:mod:`serve_apps.conventions`, which states the precedence), so this module reads only those keys:
the model (:data:`agentstack.genai.MODEL_KEYS`: response model, else request model), the provider
(`gen_ai.provider.name`) and the input, output, cache-read, cache-write and reasoning token counts.

Meaning of the counts (OpenTelemetry GenAI and genai-prices agree): `input` is every input token,
cache reads and cache writes included; `output` is every output token, reasoning included. An
instrumentation that reports input *without* its cached tokens (input < cache_read + cache_write)
is read that way instead, so cached input is never billed twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentstack import genai

#: Every key this module reads: a span sharing none of them is not an LLM call (the common, cheap case).
ALL_KEYS = frozenset((
    *genai.MODEL_KEYS,
    genai.USAGE_INPUT_TOKENS,
    genai.USAGE_OUTPUT_TOKENS,
    genai.USAGE_CACHE_READ_TOKENS,
    genai.USAGE_CACHE_WRITE_TOKENS,
    genai.USAGE_REASONING_TOKENS,
))


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


def _count(attributes: Mapping[str, Any], key: str) -> int:
    """The token count under `key`; 0 when absent or not a number (a client may send numeric text)."""
    value = attributes.get(key)
    if value is None or isinstance(value, bool):
        return 0
    try:
        count = int(float(value)) if isinstance(value, str) else int(value)
    except (TypeError, ValueError, OverflowError):
        return 0
    return max(count, 0)


def _text(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = attributes.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def extract_usage(attributes: Mapping[str, Any] | None) -> LlmUsage | None:
    """The LLM usage a span's normalised attributes describe, or None when they name no model and no tokens.

    Args:
        attributes: the span's attribute map after ingest's normalisation (counts may be numbers
            or numeric strings); other conventions' keys are not read.

    Returns:
        Normalised usage: `input` includes cache reads/writes and `output` includes reasoning.
    """
    if not attributes or attributes.keys().isdisjoint(ALL_KEYS):
        return None
    model = _text(attributes, genai.MODEL_KEYS)
    inp = _count(attributes, genai.USAGE_INPUT_TOKENS)
    out = _count(attributes, genai.USAGE_OUTPUT_TOKENS)
    cache_read = _count(attributes, genai.USAGE_CACHE_READ_TOKENS)
    cache_write = _count(attributes, genai.USAGE_CACHE_WRITE_TOKENS)
    reasoning = _count(attributes, genai.USAGE_REASONING_TOKENS)
    if not model and not (inp or out or cache_read or cache_write or reasoning):
        return None
    if inp < cache_read + cache_write:  # reported without its cached part (e.g. Anthropic's raw usage)
        inp += cache_read + cache_write
    out = max(out, reasoning)
    provider = _text(attributes, (genai.PROVIDER_NAME,)).lower()
    return LlmUsage(model, provider, inp, out, cache_read, cache_write, reasoning)
