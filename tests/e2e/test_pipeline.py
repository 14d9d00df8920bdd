"""The whole data path on its real parts: SDK → Serve ingest → Valkey streams → writer actors → chDB → query API."""

from __future__ import annotations

import gzip
import json
import time
import urllib.error
import urllib.request

import pytest

AGENT = r'''
import asyncio, sys
import agentstack
from agentstack import observe

@observe(kind="tool")
def search(query):
    return [f"result for {query}"]

@observe(kind="llm", name="llm.chat")
async def think(prompt):
    await asyncio.sleep(0.01)
    return prompt.upper()

@observe(kind="agent", name=sys.argv[1])
async def agent(question):
    hits = search(question)
    answers = await asyncio.gather(think(hits[0]), think("second"))
    return answers

@observe(kind="agent", name=sys.argv[1] + "-fails")
def failing():
    search("x")
    raise RuntimeError("tool exploded")

asyncio.run(agent("what is ray?"))
try:
    failing()
except RuntimeError:
    pass
ok = agentstack.flush(10)
print("FLUSHED", ok)
sys.exit(0 if ok else 3)
'''


def _trace_named(stack, name):
    status, body = stack.get("/api/v1/traces?page_size=200")
    assert status == 200, body
    return next((t for t in body["items"] if t["name"] == name), None)


def test_sdk_traces_are_stored_and_queryable(stack):
    run = stack.run_agent(AGENT, "e2e-agent")
    assert run.returncode == 0, run.stdout + run.stderr
    summary = stack.wait_for(lambda: _trace_named(stack, "e2e-agent"))
    assert summary["span_count"] == 4 and summary["status"] == "OK"

    status, trace = stack.get(f"/api/v1/traces/{summary['trace_id']}")
    assert status == 200
    spans = {s["span_id"]: s for s in trace["spans"]}
    root = next(s for s in trace["spans"] if s["parent_span_id"] is None)
    children = [s for s in trace["spans"] if s["parent_span_id"] == root["span_id"]]
    assert root["name"] == "e2e-agent" and root["kind"] == "agent"
    assert sorted(s["name"] for s in children) == ["llm.chat", "llm.chat", "search"]  # gather: siblings
    assert all(s["parent_span_id"] in spans for s in trace["spans"] if s is not root)
    assert [s["start_time"] for s in trace["spans"]] == sorted(s["start_time"] for s in trace["spans"])

    failed = stack.wait_for(lambda: _trace_named(stack, "e2e-agent-fails"))
    assert failed["status"] == "ERROR" and failed["error_count"] >= 1
    _, detail = stack.get(f"/api/v1/traces/{failed['trace_id']}")
    root = next(s for s in detail["spans"] if s["parent_span_id"] is None)
    assert root["status"] == "ERROR"
    assert any(e["name"] == "exception" and e["attributes"].get("exception.type") == "RuntimeError" for e in root["events"])


def _post(stack, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(f"{stack.base_url}/v1/traces", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_bad_input_gets_clear_answers_and_loses_nothing(stack):
    key = {"X-API-Key": stack.api_key, "Content-Type": "application/json"}
    assert _post(stack, b"{}", {"Content-Type": "application/json"})[0] == 401
    status, body = _post(stack, b"{}", {**key, "X-API-Key": "ak_not_a_real_key_000000000"})
    assert status == 401 and body["error"]["code"] == "invalid_api_key"
    assert _post(stack, b"{oops", key)[0] == 400
    assert _post(stack, b'{"nope": 1}', key)[0] == 422
    assert _post(stack, b"\x1f\x8b garbage", {**key, "Content-Encoding": "gzip"})[0] == 400

    now = time.time_ns()
    trace = f"{now:032x}"[-32:]
    good = {"trace_id": trace, "span_id": "ab" * 8, "name": "survivor", "kind": "tool", "start_time": now, "end_time": now + 1000}
    status, body = _post(stack, gzip.compress(json.dumps([good, {"name": "broken"}]).encode()), {**key, "Content-Encoding": "gzip"})
    assert status == 202 and body["spans_queued"] == 1 and body["rejected"][0]["index"] == 1
    summary = stack.wait_for(lambda: _trace_named(stack, "survivor"))
    assert summary["trace_id"] == trace

    code, health = stack.get("/health")
    assert code == 200 and health["redis"] == "ok" and health["clickhouse"] == "ok"  # nothing crashed


def test_query_api_is_per_project_and_paginated(stack):
    status, page = stack.get("/api/v1/traces?page=1&page_size=1")
    assert status == 200 and set(page) == {"items", "total", "page", "page_size", "next_cursor"}
    assert len(page["items"]) == 1 and page["total"] >= 2
    status, page2 = stack.get("/api/v1/traces?page=2&page_size=1")
    assert page2["items"][0]["trace_id"] != page["items"][0]["trace_id"]
    assert page["items"][0]["start_time"] >= page2["items"][0]["start_time"]  # newest first
    assert stack.get("/api/v1/traces", key="ak_someone_elses_key_0000000")[0] == 401
    assert stack.get("/api/v1/traces", key=stack.api_key)[0] == 403  # the ingest key agents carry cannot read
    assert stack.get(f"/api/v1/traces?project_id={'0' * 32}")[0] == 404  # not the read key's project
    token = {"Authorization": f"Bearer {stack.admin_token}"}
    status, by_user = stack.request("GET", f"/api/v1/traces?project_id={stack.project_id}&page=1&page_size=1", headers=token)
    assert status == 200 and by_user["items"] == page["items"]


def test_platform_status_shows_the_writer_pool(stack):
    assert stack.request("GET", "/_platform/status")[0] == 401  # instance admins only
    code, status = stack.get("/_platform/status")
    assert code == 200, status
    assert status["redis"].startswith("embedded Valkey") and status["clickhouse"].startswith("embedded chDB")
    writers = status["pools"]["writer"]["actors"]
    assert writers and all(w["running"] for w in writers)
    assert sum(w["spans"] for w in writers) > 0
    assert "writer_pool" not in status and "security_pool" not in status  # one home: status["pools"]


def test_platform_runs_the_cost_pool_and_counts_unpriced_models(stack):
    """LLM spans posted over HTTP are priced by the cost pool that the platform's supervisor started."""
    now = time.time_ns()
    trace = "c0" * 16
    spans = [
        {"trace_id": trace, "span_id": f"{i + 1:016x}", "name": "llm.chat", "kind": "llm", "start_time": now,
         "end_time": now + 10**6, "attributes": attrs}
        for i, attrs in enumerate([
            {"gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 1000,
             "gen_ai.usage.output_tokens": 100},
            {"llm.model": "model-nobody-prices", "llm.tokens.in": 5, "llm.tokens.out": 5},
        ])
    ]
    request = urllib.request.Request(
        stack.base_url + "/v1/traces", data=json.dumps({"spans": spans}).encode(), method="POST",
        headers={"X-API-Key": stack.api_key, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202

    def cost_sink() -> dict | None:
        status, body = stack.get("/_platform/status")
        sinks = [a.get("sink", {}) for a in body.get("pools", {}).get("cost", {}).get("actors", [])]
        total = {k: sum(s.get(k, 0) for s in sinks) for k in ("llm_spans", "unpriced_spans", "cost_usd")}
        return total if total["unpriced_spans"] >= 1 and total["cost_usd"] > 0 else None

    totals = stack.wait_for(cost_sink, timeout=60)
    assert totals["cost_usd"] >= (1000 * 2.5 + 100 * 10) / 1e6
    detail = stack.wait_for(lambda: (r := stack.get(f"/api/v1/traces/{trace}"))[0] == 200 and r[1], timeout=60)
    assert detail["span_count"] == 2
    usage = {s["span_id"]: s["usage"] for s in detail["spans"]}
    assert usage["0000000000000001"]["model"] == "gpt-4o" and usage["0000000000000001"]["cost_status"] == "priced"
    assert usage["0000000000000001"]["cost_usd"] == pytest.approx((1000 * 2.5 + 100 * 10) / 1e6)
    assert usage["0000000000000002"]["cost_status"] == "unpriced"  # counted as unpriced, never a silent $0
