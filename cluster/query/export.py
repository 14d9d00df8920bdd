"""A stored trace as an OTLP/JSON document (`ExportTraceServiceRequest`), re-importable through `/v1/traces`."""

from __future__ import annotations

import json
from typing import Any

from cluster.store import StoreClient

_STATUS_CODES = {"UNSET": 0, "OK": 1, "ERROR": 2}
_SPAN_KINDS = {"INTERNAL": 1, "SERVER": 2, "CLIENT": 3, "PRODUCER": 4, "CONSUMER": 5}
#: Where the export keeps AgentStack's own span kind, so a re-import restores it.
KIND_ATTRIBUTE = "agentstack.span.kind"


def _value(text: str) -> dict[str, Any]:
    return {"stringValue": text}


def _attributes(pairs: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": _value(v if isinstance(v, str) else json.dumps(v))} for k, v in pairs.items()]


def _span(row: dict[str, Any]) -> dict[str, Any]:
    attrs = dict(row["attributes"])
    attrs.setdefault(KIND_ATTRIBUTE, row["kind"])
    if row["input"]:
        attrs.setdefault("input.value", row["input"])
    if row["output"]:
        attrs.setdefault("output.value", row["output"])
    span: dict[str, Any] = {
        "traceId": row["trace_id"],
        "spanId": row["span_id"],
        "name": row["name"],
        "kind": _SPAN_KINDS.get(row["span_kind"], 0),
        "startTimeUnixNano": str(row["start_ns"]),
        "endTimeUnixNano": str(row["end_ns"]),
        "attributes": _attributes(attrs),
        "status": {"code": _STATUS_CODES.get(row["status"], 0), "message": row["status_message"]},
    }
    if row["parent_span_id"]:
        span["parentSpanId"] = row["parent_span_id"]
    events = json.loads(row["events"] or "[]")
    if events:
        span["events"] = [
            {"name": e.get("name", ""), "timeUnixNano": str(e.get("timestamp") or row["start_ns"]),
             "attributes": _attributes(e.get("attributes") or {})}
            for e in events
        ]
    links = json.loads(row["links"] or "[]")
    if links:
        span["links"] = [
            {"traceId": link["trace_id"], "spanId": link["span_id"], "traceState": link.get("trace_state") or "",
             "attributes": _attributes(link.get("attributes") or {})}
            for link in links if link.get("trace_id") and link.get("span_id")
        ]
    return span


async def export_trace(store: StoreClient, project_id: str, trace_id: str) -> dict[str, Any] | None:
    """The trace as `{"resourceSpans": [...]}` grouped by resource and scope; None when not in the project."""
    rows = await store.query(
        "SELECT trace_id, span_id, parent_span_id, name, kind, service_name, "
        "toUnixTimestamp64Nano(start_time) AS start_ns, toUnixTimestamp64Nano(end_time) AS end_ns, "
        "status, status_message, attributes, events, input, output, span_kind, links, resource, scope_name, scope_version "
        "FROM spans FINAL WHERE project_id = {p:String} AND trace_id = {t:String} ORDER BY start_time, span_id",
        {"p": project_id, "t": trace_id},
    )
    if not rows:
        return None
    groups: dict[str, dict[tuple[str, str], list[dict[str, Any]]]] = {}
    resources: dict[str, dict[str, Any]] = {}
    for row in rows:
        resource = dict(row["resource"])
        resource.setdefault("service.name", row["service_name"])
        key = json.dumps(resource, sort_keys=True)
        resources[key] = resource
        groups.setdefault(key, {}).setdefault((row["scope_name"], row["scope_version"]), []).append(_span(row))
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": _attributes(resources[key])},
                "scopeSpans": [
                    {"scope": {"name": name, "version": version}, "spans": spans}
                    for (name, version), spans in scopes.items()
                ],
            }
            for key, scopes in groups.items()
        ]
    }
