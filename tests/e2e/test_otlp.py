"""Any OpenTelemetry exporter can use the real Serve ingest: the official Python SDK + OTLP/HTTP, and OTLP/JSON."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


def _post(stack, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(f"{stack.base_url}/v1/traces", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _trace(stack, trace_id: str):
    status, body = stack.get(f"/api/v1/traces/{trace_id}")
    return body if status == 200 and body["span_count"] >= 2 else None


def test_official_otel_sdk_exports_to_the_serve_deployment(stack):
    memory = InMemorySpanExporter()
    exporter = OTLPSpanExporter(endpoint=f"{stack.base_url}/v1/traces", headers={"Authorization": f"Bearer {stack.api_key}"})
    provider = TracerProvider(resource=Resource.create({"service.name": "otel-e2e", "deployment.environment": "ci"}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("e2e.instrumentation", "2.0.1")
    with tracer.start_as_current_span("otel-agent", kind=trace.SpanKind.SERVER) as root:
        link = trace.Link(root.get_span_context(), {"link.kind": "follows"})
        with tracer.start_as_current_span("chat gpt-4o", kind=trace.SpanKind.CLIENT, links=[link]) as llm:
            llm.set_attributes({"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.system": "openai",
                                "gen_ai.usage.input_tokens": 42, "gen_ai.usage.output_tokens": 7, "input.value": "hello?",
                                "output.value": "hi!", "retries": [1, 2]})
            llm.add_event("gen_ai.choice", {"index": 0})
            try:
                raise TimeoutError("slow model")
            except TimeoutError as exc:
                llm.record_exception(exc)
                llm.set_status(trace.Status(trace.StatusCode.ERROR, "slow model"))
    finished = memory.get_finished_spans()
    from opentelemetry.sdk.trace.export import SpanExportResult

    assert exporter.export(finished) == SpanExportResult.SUCCESS
    exporter.shutdown()

    trace_id = format(root.get_span_context().trace_id, "032x")
    detail = stack.wait_for(lambda: _trace(stack, trace_id))
    spans = {s["name"]: s for s in detail["spans"]}
    got_root, got = spans["otel-agent"], spans["chat gpt-4o"]
    sent = {s.name: s for s in finished}["chat gpt-4o"]
    assert got["span_id"] == format(sent.context.span_id, "016x") and got["parent_span_id"] == got_root["span_id"]
    assert (got_root["span_kind"], got["span_kind"], got["kind"]) == ("SERVER", "CLIENT", "llm")
    assert got["status"] == "ERROR" and got["status_message"] == "slow model"
    assert abs(got["duration_ms"] - (sent.end_time - sent.start_time) / 1e6) < 0.001
    assert got["attributes"]["gen_ai.request.model"] == "gpt-4o" and got["attributes"]["gen_ai.provider.name"] == "openai"
    assert got["attributes"]["gen_ai.usage.input_tokens"] == "42" and got["attributes"]["retries"] == "[1, 2]"
    assert (got["input"], got["output"]) == ("hello?", "hi!")
    assert [e["name"] for e in got["events"]] == ["gen_ai.choice", "exception"]
    assert got["events"][1]["attributes"]["exception.type"] == "TimeoutError"
    assert got["links"][0]["span_id"] == got_root["span_id"] and got["links"][0]["attributes"] == {"link.kind": "follows"}
    assert got["resource"]["service.name"] == "otel-e2e" and got["resource"]["deployment.environment"] == "ci"
    assert got["scope"] == {"name": "e2e.instrumentation", "version": "2.0.1"} and detail["service_name"] == "otel-e2e"


def test_otlp_json_client_and_bad_input_over_real_http(stack):
    trace_id, root_id, child_id = "ab" * 16, "01" * 8, "02" * 8
    now = time.time_ns()
    doc = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "json-client"}}]},
                              "scopeSpans": [{"scope": {"name": "curl"}, "spans": [
                                  {"traceId": trace_id, "spanId": root_id, "name": "root", "kind": 2,
                                   "startTimeUnixNano": str(now), "endTimeUnixNano": str(now + 10**6)},
                                  {"traceId": trace_id, "spanId": child_id, "parentSpanId": root_id, "name": "retrieve", "kind": 3,
                                   "startTimeUnixNano": str(now + 10), "endTimeUnixNano": str(now + 500),
                                   "attributes": [{"key": "openinference.span.kind", "value": {"stringValue": "RETRIEVER"}},
                                                  {"key": "input.value", "value": {"stringValue": "docs about ray"}}]},
                                  {"traceId": trace_id, "spanId": "", "name": "no id",
                                   "startTimeUnixNano": str(now), "endTimeUnixNano": str(now)}]}]}]}
    key = {"X-API-Key": stack.api_key}
    bad = {
        "unknown_key": _post(stack, b"{}", {"X-API-Key": "ak_not_a_real_key_000000", "Content-Type": "application/json"}),
        "media": _post(stack, b"x", {**key, "Content-Type": "text/csv"}),
        "bad_proto": _post(stack, b"\xff\xff\xff", {**key, "Content-Type": "application/x-protobuf"}),
        "bad_gzip": _post(stack, b"nope", {**key, "Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}),
        "too_big": _post(stack, b"\0" * (6 * 1024 * 1024), {**key, "Content-Type": "application/x-protobuf"}),
    }
    assert {name: status for name, (status, _, _) in bad.items()} == {
        "unknown_key": 401, "media": 415, "bad_proto": 400, "bad_gzip": 400, "too_big": 413}
    assert all(json.loads(body)["error"]["message"] for _, body, _ in bad.values())

    status, body, headers = _post(stack, json.dumps(doc).encode(), {**key, "Content-Type": "application/json"})
    assert status == 200 and headers["content-type"] == "application/json"
    assert int(json.loads(body)["partialSuccess"]["rejectedSpans"]) == 1
    detail = stack.wait_for(lambda: _trace(stack, trace_id))
    spans = {s["name"]: s for s in detail["spans"]}
    assert spans["retrieve"]["kind"] == "retriever" and spans["retrieve"]["input"] == "docs about ray"
    assert spans["retrieve"]["parent_span_id"] == root_id and spans["root"]["span_kind"] == "SERVER"
    assert detail["service_name"] == "json-client" and spans["retrieve"]["scope"]["name"] == "curl"
    assert stack.get("/v1/health")[0] == 200
    ready_status, ready = stack.get("/v1/ready")
    assert ready_status == 200 and ready["redis"] == "ok"
    assert stack.get("/health")[0] == 200, "the query app's /health keeps working"
