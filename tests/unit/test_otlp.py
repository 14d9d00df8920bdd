"""OTLP decoding and mapping onto the wire schema, with spans made by the official OpenTelemetry SDK."""

from __future__ import annotations

import json

import pytest
from google.protobuf import json_format
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from serve_apps import otlp
from serve_apps.batches import BodyError, collect
from serve_apps.payloads import check_encoding, check_media_type, parse


def make_request():
    """Two spans (SERVER root, CLIENT llm child with a link, events, an exception) as an export request."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "otel-agent", "deployment.environment": "test"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("my.instrumentation", "1.2.3")
    with tracer.start_as_current_span("agent", kind=trace.SpanKind.SERVER) as root:
        link = trace.Link(root.get_span_context(), {"why": "retry-of"})
        with tracer.start_as_current_span("chat", kind=trace.SpanKind.CLIENT, links=[link]) as span:
            span.set_attributes({"llm.model_name": "gpt-4o", "llm.provider": "openai", "llm.token_count.prompt": 12,
                                 "llm.token_count.completion": 7, "input.value": "hi?", "output.value": "hello!",
                                 "openinference.span.kind": "LLM", "tags": ["a", "b"], "temperature": 0.5, "stream": False})
            span.add_event("note", {"k": 1})
            try:
                raise ValueError("bad")
            except ValueError as exc:
                span.record_exception(exc)
                span.set_status(trace.Status(trace.StatusCode.ERROR, "bad"))
    return encode_spans(exporter.get_finished_spans())


def spans_by_name(batch):
    return {s["name"]: s for spans in batch.by_partition.values() for s in spans}


def check_mapped(batch):
    assert batch.accepted == 2 and batch.rejected == []
    spans = spans_by_name(batch)
    root, chat = spans["agent"], spans["chat"]
    assert chat["parent_span_id"] == root["span_id"] and root["parent_span_id"] is None
    assert chat["trace_id"] == root["trace_id"] and len(chat["trace_id"]) == 32
    assert (root["span_kind"], chat["span_kind"]) == ("SERVER", "CLIENT")
    assert chat["kind"] == "llm" and chat["status"] == "ERROR" and chat["status_message"] == "bad"
    assert chat["start_time"] <= chat["end_time"] and chat["service_name"] == "otel-agent"
    assert chat["resource"]["deployment.environment"] == "test"
    assert chat["scope"] == {"name": "my.instrumentation", "version": "1.2.3"}
    assert chat["links"] == [{"trace_id": root["trace_id"], "span_id": root["span_id"], "trace_state": "",
                              "attributes": {"why": "retry-of"}}]
    assert [e["name"] for e in chat["events"]] == ["note", "exception"]
    assert chat["events"][1]["attributes"]["exception.type"] == "ValueError"
    attrs = chat["attributes"]
    assert attrs["gen_ai.request.model"] == "gpt-4o" and attrs["gen_ai.provider.name"] == "openai"
    assert attrs["gen_ai.usage.input_tokens"] == 12 and attrs["gen_ai.usage.output_tokens"] == 7
    assert attrs["tags"] == '["a", "b"]' and attrs["temperature"] == 0.5 and attrs["stream"] is False
    assert (chat["input"], chat["output"]) == ("hi?", "hello!")


def test_protobuf_request_maps_every_field():
    payload = parse(make_request().SerializeToString(), "application/x-protobuf")
    assert payload.otlp == "protobuf"
    check_mapped(collect(payload.raw_spans, "p1", 4))


def test_otlp_json_with_hex_ids_maps_the_same():
    doc = json_format.MessageToDict(make_request())
    for rs in doc["resourceSpans"]:  # the OTLP JSON mapping: ids are hex, not base64
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                for obj in [span, *span.get("links", [])]:
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if key in obj:
                            obj[key] = __import__("base64").b64decode(obj[key]).hex()
    payload = parse(json.dumps(doc).encode(), "application/json")
    assert payload.otlp == "json"
    check_mapped(collect(payload.raw_spans, "p1", 4))


def test_bad_span_is_rejected_and_the_rest_kept():
    request = make_request()
    request.resource_spans[0].scope_spans[0].spans[0].trace_id = b"\x00" * 16
    batch = collect(otlp.raw_spans(request), "p1", 4)
    assert batch.accepted == 1 and batch.rejected[0]["field"] == "trace_id"
    response = ExportTraceServiceResponse.FromString(otlp.export_response(batch.rejected, as_json=False))
    assert response.partial_success.rejected_spans == 1 and "trace_id" in response.partial_success.error_message
    as_json = json.loads(otlp.export_response(batch.rejected, as_json=True))
    assert int(as_json["partialSuccess"]["rejectedSpans"]) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"\xff\xff\xff", "application/x-protobuf", 400, "bad_protobuf"),
        (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz"}]}]}]}', "application/json", 400, "bad_otlp_json"),
        (b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "soon"}]}]}]}', "application/json", 400, "bad_otlp_json"),
        (b'{"resourceSpans": 3}', "application/json", 400, "bad_otlp_json"),
        (b"{", "application/json", 400, "bad_json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400, "bad_json"),
        (b"\x92\xc1", "application/msgpack", 400, "bad_msgpack"),
        (b'{"hello": 1}', "application/json", 422, "invalid_batch"),
    ],
)
def test_undecodable_bodies(body, content_type, status, code):
    with pytest.raises(BodyError) as err:
        parse(body, content_type)
    assert (err.value.status, err.value.code) == (status, code)


def test_unknown_media_type_and_encoding_are_415():
    for check, value in ((check_media_type, "text/xml"), (check_encoding, "br")):
        with pytest.raises(BodyError) as err:
            check(value)
        assert err.value.status == 415
    check_media_type("application/x-protobuf")
    check_encoding("gzip")


def test_the_schema_tuples_are_indexed_by_otlp_enum_numbers():
    from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

    from agentstack.schema import OTEL_SPAN_KINDS, STATUSES

    kinds = Span.SpanKind
    assert [kinds.Name(n).removeprefix("SPAN_KIND_") for n in kinds.values()] == ["UNSPECIFIED", *OTEL_SPAN_KINDS[1:]]
    codes = Status.StatusCode
    assert [codes.Name(n).removeprefix("STATUS_CODE_") for n in codes.values()] == list(STATUSES)
