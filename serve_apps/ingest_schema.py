"""The OpenAPI declaration of `POST /v1/traces`: the request bodies it takes and every answer it gives.

The handler reads the raw body itself (protobuf, JSON, gzip), so FastAPI cannot infer any of this.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from serve_apps.errors import error_docs


class RejectedSpan(BaseModel, extra="allow"):
    """A span left out of an accepted batch: its index in the batch, the field at fault and why."""

    index: int
    field: str
    error: str


class IngestAccepted(BaseModel):
    """A native batch was queued (spans that failed validation are listed, the rest kept)."""

    status: str = Field(description="'accepted'")
    spans_queued: int
    rejected: list[RejectedSpan]
    truncated_values: int = Field(description="attribute/input/output values cut to the size limits")


_WIRE_SPAN = {
    "type": "object",
    "required": ["trace_id", "span_id", "name", "start_time", "end_time"],
    "properties": {
        "trace_id": {"type": "string", "pattern": "^[0-9a-fA-F]{32}$"},
        "span_id": {"type": "string", "pattern": "^[0-9a-fA-F]{16}$"},
        "parent_span_id": {"type": ["string", "null"]},
        "name": {"type": "string"},
        "kind": {"type": "string"},
        "start_time": {"type": "integer", "description": "ns since the epoch"},
        "end_time": {"type": "integer"},
        "attributes": {"type": "object"},
        "input": {"type": ["string", "null"]},
        "output": {"type": ["string", "null"]},
    },
}

INGEST_REQUEST: dict[str, Any] = {
    "parameters": [
        {"name": "X-API-Key", "in": "header", "required": False, "schema": {"type": "string"},
         "description": "the project's ingest key (or `Authorization: Bearer ak_…`)"},
        {"name": "Content-Encoding", "in": "header", "required": False,
         "schema": {"type": "string", "enum": ["gzip", "deflate", "identity"]}},
    ],
    "requestBody": {
        "required": True,
        "description": "AgentStack's native batch (`{\"spans\": [...]}` or a bare array), or an OTLP trace export",
        "content": {
            "application/json": {"schema": {"oneOf": [
                {"type": "object", "required": ["spans"], "properties": {"spans": {"type": "array", "items": _WIRE_SPAN}}},
                {"type": "array", "items": _WIRE_SPAN},
                {"type": "object", "required": ["resourceSpans"], "description": "OTLP/JSON ExportTraceServiceRequest",
                 "properties": {"resourceSpans": {"type": "array", "items": {"type": "object"}}}},
            ]}},
            "application/x-protobuf": {"schema": {"type": "string", "format": "binary",
                                                  "description": "OTLP/protobuf ExportTraceServiceRequest"}},
            "application/msgpack": {"schema": {"type": "string", "format": "binary",
                                               "description": "the native batch as MessagePack"}},
        },
    },
}

INGEST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "OTLP body accepted: an ExportTraceServiceResponse (partial_success lists rejected spans)",
          "content": {"application/json": {"schema": {"type": "object"}},
                      "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}}}},
    202: {"model": IngestAccepted, "description": "native batch accepted"},
    **error_docs(400, 401, 403, 413, 415, 422, 429, 503),
}
