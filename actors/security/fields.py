"""Which parts of a span carry text worth scanning, and whether that text came in indirectly.

Text-bearing fields: the captured `input` / `output`, and attributes of the OpenTelemetry GenAI,
OpenInference and AgentStack conventions that hold prompts, completions, tool arguments and
results, retrieved documents and memory contents. Numbers, model names and ids are never scanned.
"Indirect" text is what the agent *read* (a tool's result, a retrieved document, a memory read):
instructions found there are the indirect-injection signature.
"""

from __future__ import annotations

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


def text_fields(span: dict[str, Any]) -> list[TextField]:
    """The text-bearing fields of a wire span, in a stable order (input, output, then attributes by name)."""
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
