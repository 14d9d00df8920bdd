"""The ingest and query HTTP apps on real Redis/Valkey and chDB (no Ray: `create_*_app` factories)."""

from __future__ import annotations

import asyncio
import gzip
import json
import time

import httpx

from actors.consumer import StreamConsumer
from actors.writer import SpanWriter
from cluster.bus import connect_redis
from cluster.settings import PlatformSettings
from cluster.store import DirectStoreClient
from cluster.streams import WRITER_GROUP, ingest_stream
from serve_apps.ingest import create_ingest_app
from serve_apps.query import create_query_app
from tests.integration.accounts_helpers import seed_project

KEY = "ak_http_test_key_0123456789"
READ_KEY = "ak_http_test_read_key_0123456789"
NOW = time.time_ns() - 3_600 * 10**9  # an hour ago: inside the trace list's default 24 h window
TRACE = "0123456789abcdef0123456789abcdef"


def wire(span_id: str, parent: str | None = None, **over) -> dict:
    return {"trace_id": TRACE, "span_id": span_id, "parent_span_id": parent, "name": f"op-{span_id[:2]}",
            "kind": "tool", "start_time": NOW, "end_time": NOW + 2_000_000, **over}


def run_with_apps(redis_url: str, store, scenario, tmp_path):
    settings = PlatformSettings(data_dir=tmp_path, partitions=2, max_body_bytes=64 * 1024, api_key_cache_ttl_s=0)

    db, _ = seed_project(settings, KEY, READ_KEY)

    async def main():
        client = DirectStoreClient(store)
        redis = connect_redis(redis_url)
        ingest = httpx.AsyncClient(transport=httpx.ASGITransport(create_ingest_app(settings, client, redis, db)), base_url="http://t")  # Serve strips the /v1 route prefix
        query = httpx.AsyncClient(transport=httpx.ASGITransport(create_query_app(settings, client, redis, tmp_path / "no-ui", db)), base_url="http://t")
        consumer = StreamConsumer(redis, WRITER_GROUP, "w", [ingest_stream(p) for p in range(2)], SpanWriter(client).write, block_ms=20)
        await consumer.ensure_groups()

        async def drain() -> int:
            return sum([await consumer.poll_once() for _ in range(4)])

        try:
            return await scenario(ingest, query, drain)
        finally:
            await redis.aclose()

    return asyncio.run(main())


def test_auth_and_bad_input_get_clear_errors(redis_url, store, tmp_path):
    async def scenario(ingest, query, drain):
        h = {"X-API-Key": KEY, "Content-Type": "application/json"}
        r = {"X-API-Key": READ_KEY}
        out = {
            "missing": await ingest.post("/traces", json={"spans": []}),
            "unknown": await ingest.post("/traces", json={"spans": []}, headers={"X-API-Key": "ak_unknown_key_00000000000"}),
            "bearer": await ingest.post("/traces", json={"spans": [wire("1" * 16)]}, headers={"Authorization": f"Bearer {KEY}"}),
            "bad_json": await ingest.post("/traces", content=b"{not json", headers=h),
            "bad_gzip": await ingest.post("/traces", content=b"xx", headers={**h, "Content-Encoding": "gzip"}),
            "media": await ingest.post("/traces", content=b"<a/>", headers={**h, "Content-Type": "text/xml"}),
            "too_big": await ingest.post("/traces", content=b"[" + b" " * 70_000 + b"]", headers=h),
            "not_batch": await ingest.post("/traces", json={"hello": 1}, headers=h),
            "all_bad": await ingest.post("/traces", json=[{"name": "x"}], headers=h),
            "query_no_key": await query.get("/api/v1/traces"),
            "query_ingest_key": await query.get("/api/v1/traces", headers=h),
            "ingest_read_key": await ingest.post("/traces", json={"spans": [wire("2" * 16)]}, headers={**h, "X-API-Key": READ_KEY}),
            "bad_page": await query.get("/api/v1/traces?page=0", headers=r),
            "bad_trace_id": await query.get("/api/v1/traces/xyz", headers=r),
            "unknown_trace": await query.get(f"/api/v1/traces/{'f' * 32}", headers=r),
            "ui_missing": await query.get("/traces/abc"),
        }
        return {k: (r.status_code, r.json()) for k, r in out.items()}

    res = run_with_apps(redis_url, store, scenario, tmp_path)
    expected = {
        "missing": (401, "missing_api_key"), "unknown": (401, "invalid_api_key"), "bad_json": (400, "bad_json"),
        "bad_gzip": (400, "bad_gzip"), "media": (415, "unsupported_media_type"), "too_big": (413, "payload_too_large"),
        "not_batch": (422, "invalid_batch"), "all_bad": (422, "invalid_spans"), "query_no_key": (401, "not_authenticated"),
        "query_ingest_key": (403, "insufficient_scope"), "ingest_read_key": (403, "insufficient_scope"),
        # the trace-id pattern is in the OpenAPI schema now, so FastAPI's validation answers (field named)
        "bad_page": (422, "invalid_request"), "bad_trace_id": (422, "invalid_request"), "unknown_trace": (404, "not_found"),
        "ui_missing": (503, "ui_not_built"),
    }
    for name, (status, code) in expected.items():
        assert res[name][0] == status, (name, res[name])
        assert res[name][1]["error"]["code"] == code, (name, res[name])
        assert res[name][1]["error"]["message"], name
    assert res["bearer"][0] == 202
    assert "start_time" in res["all_bad"][1]["error"]["message"]
    assert res["bad_page"][1]["error"]["field"] == "page" and res["bad_trace_id"][1]["error"]["field"] == "trace_id"


def test_accepted_spans_reach_the_query_api(redis_url, store, tmp_path):
    async def scenario(ingest, query, drain):
        h = {"X-API-Key": KEY, "Content-Type": "application/json", "Content-Encoding": "gzip"}
        spans = [wire("a" * 16, status="OK"), wire("b" * 16, parent="a" * 16, status="ERROR", status_message="boom"),
                 {"trace_id": TRACE, "name": "no span id", "start_time": NOW, "end_time": NOW}]
        accepted = await ingest.post("/traces", content=gzip.compress(json.dumps({"spans": spans}).encode()), headers=h)
        handled = await drain()
        listing = await query.get("/api/v1/traces", headers={"X-API-Key": READ_KEY})
        detail = await query.get(f"/api/v1/traces/{TRACE}", headers={"X-API-Key": READ_KEY})
        health = await query.get("/health")
        return accepted, handled, listing.json(), detail.json(), health

    accepted, handled, listing, detail, health = run_with_apps(redis_url, store, scenario, tmp_path)
    assert accepted.status_code == 202
    body = accepted.json()
    assert body["status"] == "accepted" and body["spans_queued"] == 2
    assert body["rejected"] == [{"index": 2, "span_id": None, "field": "span_id", "error": "is required"}]
    assert handled == 2
    assert listing["total"] == 1 and listing["page"] == 1 and listing["page_size"] == 50
    assert listing["items"][0]["status"] == "ERROR" and listing["items"][0]["span_count"] == 2
    assert [s["span_id"] for s in detail["spans"]][0] == "a" * 16
    assert detail["spans"][1]["status_message"] == "boom"
    assert health.status_code == 200 and health.json()["redis"] == "ok"
