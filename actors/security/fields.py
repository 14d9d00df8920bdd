"""Which parts of a span carry text worth scanning, and whether that text came in indirectly.

Text-bearing fields: the captured `input` / `output`, and attributes of the OpenTelemetry GenAI,
OpenInference and AgentStack conventions that hold prompts, completions, tool arguments and
results, retrieved documents and memory contents. Numbers, model names and ids are never scanned.
"Indirect" text is what the agent *read* (a tool's result, a retrieved document, a memory read):
instructions found there are the indirect-injection signature.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_TEXT_ATTRIBUTE = re.compile(
    r"^(?:gen_ai\.(?:prompt|completion|input\.messages|output\.messages|system_instructions|tool\.call\.(?:arguments|result))"
    r"|input\.value|output\.value|llm\.(?:input_messages|output_messages|prompts?|prompt_template\.(?:template|variables))"
    r"|tool\.(?:input|output|parameters|arguments|result)|tool_call\.function\.arguments"
    r"|retrieval\.documents|reranker\.(?:input|output)_documents|document\.content|embedding\.text"
    r"|memory\.(?:content|value|query|result|read|write))"
)
_INDIRECT_ATTRIBUTE = re.compile(
    r"^(?:gen_ai\.tool\.call\.result|tool\.(?:output|result)|retrieval\.documents|reranker\.output_documents|document\.content"
    r"|memory\.(?:content|value|result|read))"
)
_INDIRECT_OUTPUT_KINDS = frozenset({"tool", "retriever", "memory"})


@dataclass(frozen=True)
class TextField:
    """One piece of span text to scan: where it came from and whether the agent read it from outside."""

    name: str
    text: str
    indirect: bool


MIN_LEAF_CHARS = 6  # shorter JSON strings ("ok", "user", "gpt-4o") carry nothing to find
MAX_JSON_CHARS = 1_000_000


def _json_leaves(value: Any, path: str, out: list[tuple[str, str]]) -> None:
    if isinstance(value, str):
        if len(value) >= MIN_LEAF_CHARS:
            out.append((path, value))
    elif isinstance(value, dict):
        for key, item in value.items():
            _json_leaves(item, f"{path}.{key}", out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _json_leaves(item, f"{path}[{index}]", out)


def _split(name: str, text: str, indirect: bool) -> list[TextField]:
    """A JSON payload becomes its string leaves: each chat message, argument and result is its own
    text (so a system prompt repeated in every call hits the cache), and numbers, keys and
    punctuation are never scanned. Anything else stays one field."""
    stripped = text.lstrip()
    if stripped[:1] in ("{", "[") and len(text) <= MAX_JSON_CHARS:
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, (dict, list)):
            leaves: list[tuple[str, str]] = []
            _json_leaves(parsed, name, leaves)
            return [TextField(path, value, indirect) for path, value in leaves]
    return [TextField(name, text, indirect)]


def raw_fields(span: dict[str, Any]) -> list[TextField]:
    """The text-bearing fields of a wire span as they arrive (JSON payloads not split), in a stable
    order: input, output, then attributes by name."""
    kind = span.get("kind") or "span"
    fields: list[TextField] = []
    for name in ("input", "output"):
        value = span.get(name)
        if isinstance(value, str) and value:
            fields.append(TextField(name, value, name == "output" and kind in _INDIRECT_OUTPUT_KINDS))
    attributes = span.get("attributes") or {}
    for key in sorted(attributes):
        value = attributes[key]
        if isinstance(value, str) and value and _TEXT_ATTRIBUTE.match(key):
            fields.append(TextField(f"attributes.{key}", value, bool(_INDIRECT_ATTRIBUTE.match(key))))
    return fields


def split_field(field: TextField) -> list[TextField]:
    """The texts to scan in one raw field: a JSON payload's string leaves, or the field itself."""
    return _split(field.name, field.text, field.indirect)


def text_fields(span: dict[str, Any]) -> list[TextField]:
    """The text-bearing fields of a wire span, JSON payloads split into their leaves (`raw_fields` order)."""
    return [leaf for field in raw_fields(span) for leaf in split_field(field)]
