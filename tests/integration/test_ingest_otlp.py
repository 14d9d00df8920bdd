"""The ingest app on real Valkey/Redis and chDB: OTLP formats, limits, backpressure, buffering, revocation."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json

import httpx
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from actors.consumer import StreamConsumer
from actors.writer import SpanWriter
from cluster.bus import connect_redis
from cluster.settings import PlatformSettings
from cluster.store import DirectStoreClient
from cluster.streams import WRITER_GROUP, ingest_stream
from cluster.valkey import EmbeddedValkey
from serve_apps.ingest import create_ingest_app
from serve_apps.query import create_query_app
from tests.integration.accounts_helpers import revoke, seed_project
from tests.conftest import free_port

KEY = "ak_otlp_test_key_0123456789"
READ_KEY = "ak_otlp_test_read_key_0123456789"
NOW = 1_763_763_000_000_000_000
TRACE = bytes.fromhex("4bf92f3577b34da6a3ce929d0e0e4736")
PROTO = {"X-API-Key": KEY, "Content-Type": "application/x-protobuf"}


def export_request(n: int = 2, trace: bytes = TRACE, first: int = 1) -> ExportTraceServiceRequest:
    """n spans of one trace, the first the root; GenAI/OpenInference attributes, events, a link."""
    doc = {
        "resourceSpans": [{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "otel-svc"}},
                                        {"key": "host.name", "value": {"stringValue": "box-1"}}]},
            "scopeSpans": [{
                "scope": {"name": "openinference.instrumentation.openai", "version": "0.1.9"},
                "spans": [
                    {
                        "traceId": base64.b64encode(trace).decode(),
                        "spanId": base64.b64encode((first + i).to_bytes(8, "big")).decode(),
                        **({"parentSpanId": base64.b64encode(first.to_bytes(8, "big")).decode()} if i else {}),
                        "name": "agent" if i == 0 else f"llm-{i}",
                        "kind": "SPAN_KIND_SERVER" if i == 0 else "SPAN_KIND_CLIENT",
                        "startTimeUnixNano": str(NOW + i * 1000), "endTimeUnixNano": str(NOW + 5_000_000 + i),
                        "attributes": [] if i == 0 else [
                            {"key": "llm.model_name", "value": {"stringValue": "gpt-4o-mini"}},
                            {"key": "llm.provider", "value": {"stringValue": "openai"}},
                            {"key": "llm.token_count.prompt", "value": {"intValue": "21"}},
                            {"key": "llm.token_count.completion", "value": {"intValue": "5"}},
                            {"key": "input.value", "value": {"stringValue": "What is Ray?"}},
                            {"key": "output.value", "value": {"stringValue": "A framework."}},
                            {"key": "openinference.span.kind", "value": {"stringValue": "LLM"}},
                        ],
                        "events": [] if i == 0 else [{"timeUnixNano": str(NOW + 2000), "name": "exception",
                                                      "attributes": [{"key": "exception.type", "value": {"stringValue": "RateLimit"}}]}],
                        "links": [] if i == 0 else [{"traceId": base64.b64encode(b"\x11" * 16).decode(),
                                                     "spanId": base64.b64encode(b"\x22" * 8).decode()}],
                        "status": {"code": "STATUS_CODE_ERROR", "message": "rate limited"} if i else {"code": "STATUS_CODE_OK"},
                    }
                    for i in range(n)
                ],
            }],
        }],
    }
    return json_format.ParseDict(doc, ExportTraceServiceRequest())


def to_otlp_json(request: ExportTraceServiceRequest) -> bytes:
    """OTLP/JSON as the spec writes it: hex ids, enum numbers."""
    doc = json_format.MessageToDict(request, use_integers_for_enums=True)
    for rs in doc["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                for obj in [span, *span.get("links", [])]:
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if key in obj:
                            obj[key] = base64.b64decode(obj[key]).hex()
    return json.dumps(doc).encode()


def run(redis_url, store, tmp_path, scenario, **overrides):
    settings = PlatformSettings(data_dir=tmp_path, partitions=2, **{"api_key_cache_ttl_s": 0.5, **overrides})

    db, _ = seed_project(settings, KEY, READ_KEY)

    async def main():
        client = DirectStoreClient(store)
        redis = connect_redis(redis_url)
        app = create_ingest_app(settings, client, redis, db)
        ingest = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t")
        query = httpx.AsyncClient(transport=httpx.ASGITransport(create_query_app(settings, client, redis, tmp_path / "no-ui", db)), base_url="http://t")
        consumer = StreamConsumer(redis, WRITER_GROUP, "w", [ingest_stream(p) for p in range(2)], SpanWriter(client).write, block_ms=20)

        async def drain() -> int:
            await consumer.ensure_groups()
            return sum([await consumer.poll_once() for _ in range(4)])

        try:
            return await scenario(ingest, query, drain, app.state.ingest, client)
        finally:
            await app.state.ingest.publisher.stop()
            await redis.aclose()

    return asyncio.run(main())


def check_trace(detail: dict) -> None:
    spans = {s["name"]: s for s in detail["spans"]}
    root, llm = spans["agent"], spans["llm-1"]
    assert detail["trace_id"] == TRACE.hex() and detail["service_name"] == "otel-svc"
    assert root["parent_span_id"] is None and llm["parent_span_id"] == root["span_id"] == (1).to_bytes(8, "big").hex()
    assert (root["span_kind"], llm["span_kind"]) == ("SERVER", "CLIENT")
    assert (root["status"], llm["status"], llm["status_message"]) == ("OK", "ERROR", "rate limited")
    assert llm["start_time"] == "2025-11-21T22:10:00.000001Z" and llm["duration_ms"] == (5_000_001 - 1000) / 1e6
    assert llm["kind"] == "llm" and llm["input"] == "What is Ray?" and llm["output"] == "A framework."
    attrs = llm["attributes"]
    assert attrs["gen_ai.request.model"] == "gpt-4o-mini" and attrs["gen_ai.provider.name"] == "openai"
    assert attrs["gen_ai.usage.input_tokens"] == "21" and attrs["gen_ai.usage.output_tokens"] == "5"
    assert attrs["llm.model_name"] == "gpt-4o-mini"
    assert llm["events"][0]["name"] == "exception" and llm["events"][0]["attributes"]["exception.type"] == "RateLimit"
    assert llm["links"] == [{"trace_id": "11" * 16, "span_id": "22" * 8, "trace_state": "", "attributes": {}}]
    assert llm["resource"] == {"service.name": "otel-svc", "host.name": "box-1"}
    assert llm["scope"] == {"name": "openinference.instrumentation.openai", "version": "0.1.9"}


def test_otlp_protobuf_and_json_arrive_intact_in_the_query_api(redis_url, store, tmp_path):
    other = bytes.fromhex("5" * 32)

    async def scenario(ingest, query, drain, state, _):
        proto = await ingest.post("/traces", content=export_request().SerializeToString(), headers=PROTO)
        as_json = await ingest.post("/traces", content=gzip.compress(to_otlp_json(export_request(trace=other))),
                                    headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json",
                                             "Content-Encoding": "gzip"})
        handled = await drain()
        one = (await query.get(f"/api/v1/traces/{TRACE.hex()}", headers={"X-API-Key": READ_KEY})).json()
        two = (await query.get(f"/api/v1/traces/{other.hex()}", headers={"X-API-Key": READ_KEY})).json()
        return proto, as_json, handled, one, two

    proto, as_json, handled, one, two = run(redis_url, store, tmp_path, scenario)
    assert proto.status_code == 200 and proto.headers["content-type"] == "application/x-protobuf"
    assert not ExportTraceServiceResponse.FromString(proto.content).HasField("partial_success")
    assert as_json.status_code == 200 and as_json.json() == {}
    assert handled == 4
    check_trace(one)
    two["trace_id"] = TRACE.hex()
    check_trace(two)


def test_bad_input_gets_its_status_and_the_app_keeps_serving(redis_url, store, tmp_path):
    bomb = gzip.compress(b"\0" * 5_000_000)
    partly_bad = export_request(3)
    partly_bad.resource_spans[0].scope_spans[0].spans[2].start_time_unix_nano = 5  # seconds-ish: not sane
    partly_bad.resource_spans[0].scope_spans[0].spans[1].attributes.add(key="x" * 300).value.string_value = "v"
    huge_value = export_request(2)
    huge_value.resource_spans[0].scope_spans[0].spans[1].attributes.add(key="big").value.string_value = "y" * 50_000

    async def scenario(ingest, query, drain, state, _):
        out = {
            "no_key": await ingest.post("/traces", content=b"", headers={"Content-Type": "application/x-protobuf"}),
            "bad_key": await ingest.post("/traces", content=b"", headers={**PROTO, "X-API-Key": "ak_nope_nope_nope_nope"}),
            "too_big": await ingest.post("/traces", content=b"\0" * 70_000, headers=PROTO),
            "bomb": await ingest.post("/traces", content=bomb, headers={**PROTO, "Content-Encoding": "gzip"}),
            "media": await ingest.post("/traces", content=b"x", headers={**PROTO, "Content-Type": "text/plain"}),
            "encoding": await ingest.post("/traces", content=b"x", headers={**PROTO, "Content-Encoding": "br"}),
            "bad_proto": await ingest.post("/traces", content=b"\xff\xff\xff\xff", headers=PROTO),
            "bad_gzip": await ingest.post("/traces", content=b"nope", headers={**PROTO, "Content-Encoding": "gzip"}),
            "bad_otlp_json": await ingest.post("/traces", content=b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz"}]}]}]}',
                                               headers={**PROTO, "Content-Type": "application/json"}),
        }
        partial = await ingest.post("/traces", content=partly_bad.SerializeToString(), headers=PROTO)
        truncated = await ingest.post("/traces", content=huge_value.SerializeToString(), headers=PROTO)
        still = await ingest.post("/traces", content=export_request(trace=b"\x07" * 16).SerializeToString(), headers=PROTO)
        await drain()
        detail = (await query.get(f"/api/v1/traces/{TRACE.hex()}", headers={"X-API-Key": READ_KEY})).json()
        return out, partial, truncated, still, detail, state.metrics.counts

    out, partial, truncated, still, detail, counts = run(redis_url, store, tmp_path, scenario, max_body_bytes=64 * 1024,
                                                         max_decompressed_bytes=1024 * 1024)
    expected = {"no_key": (401, "missing_api_key"), "bad_key": (401, "invalid_api_key"), "too_big": (413, "payload_too_large"),
                "bomb": (413, "payload_too_large"), "media": (415, "unsupported_media_type"),
                "encoding": (415, "unsupported_encoding"), "bad_proto": (400, "bad_protobuf"), "bad_gzip": (400, "bad_gzip"),
                "bad_otlp_json": (400, "bad_otlp_json")}
    for name, (status, code) in expected.items():
        assert (out[name].status_code, out[name].json()["error"]["code"]) == (status, code), (name, out[name].text)
    result = ExportTraceServiceResponse.FromString(partial.content).partial_success
    assert partial.status_code == 200 and result.rejected_spans == 2
    assert "start_time" in result.error_message and "attributes" in result.error_message
    assert truncated.status_code == 200 and still.status_code == 200
    big = next(s for s in detail["spans"] if s["name"] == "llm-1")["attributes"]["big"]
    assert big.endswith("…[truncated]") and len(big) < 40_000
    assert counts["truncated"] == 1
    assert counts["rejected:start_time"] == 1 and counts["rejected:attributes"] == 1 and counts["error:bad_protobuf"] == 1


def test_full_buffer_and_stream_backlog_answer_429_with_retry_after(store, tmp_path):
    valkey = EmbeddedValkey(tmp_path / "v", free_port())
    valkey.start()

    async def scenario(ingest, query, drain, state, _):
        body = export_request(3).SerializeToString()
        await drain()  # creates the writer group; nothing read yet
        backlog = []
        for _ in range(3):
            backlog.append(await ingest.post("/traces", content=body, headers=PROTO))
            await asyncio.sleep(0.02)  # past backlog_check_interval_s: the next request sees the new lag
        state.backlog.ceiling = 10**9
        valkey.stop()
        buffered = await ingest.post("/traces", content=body, headers=PROTO)
        full = await ingest.post("/traces", content=body, headers=PROTO)
        ready = await ingest.get("/ready")
        return backlog, buffered, full, ready

    try:
        backlog, buffered, full, ready = run(valkey.url, store, tmp_path, scenario, max_stream_backlog=1,
                                             backlog_check_interval_s=0.01, ingest_buffer_spans=5, retry_after_s=3)
    finally:
        valkey.stop()
    assert [r.status_code for r in backlog] == [200, 200, 429]
    assert backlog[2].headers["retry-after"] == "3" and backlog[2].json()["error"]["code"] == "stream_backlog"
    assert buffered.status_code == 200
    assert full.status_code == 429 and full.headers["retry-after"] == "3" and full.json()["error"]["code"] == "buffer_full"
    assert ready.status_code == 503 and ready.json()["buffered_spans"] == 3


def test_valkey_down_mid_stream_buffers_and_loses_nothing(store, tmp_path):
    valkey = EmbeddedValkey(tmp_path / "v", free_port())
    valkey.start()

    async def scenario(ingest, query, drain, state, client):
        statuses = []
        for i in range(20):
            if i == 5:
                valkey.stop()
            if i == 15:
                valkey.start()
            body = export_request(4, trace=(i + 1).to_bytes(16, "big")).SerializeToString()
            statuses.append((await ingest.post("/traces", content=body, headers=PROTO)).status_code)
            if i == 10:
                statuses.append((await ingest.get("/ready")).status_code)
        for _ in range(200):
            if state.publisher.buffered_spans == 0:
                break
            await asyncio.sleep(0.05)
        ready = (await ingest.get("/ready")).status_code
        handled = 0
        for _ in range(10):
            handled += await drain()
        rows = await client.query("SELECT uniqExact(trace_id) AS t, count() AS n FROM spans FINAL")
        return statuses, ready, handled, rows[0], state.metrics.counts

    try:
        statuses, ready, handled, rows, counts = run(valkey.url, store, tmp_path, scenario, ingest_retry_interval_s=0.05)
    finally:
        valkey.stop()
    assert statuses.count(200) == 20 and statuses[11] == 503, statuses  # /ready said 503 while Valkey was down
    assert counts["buffered"] >= 40
    assert ready == 200 and rows == {"t": 20, "n": 80}


def test_revoked_key_is_refused_within_the_cache_ttl(redis_url, store, tmp_path):
    async def scenario(ingest, query, drain, state, _):
        body = export_request().SerializeToString()
        before = await ingest.post("/traces", content=body, headers=PROTO)
        revoke(state.accounts.db, KEY)
        await asyncio.sleep(0.6)
        after = await ingest.post("/traces", content=body, headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/x-protobuf"})
        return before, after

    before, after = run(redis_url, store, tmp_path, scenario)
    assert before.status_code == 200
    assert after.status_code == 401 and after.json()["error"]["code"] == "invalid_api_key"
