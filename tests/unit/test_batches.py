"""Body decoding, gzip limits and per-span validation of the ingest path (no HTTP, no Redis)."""

from __future__ import annotations

import gzip
import json

import msgpack
import pytest

from cluster.streams import partition_for
from agentstack.schema import MAX_VALUE_CHARS, TRUNCATION_MARKER
from serve_apps.batches import BodyError, build_batch, collect, decode, inflate

NOW = 1_763_763_000_000_000_000


def span(trace: str, sid: str, **over):
    return {"trace_id": trace, "span_id": sid, "name": "s", "start_time": NOW, "end_time": NOW + 1, **over}


def test_gzip_roundtrip():
    assert inflate(gzip.compress(b'{"a":1}'), "gzip", 1000) == b'{"a":1}'


def test_gzip_bomb_is_stopped_at_the_limit():
    bomb = gzip.compress(b"0" * 10_000_000)
    with pytest.raises(BodyError) as err:
        inflate(bomb, "gzip", 1_000_000)
    assert err.value.status == 413


@pytest.mark.parametrize(("body", "enc", "status"), [(b"not gzip", "gzip", 400), (b"x", "br", 415), (gzip.compress(b"abc")[:-6], "gzip", 400)])
def test_bad_encodings(body, enc, status):
    with pytest.raises(BodyError) as err:
        inflate(body, enc, 1000)
    assert err.value.status == status


def test_decode_json_msgpack_and_errors():
    assert decode(b'{"spans": []}', "application/json; charset=utf-8") == {"spans": []}
    assert decode(msgpack.packb([1]), "application/msgpack") == [1]
    with pytest.raises(BodyError) as err:
        decode(b"{nope", "application/json")
    assert err.value.status == 400 and "JSON" in err.value.message
    with pytest.raises(BodyError) as err:
        decode(b"<xml/>", "application/xml")
    assert err.value.status == 415


def test_one_bad_span_is_rejected_and_the_rest_kept():
    t1, t2 = "1" * 32, "2" * 32
    batch = build_batch({"spans": [span(t1, "a" * 16), {"name": "broken"}, span(t2, "b" * 16)]}, "proj", 4)
    assert batch.accepted == 2
    assert [r["index"] for r in batch.rejected] == [1]
    assert batch.rejected[0]["field"]
    spans = [s for group in batch.by_partition.values() for s in group]
    assert {s["project_id"] for s in spans} == {"proj"}
    assert batch.by_partition[partition_for(t1, 4)][0]["trace_id"] == t1


def test_not_a_batch_is_422():
    with pytest.raises(BodyError) as err:
        build_batch({"hello": "world"}, "proj", 4)
    assert err.value.status == 422


def test_payload_project_id_cannot_be_spoofed():
    batch = build_batch([span("3" * 32, "c" * 16, project_id="someone-else")], "mine", 2)
    (spans,) = batch.by_partition.values()
    assert spans[0]["project_id"] == "mine"
    assert json.dumps(spans[0])  # stays serialisable for msgpack/JSON


def test_oversized_values_are_truncated_with_a_marker_and_counted():
    from agentstack.schema import MAX_VALUE_CHARS, TRUNCATION_MARKER
    from serve_apps.batches import collect

    big = "x" * (MAX_VALUE_CHARS + 10)
    raws = [span("a" * 32, "1" * 16, attributes={"big": big, "small": "ok"}, output=big),
            span("a" * 32, "2" * 16, attributes={"small": "ok"})]
    batch = collect(raws, "p", 2)
    first = next(s for spans in batch.by_partition.values() for s in spans if s["span_id"] == "1" * 16)
    assert first["attributes"]["big"] == "x" * MAX_VALUE_CHARS + TRUNCATION_MARKER
    assert first["output"] == big, "input/output have their own, larger cap"
    assert batch.truncated == 1 and batch.accepted == 2
    assert collect(raws, "p", 2, body_bytes=1000).truncated == 0, "a small body cannot hold a truncated value"


def _otlp_body(attributes: dict[str, str]) -> bytes:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue

    request = ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(
        trace_id=b"\x01" * 16, span_id=b"\x02" * 8, name="s", start_time_unix_nano=1_790_000_000 * 10**9,
        end_time_unix_nano=1_790_000_001 * 10**9)
    for key, value in attributes.items():
        span.attributes.add(key=key, value=AnyValue(string_value=value + " " * (MAX_VALUE_CHARS - 10)
                                                    if key == "pad" else value))
    return request.SerializeToString()


@pytest.mark.parametrize(
    ("attributes", "free", "truncated"),
    [
        ({"pad": "x", "note": "plain"}, True, 0),
        ({"pad": "x", "note": "sent as " + TRUNCATION_MARKER}, False, 1),  # a client's own marker is counted
        ({"pad": "x", "metadata": '{"k": "cut \\u2026[truncated]"}'}, False, 1),  # spelt with a JSON escape
    ],
)
def test_truncation_count_skips_only_bodies_that_cannot_hold_the_marker(attributes, free, truncated):
    from serve_apps.payloads import parse

    payload = parse(_otlp_body(attributes), "application/x-protobuf")
    assert payload.validated == [True] and payload.marker_free is free
    batch = collect(payload.raw_spans, "p", 4, payload.body_bytes, payload.validated, payload.marker_free)
    assert batch.accepted == 1 and batch.truncated == truncated
