"""OTLP/HTTP traces: decoding `ExportTraceServiceRequest` (protobuf or JSON) into raw wire spans.

Decoding uses the official `opentelemetry-proto` messages. OTLP/JSON differs from protobuf's own
JSON mapping in one place: trace and span ids are hex strings, not base64 (OTLP spec, "JSON
Protobuf Encoding"), so they are re-encoded before `json_format` parses the document.
The spans :func:`raw_spans` produces are *raw*: :func:`agentstack.schema.validate_span` still checks
each one. :func:`checked_spans` is the fast path for protobuf bodies: a span whose fields already fit
the wire schema (no id, time, size or type to fix or reject — nearly every span a real SDK sends)
becomes its validated form in one pass over the protobuf objects, without the intermediate raw dict;
any other span is returned raw, so `validate_span` names what is wrong exactly as before.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from agentstack.schema import (
    MAX_ATTRIBUTES,
    MAX_EVENTS,
    MAX_KEY_CHARS,
    MAX_NAME_CHARS,
    MAX_VALUE_CHARS,
    OTEL_SPAN_KINDS,
    STATUSES,
)
from agentstack.schema import _MAX_NS, _MIN_NS  # the one definition of a plausible timestamp
from serve_apps.batches import BodyError

PROTOBUF_TYPES = ("application/x-protobuf", "application/protobuf")
_ID_FIELDS = ("traceId", "spanId", "parentSpanId")


def decode_protobuf(body: bytes) -> ExportTraceServiceRequest:
    """Parse an OTLP/HTTP protobuf body.

    Raises:
        BodyError: 400 when the bytes are not an `ExportTraceServiceRequest`.
    """
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(body)
    except DecodeError as exc:
        raise BodyError(400, "bad_protobuf", f"the body is not an OTLP ExportTraceServiceRequest: {exc}") from exc
    return request


def _hex_ids_to_base64(obj: dict[str, Any]) -> None:
    for field in _ID_FIELDS:
        value = obj.get(field)
        if isinstance(value, str) and value:
            try:
                obj[field] = base64.b64encode(bytes.fromhex(value)).decode("ascii")
            except ValueError as exc:
                raise BodyError(400, "bad_otlp_json", f"{field} {value[:40]!r} is not a hex string") from exc


def decode_json(payload: dict[str, Any]) -> ExportTraceServiceRequest:
    """Parse an already JSON-decoded OTLP/JSON document (`{"resourceSpans": [...]}`).

    Raises:
        BodyError: 400 when the document does not fit the OTLP trace schema.
    """
    try:
        for resource_spans in payload.get("resourceSpans") or []:
            for scope_spans in resource_spans.get("scopeSpans") or []:
                for span in scope_spans.get("spans") or []:
                    _hex_ids_to_base64(span)
                    for link in span.get("links") or []:
                        _hex_ids_to_base64(link)
        request = ExportTraceServiceRequest()
        json_format.ParseDict(payload, request, ignore_unknown_fields=True)  # fills `request` in place
        return request
    except (json_format.ParseError, AttributeError, TypeError, RecursionError) as exc:
        raise BodyError(400, "bad_otlp_json", f"the body is not OTLP/JSON trace data: {exc}") from exc


def is_otlp_json(payload: Any) -> bool:
    """True for an OTLP/JSON document rather than a native batch."""
    return isinstance(payload, dict) and "resourceSpans" in payload


def any_value(value: Any) -> Any:
    """An OTLP `AnyValue` as a plain Python value (arrays → lists, key/value lists → dicts)."""
    which = value.WhichOneof("value")
    if which == "string_value":
        return value.string_value
    if which == "int_value":
        return value.int_value
    if which == "double_value":
        return value.double_value
    if which == "bool_value":
        return value.bool_value
    if which == "array_value":
        return [any_value(item) for item in value.array_value.values]
    if which == "kvlist_value":
        return attributes(value.kvlist_value.values)
    if which == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    return None


def attributes(pairs: Any) -> dict[str, Any]:
    """OTLP `repeated KeyValue` → dict (later duplicates win, as in the SDKs)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        value = pair.value
        which = value.WhichOneof("value")
        # The two commonest types inline: this runs for every attribute of every span.
        if which == "string_value":
            out[pair.key] = value.string_value
        elif which == "int_value":
            out[pair.key] = value.int_value
        else:
            out[pair.key] = any_value(value)
    return out


def _hex(raw: bytes) -> str | None:
    return raw.hex() if raw else None


def _span(span: Any, service_name: str, resource: dict[str, Any], scope: dict[str, str]) -> dict[str, Any]:
    status = span.status
    code, kind = status.code, span.kind
    out: dict[str, Any] = {
        "trace_id": _hex(span.trace_id),
        "span_id": _hex(span.span_id),
        "parent_span_id": _hex(span.parent_span_id),
        "name": span.name,
        # OTLP's enum numbers index the schema's tuples (OTEL_SPAN_KINDS, STATUSES).
        "span_kind": OTEL_SPAN_KINDS[kind] if 0 <= kind < len(OTEL_SPAN_KINDS) else "",
        "start_time": span.start_time_unix_nano or None,
        "end_time": span.end_time_unix_nano or None,
        "status": STATUSES[code] if 0 <= code < len(STATUSES) else "UNSET",
        "status_message": status.message,
        "service_name": service_name,
        "attributes": attributes(span.attributes),
        "resource": resource,
        "scope": scope,
    }
    if span.events:
        out["events"] = [
            {"name": e.name, "timestamp": e.time_unix_nano or None, "attributes": attributes(e.attributes)}
            if e.time_unix_nano
            else {"name": e.name, "attributes": attributes(e.attributes)}
            for e in span.events
        ]
    if span.links:
        out["links"] = [
            {"trace_id": _hex(link.trace_id), "span_id": _hex(link.span_id), "trace_state": link.trace_state,
             "attributes": attributes(link.attributes)}
            for link in span.links
        ]
    return out


def raw_spans(request: ExportTraceServiceRequest) -> list[dict[str, Any]]:
    """Every span of an export request as a raw wire span (resource and scope copied onto each)."""
    spans: list[dict[str, Any]] = []
    for resource_spans in request.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        service = resource.get("service.name")
        service_name = service if isinstance(service, str) and service else "default"
        for scope_spans in resource_spans.scope_spans:
            scope = {"name": scope_spans.scope.name, "version": scope_spans.scope.version}
            spans.extend(_span(span, service_name, resource, scope) for span in scope_spans.spans)
    return spans


def _plain_attributes(pairs: Any) -> dict[str, Any] | None:
    """`repeated KeyValue` → dict when validation would keep it unchanged (scalar values that fit, good keys).

    None when any value is an array, a key/value list, bytes, empty, or too long, or any key is
    empty or too long: the caller then takes the raw path, which converts or rejects it.
    """
    out: dict[str, Any] = {}
    for pair in pairs:
        key = pair.key
        if not 0 < len(key) <= MAX_KEY_CHARS:
            return None
        value = pair.value
        text = value.string_value
        if text:  # a non-empty string_value is the oneof's member: one accessor call for the commonest case
            if len(text) > MAX_VALUE_CHARS:
                return None
            out[key] = text
            continue
        which = value.WhichOneof("value")
        if which == "int_value":
            out[key] = value.int_value
        elif which == "string_value":
            out[key] = text
        elif which == "double_value":
            out[key] = value.double_value
        elif which == "bool_value":
            out[key] = value.bool_value
        else:
            return None
    return out if len(out) <= MAX_ATTRIBUTES else None


def _checked_events(events: Any) -> list[dict[str, Any]] | None:
    if len(events) > MAX_EVENTS:
        return None
    out = []
    for event in events:
        name, stamp = event.name, event.time_unix_nano
        if len(name) > MAX_NAME_CHARS or (stamp and not _MIN_NS <= stamp <= _MAX_NS):
            return None
        attrs = _plain_attributes(event.attributes)
        if attrs is None:
            return None
        out.append({"name": name, "timestamp": stamp or None, "attributes": attrs})
    return out


_ID_SIZES = (8, 16)


def _checked_span(span: Any, service_name: str, resource: dict[str, Any], scope: dict[str, str]) -> dict[str, Any] | None:
    """`validate_span(_span(...))` for a span that needs no fixing, built straight from the protobuf; else None.

    Same keys in the same order and the same values as the slow path (a unit test compares both on
    varied spans), so the bus carries identical bytes either way. Ids are checked inline (length and
    not all zeros): this runs for every span.
    """
    name = span.name
    start, end = span.start_time_unix_nano, span.end_time_unix_nano
    if (not 0 < len(name) <= MAX_NAME_CHARS or not _MIN_NS <= start <= end <= _MAX_NS or span.links
            or not name.strip()):
        return None
    trace, span_bytes, parent = span.trace_id, span.span_id, span.parent_span_id
    if (len(trace) != 16 or len(span_bytes) not in _ID_SIZES or not trace.strip(b"\0") or not span_bytes.strip(b"\0")
            or (parent and (len(parent) not in _ID_SIZES or not parent.strip(b"\0")))):
        return None
    status = span.status
    message = status.message
    if len(message) > MAX_VALUE_CHARS:
        return None
    attrs = _plain_attributes(span.attributes)
    if attrs is None:
        return None
    events = span.events
    if events:
        checked_events = _checked_events(events)
        if checked_events is None:
            return None
    else:
        checked_events = []
    code, kind = status.code, span.kind
    out: dict[str, Any] = {
        "trace_id": trace.hex(),
        "span_id": span_bytes.hex(),
        "parent_span_id": parent.hex() if parent else None,
        "name": name,
        "kind": "span",
        "start_time": start,
        "end_time": end,
        "status": STATUSES[code] if 0 <= code < len(STATUSES) else "UNSET",
        "status_message": message,
        "service_name": service_name,
        "attributes": attrs,
        "events": checked_events,
        "input": None,
        "output": None,
    }
    if 0 < kind < len(OTEL_SPAN_KINDS):
        out["span_kind"] = OTEL_SPAN_KINDS[kind]
    if resource:
        out["resource"] = resource
    out["scope"] = scope
    return out


def checked_spans(request: ExportTraceServiceRequest) -> tuple[list[dict[str, Any]], list[bool]]:
    """Every span of an export request, validated where it needs no fixing, and which ones are.

    Returns:
        (spans, validated): `spans[i]` is the validated wire span when `validated[i]`, else the raw
        span (:func:`raw_spans`' form) for :func:`agentstack.schema.validate_span` to fix or reject.
        Resource and scope dicts are shared by the spans of one resource / scope (read-only after ingest).
    """
    spans: list[dict[str, Any]] = []
    validated: list[bool] = []
    for resource_spans in request.resource_spans:
        raw_resource = attributes(resource_spans.resource.attributes)
        service = raw_resource.get("service.name")
        service_name = service if isinstance(service, str) and service else "default"
        plain_resource = _plain_attributes(resource_spans.resource.attributes)
        resource_ok = plain_resource is not None and len(service_name) <= MAX_KEY_CHARS
        for scope_spans in resource_spans.scope_spans:
            scope = {"name": scope_spans.scope.name, "version": scope_spans.scope.version}
            scope_ok = resource_ok and len(scope["name"]) <= MAX_NAME_CHARS and len(scope["version"]) <= MAX_KEY_CHARS
            for span in scope_spans.spans:
                checked = _checked_span(span, service_name, plain_resource, scope) if scope_ok else None  # type: ignore[arg-type]
                if checked is None:
                    spans.append(_span(span, service_name, raw_resource, scope))
                    validated.append(False)
                else:
                    spans.append(checked)
                    validated.append(True)
    return spans, validated


#: The answer to a request with no rejected span (nearly every one): an empty response, in protobuf.
_ALL_ACCEPTED = ExportTraceServiceResponse().SerializeToString()


def export_response(rejected: list[dict[str, Any]], as_json: bool) -> bytes:
    """`ExportTraceServiceResponse` with `partial_success` when spans were rejected, in the request's encoding."""
    if not rejected and not as_json:
        return _ALL_ACCEPTED
    response = ExportTraceServiceResponse()
    if rejected:
        response.partial_success.rejected_spans = len(rejected)
        shown = "; ".join(f"span {r['index']} ({r['span_id']}): {r['field']}: {r['error']}" for r in rejected[:10])
        more = f" (and {len(rejected) - 10} more)" if len(rejected) > 10 else ""
        response.partial_success.error_message = f"{len(rejected)} spans rejected: {shown}{more}"
    if as_json:
        return json.dumps(json_format.MessageToDict(response)).encode()
    encoded: bytes = response.SerializeToString()
    return encoded
