"""OpenAI client integration: chat completions, the Responses API and embeddings become spans.

Usage::

    from agentstack.integrations.openai import instrument_openai
    instrument_openai()          # patches the openai package's resource classes, for every client

What is traced (sync and async clients alike):

- ``client.chat.completions.create`` (also ``stream=True``): an ``llm`` span, operation ``chat``.
- ``client.responses.create`` (also ``stream=True``): an ``llm`` span, operation ``chat`` (the GenAI
  conventions' name for a chat-style generation; the Responses API is one), input = ``instructions``,
  ``input`` and ``tools``, output = the answer's text. The finish reason is ``stop`` for a completed
  response, else the reason it is incomplete (e.g. ``max_output_tokens``) or its status.
- ``client.embeddings.create``: an ``embedding`` span, operation ``embeddings``, with the input
  tokens, and ``gen_ai.embeddings.dimension.count``; with content capture, the input texts and, as
  output, how many vectors of how many dimensions came back (never the vectors themselves).
- The ``.stream(...)`` helpers (``chat.completions.stream``, ``responses.stream``) call ``create``
  with ``stream=True`` and are traced through it; the span ends when their stream is exhausted or
  their ``with`` block closes it. ``with_raw_response.create`` is traced too (ended on ``parse()``).

Spans record the model asked for and the one that answered, provider ``openai``, token usage with
GenAI names (input, output, cached input, reasoning), finish reasons, latency, and, when content
capture is on, the request's messages and the answer. For chat streams, ask for usage with
``stream_options={"include_usage": True}``; Responses streams always carry it. Works with openai 1.x
(≥ 1.66, which has the Responses API) to 3.x: only attributes every version has are read, each
optionally.
"""

from __future__ import annotations

import base64
from typing import Any

from openai.resources.chat.completions import AsyncCompletions, Completions
from openai.resources.embeddings import AsyncEmbeddings, Embeddings
from openai.resources.responses import AsyncResponses, Responses

from agentstack.integrations._llm import LLMCall, patch_method, unpatch_method, usage_int

__all__ = ["instrument_openai", "uninstrument_openai"]

_RESPONSES_INPUTS = ("instructions", "input", "tools")
_PATCHED = ((Completions, AsyncCompletions), (Responses, AsyncResponses), (Embeddings, AsyncEmbeddings))


def instrument_openai() -> None:
    """Trace chat completions, responses and embeddings for every OpenAI client (idempotent)."""
    for is_async, chat, responses, embeddings in ((False, Completions, Responses, Embeddings), (True, AsyncCompletions, AsyncResponses, AsyncEmbeddings)):
        patch_method(chat, "create", "openai", "chat", _read_response, _read_chunk, is_async=is_async)
        patch_method(responses, "create", "openai", "chat", _read_responses_api, _read_responses_event, is_async=is_async, inputs=_RESPONSES_INPUTS)
        patch_method(embeddings, "create", "openai", "embeddings", _read_embeddings, _read_chunk, is_async=is_async, kind="embedding", inputs=("input",))


def uninstrument_openai() -> None:
    """Undo :func:`instrument_openai`."""
    for pair in _PATCHED:
        for cls in pair:
            unpatch_method(cls, "create")


# -- chat completions --------------------------------------------------------------------------------
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
    _read_choices(call, getattr(response, "choices", None), "message")


def _read_chunk(call: LLMCall, chunk: Any) -> None:
    call.response_model = getattr(chunk, "model", None) or call.response_model
    _read_usage(call, getattr(chunk, "usage", None))
    _read_choices(call, getattr(chunk, "choices", None), "delta")


def _read_choices(call: LLMCall, choices: Any, part: str) -> None:
    """Finish reasons and text of a completion's choices (``part``: ``message``, or a chunk's ``delta``)."""
    for choice in choices or []:
        if choice.finish_reason:
            call.finish_reasons.append(str(choice.finish_reason))
        content = getattr(getattr(choice, part, None), "content", None)
        if content:
            call.text.append(content)


# -- Responses API -----------------------------------------------------------------------------------
def _read_responses_api(call: LLMCall, response: Any) -> None:
    """A ``Response`` (returned, or carried by a stream's final event): model, usage, status, text."""
    call.response_model = getattr(response, "model", None) or call.response_model
    usage = getattr(response, "usage", None)
    if usage is not None:
        call.usage = {
            "input_tokens": usage_int(getattr(usage, "input_tokens", None)),
            "output_tokens": usage_int(getattr(usage, "output_tokens", None)),
            "cache_read_tokens": usage_int(getattr(getattr(usage, "input_tokens_details", None), "cached_tokens", None)),
            "reasoning_tokens": usage_int(getattr(getattr(usage, "output_tokens_details", None), "reasoning_tokens", None)),
        }
    status = getattr(response, "status", None)
    incomplete = getattr(getattr(response, "incomplete_details", None), "reason", None)
    reason = "stop" if status == "completed" else incomplete or status
    if reason:
        call.finish_reasons[:] = [str(reason)]
    if status == "failed":
        error = getattr(response, "error", None)
        call.span.set_status("ERROR", str(getattr(error, "message", None) or "response failed"))
    texts = [
        part.text
        for item in getattr(response, "output", None) or []
        if getattr(item, "type", None) == "message"
        for part in getattr(item, "content", None) or []
        if getattr(part, "type", None) == "output_text" and isinstance(getattr(part, "text", None), str)
    ]
    if texts:
        call.text[:] = texts


def _read_responses_event(call: LLMCall, event: Any) -> None:
    kind = getattr(event, "type", None)
    if kind == "response.output_text.delta":
        delta = getattr(event, "delta", None)
        if isinstance(delta, str):
            call.text.append(delta)
    elif kind in ("response.created", "response.completed", "response.incomplete", "response.failed"):
        _read_responses_api(call, event.response)


# -- embeddings ----------------------------------------------------------------------------------------
def _read_embeddings(call: LLMCall, response: Any) -> None:
    call.response_model = getattr(response, "model", None)
    usage = getattr(response, "usage", None)
    call.usage = {"input_tokens": usage_int(getattr(usage, "prompt_tokens", None))}
    vectors = getattr(response, "data", None) or []
    first = getattr(vectors[0], "embedding", None) if vectors else None
    dimensions = len(first) if isinstance(first, (list, tuple)) else None
    if isinstance(first, str):  # encoding_format="base64" asked for by the caller: packed float32
        dimensions = len(base64.b64decode(first)) // 4
    if dimensions is not None:
        call.span.set_attribute("gen_ai.embeddings.dimension.count", dimensions)
    call.output = {"embeddings": len(vectors), "dimensions": dimensions}
