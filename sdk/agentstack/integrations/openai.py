"""OpenAI client integration: every chat completion (sync, async, streaming) becomes an ``llm`` span.

Usage::

    from agentstack.integrations.openai import instrument_openai
    instrument_openai()          # patches the openai package's Completions / AsyncCompletions classes

The span records the model, provider ``openai``, token usage (input, output, cached input,
reasoning) with GenAI names, finish reasons, latency, and, when content capture is on, the messages
and the answer. For streams, ask for usage with ``stream_options={"include_usage": True}``.
"""

from __future__ import annotations

from typing import Any

from openai.resources.chat.completions import AsyncCompletions, Completions

from agentstack.integrations._llm import LLMCall, patch_method, unpatch_method, usage_int

__all__ = ["instrument_openai", "uninstrument_openai"]


def instrument_openai() -> None:
    """Trace ``client.chat.completions.create`` for every OpenAI client (idempotent)."""
    patch_method(Completions, "create", "openai", "chat", _read_response, _read_chunk, is_async=False)
    patch_method(AsyncCompletions, "create", "openai", "chat", _read_response, _read_chunk, is_async=True)


def uninstrument_openai() -> None:
    """Undo :func:`instrument_openai`."""
    unpatch_method(Completions, "create")
    unpatch_method(AsyncCompletions, "create")


def _read_usage(call: LLMCall, usage: Any) -> None:
    if usage is None:
        return
    prompt_details = getattr(usage, "prompt_tokens_details", None)
    completion_details = getattr(usage, "completion_tokens_details", None)
    call.usage = {
        "input_tokens": usage_int(getattr(usage, "prompt_tokens", None)),
        "output_tokens": usage_int(getattr(usage, "completion_tokens", None)),
        "cache_read_tokens": usage_int(getattr(prompt_details, "cached_tokens", None)),
        "reasoning_tokens": usage_int(getattr(completion_details, "reasoning_tokens", None)),
    }


def _read_response(call: LLMCall, response: Any) -> None:
    call.response_model = getattr(response, "model", None)
    _read_usage(call, getattr(response, "usage", None))
    for choice in getattr(response, "choices", None) or []:
        if choice.finish_reason:
            call.finish_reasons.append(str(choice.finish_reason))
        content = getattr(choice.message, "content", None)
        if content:
            call.text.append(content)


def _read_chunk(call: LLMCall, chunk: Any) -> None:
    call.response_model = getattr(chunk, "model", None) or call.response_model
    _read_usage(call, getattr(chunk, "usage", None))
    for choice in getattr(chunk, "choices", None) or []:
        if choice.finish_reason:
            call.finish_reasons.append(str(choice.finish_reason))
        content = getattr(choice.delta, "content", None)
        if content:
            call.text.append(content)
