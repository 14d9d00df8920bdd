"""Prompts and completions → chat messages in the OpenTelemetry GenAI form, whatever convention sent them.

The one shape (OTel GenAI `gen_ai.input.messages` / `gen_ai.output.messages`)::

    [{"role": "system" | "user" | "assistant" | "tool",
      "parts": [{"type": "text", "content": "…"},
                {"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": {...}},
                {"type": "tool_call_response", "id": "call_1", "response": "…"}],
      "finish_reason": "stop"}]          # output messages only

Sources, first found wins: the current OTel GenAI attributes (with `gen_ai.system_instructions`
prepended as a system message), OpenInference `llm.input_messages.N.*` / `llm.output_messages.N.*`,
OpenLLMetry's indexed `gen_ai.prompt.N.*` / `gen_ai.completion.N.*`, then span events (the OTel
event form: `gen_ai.system.message`, `gen_ai.user.message`, `gen_ai.assistant.message`,
`gen_ai.tool.message`, `gen_ai.choice`, and `gen_ai.client.inference.operation.details`).
"""

from __future__ import annotations

import json
import re
from typing import Any

INPUT_MESSAGES = "gen_ai.input.messages"
OUTPUT_MESSAGES = "gen_ai.output.messages"
SYSTEM_INSTRUCTIONS = "gen_ai.system_instructions"
TOOL_DEFINITIONS = "gen_ai.tool.definitions"

_ROLE_EVENTS = {"gen_ai.system.message": "system", "gen_ai.user.message": "user",
                "gen_ai.assistant.message": "assistant", "gen_ai.tool.message": "tool"}
_INDEXED = re.compile(r"^(llm\.input_messages|llm\.output_messages|gen_ai\.prompt|gen_ai\.completion)\.(\d+)\.(.+)$")
_TOOL_SCHEMA = re.compile(r"^llm\.tools\.(\d+)\.tool\.json_schema$")
_LLMETRY_FUNCTION = re.compile(r"^llm\.request\.functions\.(\d+)\.(name|description|parameters)$")


def _json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _is_messages(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(m, dict) and "role" in m for m in value)


def _text_part(content: Any) -> dict[str, Any]:
    return {"type": "text", "content": content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)}


def from_openai_message(message: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI-style message (`content`, `tool_calls`, `tool_call_id`) in the parts form."""
    if isinstance(message.get("parts"), list):
        return message
    parts: list[dict[str, Any]] = []
    role = str(message.get("role") or "user")
    content = message.get("content")
    if role == "tool" and message.get("tool_call_id"):
        parts.append({"type": "tool_call_response", "id": message["tool_call_id"], "response": content})
    elif isinstance(content, list):
        parts += [_text_part(c.get("text", c)) if isinstance(c, dict) else _text_part(c) for c in content]
    elif content not in (None, ""):
        parts.append(_text_part(content))
    for call in message.get("tool_calls") or []:
        function = call.get("function") or call
        parts.append({"type": "tool_call", "id": call.get("id"), "name": function.get("name"),
                      "arguments": _json(function.get("arguments"))})
    out: dict[str, Any] = {"role": role, "parts": parts}
    if message.get("finish_reason"):
        out["finish_reason"] = message["finish_reason"]
    return out


def _indexed(attrs: dict[str, Any]) -> dict[str, dict[int, dict[str, Any]]]:
    """`prefix.N.rest` attributes grouped per prefix and index (`rest` keys kept as they are)."""
    groups: dict[str, dict[int, dict[str, Any]]] = {}
    for key, value in attrs.items():
        match = _INDEXED.match(key)
        if match:
            groups.setdefault(match.group(1), {}).setdefault(int(match.group(2)), {})[match.group(3)] = value
    return groups


def _openinference_message(fields: dict[str, Any]) -> dict[str, Any]:
    calls: dict[int, dict[str, Any]] = {}
    texts: dict[int, Any] = {}
    for key, value in fields.items():
        m = re.match(r"^message\.tool_calls\.(\d+)\.tool_call\.(id|function\.name|function\.arguments)$", key)
        if m:
            calls.setdefault(int(m.group(1)), {})[m.group(2).split(".")[-1]] = value
        m2 = re.match(r"^message\.contents\.(\d+)\.message_content\.text$", key)
        if m2:
            texts[int(m2.group(1))] = value
    message: dict[str, Any] = {"role": fields.get("message.role", "user")}
    content = fields.get("message.content")
    if content is None and texts:
        content = [{"text": texts[i]} for i in sorted(texts)]
    message["content"] = content
    if fields.get("message.tool_call_id"):
        message["tool_call_id"] = fields["message.tool_call_id"]
    if calls:
        message["tool_calls"] = [{"id": c.get("id"), "function": {"name": c.get("name"), "arguments": c.get("arguments")}}
                                 for _, c in sorted(calls.items())]
    return from_openai_message(message)


def _openllmetry_message(fields: dict[str, Any]) -> dict[str, Any]:
    calls: dict[int, dict[str, Any]] = {}
    for key, value in fields.items():
        m = re.match(r"^tool_calls\.(\d+)\.(id|name|arguments)$", key)
        if m:
            calls.setdefault(int(m.group(1)), {})[m.group(2)] = value
    message: dict[str, Any] = {"role": fields.get("role", "user"), "content": fields.get("content")}
    if fields.get("tool_call_id"):
        message["tool_call_id"] = fields["tool_call_id"]
    if fields.get("finish_reason"):
        message["finish_reason"] = fields["finish_reason"]
    if calls:
        message["tool_calls"] = [{"id": c.get("id"), "function": {"name": c.get("name"), "arguments": c.get("arguments")}}
                                 for _, c in sorted(calls.items())]
    return from_openai_message(message)


def _from_events(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]] | None]:
    inputs: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []
    for event in events:
        name, attrs = event.get("name", ""), event.get("attributes") or {}
        if name == "gen_ai.client.inference.operation.details":
            found_in, found_out = _json(attrs.get(INPUT_MESSAGES)), _json(attrs.get(OUTPUT_MESSAGES))
            if _is_messages(found_in):
                inputs += [from_openai_message(m) for m in found_in]
            if _is_messages(found_out):
                outputs += [from_openai_message(m) for m in found_out]
        elif name in _ROLE_EVENTS:
            body = _json(attrs.get("content"))
            message = {"role": _ROLE_EVENTS[name], "content": body, "tool_calls": _json(attrs.get("tool_calls")),
                       "tool_call_id": attrs.get("id") if name == "gen_ai.tool.message" else None}
            inputs.append(from_openai_message(message))
        elif name == "gen_ai.choice":
            body = _json(attrs.get("message")) or {}
            if isinstance(body, dict):
                outputs.append(from_openai_message(
                    {"role": "assistant", **body, "finish_reason": attrs.get("finish_reason")}))
    # An event without content (e.g. a bare `gen_ai.choice` with only an index) is no message.
    inputs = [m for m in inputs if m["parts"]]
    outputs = [m for m in outputs if m["parts"]]
    return inputs or None, outputs or None


def chat_messages(attrs: dict[str, Any], events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]] | None]:
    """(input messages, output messages) of an LLM span, each None when no convention carried them."""
    inputs = _json(attrs.get(INPUT_MESSAGES))
    outputs = _json(attrs.get(OUTPUT_MESSAGES))
    inputs = [from_openai_message(m) for m in inputs] if _is_messages(inputs) else None
    outputs = [from_openai_message(m) for m in outputs] if _is_messages(outputs) else None
    if inputs is None or outputs is None:
        groups = _indexed(attrs)
        for prefix, build, target in (("llm.input_messages", _openinference_message, "in"),
                                      ("llm.output_messages", _openinference_message, "out"),
                                      ("gen_ai.prompt", _openllmetry_message, "in"),
                                      ("gen_ai.completion", _openllmetry_message, "out")):
            if prefix not in groups:
                continue
            built = [build(fields) for _, fields in sorted(groups[prefix].items())]
            if target == "in" and inputs is None:
                inputs = built
            elif target == "out" and outputs is None:
                outputs = built
    if (inputs is None or outputs is None) and events:
        from_events = _from_events(events)
        inputs = inputs if inputs is not None else from_events[0]
        outputs = outputs if outputs is not None else from_events[1]
    system = _json(attrs.get(SYSTEM_INSTRUCTIONS))
    if system and not (inputs and inputs[0].get("role") == "system"):
        parts = [p if isinstance(p, dict) else _text_part(p) for p in (system if isinstance(system, list) else [system])]
        inputs = [{"role": "system", "parts": parts}, *(inputs or [])]
    return inputs, outputs


def tool_definitions(attrs: dict[str, Any]) -> list[Any] | None:
    """The tools offered to the model (`gen_ai.tool.definitions`, OpenInference `llm.tools.N`, OpenLLMetry functions)."""
    found = _json(attrs.get(TOOL_DEFINITIONS))
    if isinstance(found, list):
        return found
    tools: dict[int, Any] = {}
    functions: dict[int, dict[str, Any]] = {}
    for key, value in attrs.items():
        m = _TOOL_SCHEMA.match(key)
        if m:
            tools[int(m.group(1))] = _json(value)
        m2 = _LLMETRY_FUNCTION.match(key)
        if m2:
            functions.setdefault(int(m2.group(1)), {})[m2.group(2)] = _json(value)
    if tools:
        return [tools[i] for i in sorted(tools)]
    if functions:
        return [{"type": "function", **functions[i]} for i in sorted(functions)]
    return None


def parse_messages(text: str | None) -> list[dict[str, Any]] | None:
    """Stored input/output text → messages, when it holds messages in the parts form (else None)."""
    if not text or text[:1] != "[":
        return None
    value = _json(text)
    if _is_messages(value) and all(isinstance(m.get("parts"), list) for m in value):
        return value
    return None
