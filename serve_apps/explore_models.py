"""Response models of the explore API (traces, spans, sessions): the OpenAPI schema the UI's types come from."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

TRACE_ID_PATTERN = r"^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
SPAN_ID_PATTERN = r"^[0-9a-fA-F]{16}$"
Severity = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]


class TraceRow(BaseModel):
    """One trace in a list: timing, counts, LLM usage totals, alerts and a root input/output preview."""

    trace_id: str
    name: str
    service_name: str
    start_time: str = Field(description="ISO 8601 UTC")
    end_time: str
    duration_ms: float
    span_count: int
    error_count: int
    status: Literal["OK", "ERROR"]
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost_usd: float
    models: list[str]
    kinds: list[str] = Field(description="span kinds present in the trace")
    session_id: str | None
    user_id: str | None
    alert_count: int
    max_severity: Severity | None
    input_preview: str | None = Field(description="the root span's input, truncated to 200 characters")
    output_preview: str | None


class TraceList(BaseModel):
    """A page of traces. Pass `next_cursor` back as `cursor` for the next page (null on the last)."""

    items: list[TraceRow]
    total: int = Field(description="traces matching the filters")
    page: int | None = Field(description="the page number (null when paging by cursor)")
    page_size: int
    next_cursor: str | None


class FacetCount(BaseModel):
    value: str
    count: int


class TraceFacets(BaseModel):
    """Trace counts per value of each facet, for the traces matching the filters (top 50 values each)."""

    total: int
    status: list[FacetCount]
    service: list[FacetCount]
    model: list[FacetCount]
    name: list[FacetCount]
    kind: list[FacetCount]


class SpanUsage(BaseModel):
    """LLM usage and cost of a span (OpenTelemetry GenAI token semantics)."""

    model: str
    provider: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    cost_usd: float
    cost_status: str = Field(description="'priced', 'unpriced' or '' (no LLM usage)")


class SpanScope(BaseModel):
    name: str
    version: str


class MessagePart(BaseModel, extra="allow"):
    """One part of a chat message (OpenTelemetry GenAI): text, a tool call or a tool call's response."""

    type: str = Field(description="'text', 'tool_call', 'tool_call_response' (others are passed through)")
    content: str | None = None
    id: str | None = Field(None, description="tool call id (links a call to its response / tool span)")
    name: str | None = Field(None, description="the tool called")
    arguments: Any = None
    response: Any = None


class ChatMessage(BaseModel, extra="allow"):
    """A chat message: system / user / assistant / tool, as parts."""

    role: str
    parts: list[MessagePart]
    finish_reason: str | None = None


class SpanEvent(BaseModel):
    """A span event (OpenTelemetry): a named point in the span's time, e.g. `exception` or a GenAI
    `gen_ai.user.message` event, with its own attributes."""

    name: str
    timestamp: str | None = Field(description="ISO 8601 UTC with microseconds; null when the sender gave no time")
    attributes: dict[str, Any] = Field(description="the event's attributes (values keep their JSON types)")


class Span(BaseModel):
    """One span. `input`/`output` are null when absent or left out (`fields=no_io`)."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: str
    service_name: str
    start_time: str
    end_time: str
    offset_ms: float = Field(description="start relative to the trace's start")
    duration_ms: float
    status: str
    status_message: str
    attributes: dict[str, str]
    events: list[SpanEvent]
    input: str | None
    output: str | None
    span_kind: str | None = Field(description="OpenTelemetry span kind (INTERNAL, CLIENT, …)")
    links: list[dict[str, Any]]
    resource: dict[str, str]
    scope: SpanScope | None
    usage: SpanUsage | None
    security_flags: list[str] = Field(description="rules of the span's security alerts")
    input_messages: list[ChatMessage] | None = Field(description="the input as chat messages (LLM spans), else null")
    output_messages: list[ChatMessage] | None = Field(description="the output as chat messages (LLM spans), else null")
    tool_definitions: list[Any] | None = Field(description="tools offered to the model (`gen_ai.tool.definitions`)")


class TraceDetail(TraceRow):
    """One trace: the list row's totals and one page of its spans in start order."""

    spans: list[Span]
    span_offset: int
    span_limit: int
    next_span_offset: int | None = Field(description="pass as span_offset for the next page of spans (null: no more)")


class AlertView(BaseModel):
    alert_id: str
    rule: str
    entity_types: list[str]
    severity: str
    score: float
    excerpt: str
    created_at: str


class SpanDetail(Span):
    """One span with its security alerts."""

    alerts: list[AlertView]


class SessionRow(BaseModel):
    """A session: traces sharing a `session.id`."""

    session_id: str
    trace_count: int
    start_time: str
    last_activity: str
    duration_ms: float
    total_tokens: int
    cost_usd: float
    error_count: int
    user_ids: list[str]


class SessionList(BaseModel):
    items: list[SessionRow]
    total: int
    page: int
    page_size: int


class SessionDetail(SessionRow):
    """A session and its traces in start order (its turns)."""

    traces: list[TraceRow]
