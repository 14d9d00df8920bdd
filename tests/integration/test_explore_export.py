"""`GET /api/v1/traces/{id}/export?format=otlp-json` gives a document `POST /v1/traces` takes back unchanged."""

from __future__ import annotations

from tests.integration.test_http_apps import KEY, NOW, READ_KEY, TRACE, run_with_apps

ROOT, CHILD = "1" * 16, "2" * 16


def _spans() -> list[dict]:
    return [
        {"trace_id": TRACE, "span_id": ROOT, "name": "agent.run", "kind": "agent", "service_name": "svc",
         "start_time": NOW, "end_time": NOW + 9_000_000, "input": "plan a trip", "output": "done",
         "attributes": {"session.id": "S9", "retries": 2}, "resource": {"deployment.environment": "prod"},
         "events": [{"name": "checkpoint", "timestamp": NOW + 1000, "attributes": {"step": "1"}}]},
        {"trace_id": TRACE, "span_id": CHILD, "parent_span_id": ROOT, "name": "chat", "kind": "llm", "service_name": "svc",
         "start_time": NOW + 1_000_000, "end_time": NOW + 5_000_000, "status": "ERROR", "status_message": "rate limited",
         "span_kind": "CLIENT",
         "attributes": {"gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 3},
         "links": [{"trace_id": "f" * 32, "span_id": "e" * 16, "attributes": {"why": "retry"}}]},
    ]


_COMPARED = ("span_id", "parent_span_id", "name", "kind", "service_name", "start_time", "end_time", "status",
             "status_message", "input", "output", "span_kind", "events", "usage")


def test_export_reimports_to_the_same_trace(redis_url, store, tmp_path):
    async def scenario(ingest, query, drain):
        r = {"X-API-Key": READ_KEY}
        assert (await ingest.post("/traces", json={"spans": _spans()}, headers={"X-API-Key": KEY})).status_code == 202
        await drain()
        before = (await query.get(f"/api/v1/traces/{TRACE}", headers=r)).json()
        exported = await query.get(f"/api/v1/traces/{TRACE}/export?format=otlp-json", headers=r)
        assert exported.status_code == 200 and "resourceSpans" in exported.json()
        assert (await query.get(f"/api/v1/traces/{TRACE}/export?format=csv", headers=r)).json()["error"]["field"] == "format"
        for table in ("spans", "trace_summaries"):
            store.command(f"TRUNCATE TABLE {table}")
        assert (await query.get(f"/api/v1/traces/{TRACE}", headers=r)).status_code == 404
        back = await ingest.post("/traces", json=exported.json(), headers={"X-API-Key": KEY})
        assert back.status_code in (200, 202), back.text
        await drain()
        after = (await query.get(f"/api/v1/traces/{TRACE}", headers=r)).json()
        return before, after

    before, after = run_with_apps(redis_url, store, scenario, tmp_path)
    assert len(before["spans"]) == len(after["spans"]) == 2
    for old, new in zip(before["spans"], after["spans"]):
        assert {k: old[k] for k in _COMPARED} == {k: new[k] for k in _COMPARED}
        assert new["resource"] == {**old["resource"], "service.name": "svc"}  # OTLP names the service in the resource
        for key, value in old["attributes"].items():
            assert new["attributes"][key] == value
        assert [(link["trace_id"], link["span_id"]) for link in old["links"]] == [
            (link["trace_id"], link["span_id"]) for link in new["links"]]
    assert (after["total_tokens"], after["session_id"], after["error_count"]) == (13, "S9", 1)
