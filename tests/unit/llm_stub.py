"""A local stand-in for the OpenAI and Anthropic HTTP APIs (127.0.0.1, no network), for integration tests.

``POST /v1/chat/completions``, ``/v1/responses``, ``/v1/embeddings`` (OpenAI) and ``POST /v1/messages`` (Anthropic) answer with a fixed
reply, as JSON or as server-sent events when the request asks to stream, with usage that includes
cached and reasoning tokens. The model ``"bad-model"`` gets a 400 error. Requests are recorded.
Agent tests script a conversation with :attr:`StubLLM.replies`: assistant messages (e.g. one with
``tool_calls``, see :func:`tool_call_reply`) that non-streamed OpenAI chat completions answer with,
first in first out, before falling back to the fixed reply.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.unit.http_stub import StubReply, StubRequest, json_reply, serve

REPLY = "Paris is sunny."
WORDS = ["Paris ", "is ", "sunny."]


class StubLLM:
    """The running stub: ``base_url`` for the OpenAI client, ``anthropic_url`` for Anthropic's."""

    def __init__(self, url: str) -> None:
        self.base_url = f"{url}/v1"
        self.anthropic_url = url
        self.requests: list[dict[str, Any]] = []
        self.replies: list[dict[str, Any]] = []  # scripted OpenAI assistant messages, used first


def tool_call_reply(name: str, arguments: dict[str, Any], call_id: str = "call_1") -> dict[str, Any]:
    """An OpenAI assistant message asking for one tool call (for :attr:`StubLLM.replies`)."""
    call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def _openai_completion(model: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
    message = message or {"role": "assistant", "content": REPLY}
    finish_reason = "tool_calls" if message.get("tool_calls") else "stop"
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": f"{model}-2024-08-06",
        "choices": [{"index": 0, "finish_reason": finish_reason, "message": message}],
        "usage": {
            "prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49,
            "prompt_tokens_details": {"cached_tokens": 32}, "completion_tokens_details": {"reasoning_tokens": 3},
        },
    }  # fmt: skip


def _openai_chunks(model: str, with_usage: bool) -> Iterator[dict[str, Any]]:
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": f"{model}-2024-08-06"}
    for i, word in enumerate(WORDS):
        delta = {"content": word, **({"role": "assistant"} if i == 0 else {})}
        yield {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    if with_usage:
        yield {**base, "choices": [], "usage": _openai_completion(model)["usage"]}


def _anthropic_message(model: str) -> dict[str, Any]:
    return {
        "id": "msg_1", "type": "message", "role": "assistant", "model": model,
        "content": [{"type": "text", "text": REPLY}], "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 7, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 20},
    }  # fmt: skip


def _anthropic_events(model: str) -> Iterator[tuple[str, dict[str, Any]]]:
    start = _anthropic_message(model)
    start.update(content=[], stop_reason=None)
    start["usage"] = {**start["usage"], "output_tokens": 1}
    yield "message_start", {"type": "message_start", "message": start}
    yield "content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
    for word in WORDS:
        yield "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": word}}
    yield "content_block_stop", {"type": "content_block_stop", "index": 0}
    yield "message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 7}}
    yield "message_stop", {"type": "message_stop"}


# -- OpenAI Responses API and embeddings ------------------------------------------------------------
RESPONSES_USAGE = {
    "input_tokens": 50, "input_tokens_details": {"cached_tokens": 16},
    "output_tokens": 9, "output_tokens_details": {"reasoning_tokens": 2}, "total_tokens": 59,
}  # fmt: skip
EMBEDDING_DIMENSIONS = 4
EMBEDDING_TOKENS_PER_INPUT = 3


def _responses_body(model: str, *, done: bool = True) -> dict[str, Any]:
    """A ``Response`` object: one assistant message with the reply (empty and in progress unless ``done``)."""
    content = [{"type": "output_text", "text": REPLY, "annotations": []}] if done else []
    message = {"type": "message", "id": "msg_1", "status": "completed" if done else "in_progress", "role": "assistant", "content": content}
    return {
        "id": "resp_1", "object": "response", "created_at": 1, "model": f"{model}-2025-04-14",
        "status": "completed" if done else "in_progress", "output": [message] if done else [],
        "error": None, "incomplete_details": None, "instructions": None, "metadata": {},
        "parallel_tool_calls": True, "tool_choice": "auto", "tools": [], "temperature": 1.0, "top_p": 1.0,
        "usage": RESPONSES_USAGE if done else None,
    }  # fmt: skip


def _responses_events(model: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The Responses API's stream: created, the message and its text part added, text deltas, done events, completed."""
    events: list[dict[str, Any]] = [{"type": "response.created", "response": _responses_body(model, done=False)}]
    item = {"type": "message", "id": "msg_1", "status": "in_progress", "role": "assistant", "content": []}
    events.append({"type": "response.output_item.added", "output_index": 0, "item": item})
    where = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    events.append({"type": "response.content_part.added", **where, "part": {"type": "output_text", "text": "", "annotations": []}})
    events += [{"type": "response.output_text.delta", **where, "delta": word, "logprobs": []} for word in WORDS]
    events.append({"type": "response.output_text.done", **where, "text": REPLY, "logprobs": []})
    done = _responses_body(model)
    events.append({"type": "response.content_part.done", **where, "part": done["output"][0]["content"][0]})
    events.append({"type": "response.output_item.done", "output_index": 0, "item": done["output"][0]})
    events.append({"type": "response.completed", "response": done})
    for number, event in enumerate(events):
        yield event["type"], {**event, "sequence_number": number}


def _embeddings_body(request: dict[str, Any]) -> dict[str, Any]:
    """One vector per input (``EMBEDDING_DIMENSIONS`` long), as floats or base64 float32 as asked."""
    texts = request.get("input")
    count = len(texts) if isinstance(texts, list) else 1
    data = []
    for index in range(count):
        vector = [round(0.25 * (index + 1) * (d + 1), 2) for d in range(EMBEDDING_DIMENSIONS)]
        encoded: Any = vector
        if request.get("encoding_format") == "base64":
            encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = EMBEDDING_TOKENS_PER_INPUT * count
    return {"object": "list", "data": data, "model": request.get("model", ""), "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


@contextmanager
def stub_llm() -> Iterator[StubLLM]:
    """Run the stub on a free port for the ``with`` block."""
    state: StubLLM

    def handle(request: StubRequest) -> StubReply:
        body = request.json()
        state.requests.append({"path": request.path, "body": body})
        model, path, stream = body.get("model", ""), request.path, bool(body.get("stream"))
        if model == "bad-model":
            error = {"error": {"type": "invalid_request_error", "message": "model bad-model does not exist"}}
            if path.endswith("/messages"):
                error["type"] = "error"
            return json_reply(400, error)
        if path.endswith("/chat/completions"):
            if stream:
                include = bool((body.get("stream_options") or {}).get("include_usage"))
                return _sse(((None, chunk) for chunk in _openai_chunks(model, include)), done=True)
            scripted = state.replies.pop(0) if state.replies else None
            return json_reply(200, _openai_completion(model, scripted))
        if path.endswith("/messages"):
            return _sse(_anthropic_events(model), done=False) if stream else json_reply(200, _anthropic_message(model))
        if path.endswith("/responses"):
            return _sse(_responses_events(model), done=True) if stream else json_reply(200, _responses_body(model))
        if path.endswith("/embeddings"):
            return json_reply(200, _embeddings_body(body))
        return json_reply(404, {"error": {"message": f"no route {path}"}})

    with serve(handle) as url:
        state = StubLLM(url)
        yield state


def _sse(events: Iterable[tuple[str | None, dict[str, Any]]], *, done: bool) -> StubReply:
    """Server-sent events; OpenAI's streams end with ``data: [DONE]``, Anthropic's do not."""
    lines = [(f"event: {name}\n" if name else "") + f"data: {json.dumps(payload)}\n\n" for name, payload in events]
    if done:
        lines.append("data: [DONE]\n\n")
    return StubReply(200, "".join(lines).encode(), "text/event-stream")
