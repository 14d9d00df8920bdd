"""Anthropic client integration: ``messages.create`` and ``messages.stream`` (sync and async) become ``llm`` spans.

Usage::

    from agentstack.integrations.anthropic import instrument_anthropic
    instrument_anthropic()       # patches the anthropic package's Messages / AsyncMessages classes

The span records the model, provider ``anthropic``, token usage with GenAI names, stop reason,
latency and (with content capture) the system prompt, messages and answer. Anthropic reports
``input_tokens`` *without* the cached part; the span's ``gen_ai.usage.input_tokens`` is the total
(uncached + cache read + cache write), as the GenAI conventions ask, with the cache parts alongside.
``stream=True`` is traced, and so is the ``messages.stream()`` helper (which does not go through
``create``): its span starts when the ``with`` block opens the request and ends when the stream is
exhausted or the block closes it, whichever comes first, with the same usage and text; an API error
on opening ends it as ERROR and is re-raised unchanged.
"""

from __future__ import annotations

from typing import Any

from anthropic.resources.messages import AsyncMessages, Messages

from agentstack.integrations._anthropic_stream import patch_stream_helper, unpatch_stream_helper
from agentstack.integrations._llm import LLMCall, patch_method, unpatch_method, usage_int

__all__ = ["instrument_anthropic", "uninstrument_anthropic"]


def instrument_anthropic() -> None:
    """Trace ``client.messages.create`` and ``client.messages.stream`` for every Anthropic client (idempotent)."""
    patch_method(Messages, "create", "anthropic", "chat", _read_response, _read_event, is_async=False)
    patch_method(AsyncMessages, "create", "anthropic", "chat", _read_response, _read_event, is_async=True)
    patch_stream_helper(Messages, AsyncMessages, _read_response, _read_event)


def uninstrument_anthropic() -> None:
    """Undo :func:`instrument_anthropic`."""
    unpatch_method(Messages, "create")
    unpatch_method(AsyncMessages, "create")
    unpatch_stream_helper(Messages, AsyncMessages)


def _read_usage(call: LLMCall, usage: Any) -> None:
    if usage is None:
        return
    fields = {
        "uncached": usage_int(getattr(usage, "input_tokens", None)),
        "cache_read_tokens": usage_int(getattr(usage, "cache_read_input_tokens", None)),
        "cache_write_tokens": usage_int(getattr(usage, "cache_creation_input_tokens", None)),
        "output_tokens": usage_int(getattr(usage, "output_tokens", None)),
    }
    for key in ("cache_read_tokens", "cache_write_tokens", "output_tokens"):
        if fields[key] is not None:
            call.usage[key] = fields[key]
    if fields["uncached"] is not None:
        call.usage["input_tokens"] = fields["uncached"] + (fields["cache_read_tokens"] or 0) + (fields["cache_write_tokens"] or 0)


def _read_response(call: LLMCall, message: Any) -> None:
    call.response_model = getattr(message, "model", None)
    _read_usage(call, getattr(message, "usage", None))
    if getattr(message, "stop_reason", None):
        call.finish_reasons.append(str(message.stop_reason))
    for block in getattr(message, "content", None) or []:
        if getattr(block, "type", None) == "text":
            call.text.append(block.text)


def _read_event(call: LLMCall, event: Any) -> None:
    kind = getattr(event, "type", None)
    if kind == "message_start":
        _read_response(call, event.message)
    elif kind == "content_block_delta" and getattr(event.delta, "type", None) == "text_delta":
        call.text.append(event.delta.text)
    elif kind == "message_delta":
        output = usage_int(getattr(getattr(event, "usage", None), "output_tokens", None))
        if output is not None:
            call.usage["output_tokens"] = output
        reason = getattr(event.delta, "stop_reason", None)
        if reason:
            call.finish_reasons.append(str(reason))
