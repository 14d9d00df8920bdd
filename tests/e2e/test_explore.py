"""The explore API on the real stack (Ray, Serve, Valkey, chDB): a real instrumentation's spans in,
filters, facets, sessions, span detail, chat messages out, and the OTLP export imported again."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from urllib.parse import quote
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _send_json(stack, body: dict) -> int:
    request = urllib.request.Request(f"{stack.base_url}/v1/traces", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "X-API-Key": stack.api_key})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_explore_api_on_the_real_stack(stack):
    session = f"e2e-{uuid.uuid4().hex[:8]}"
    now = time.time_ns()
    trace_id = uuid.uuid4().hex
    spans = [
        {"trace_id": trace_id, "span_id": "1" * 16, "name": "explore-agent", "kind": "agent", "service_name": "explore",
         "start_time": now, "end_time": now + 50_000_000, "input": "réserver un vol pour Paris",
         "attributes": {"session.id": session, "user.id": "e2e-user", "tag.tags": ["e2e"]}},
        {"trace_id": trace_id, "span_id": "2" * 16, "parent_span_id": "1" * 16, "name": "chat", "start_time": now + 1,
         "end_time": now + 40_000_000, "status": "ERROR", "attributes": {
             "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 10,
             "gen_ai.usage.output_tokens": 5,
             "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": "vol Paris?"}]}]),
             "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": "Voilà."}]}])}},
    ]
    assert _send_json(stack, {"spans": spans}) == 202
    rows = stack.wait_for(lambda: (r := stack.get(f"/api/v1/traces?session_id={session}"))[0] == 200
                          and r[1]["items"] and r[1]["items"][0]["span_count"] == 2 and r[1]["items"])
    assert rows[0]["trace_id"] == trace_id and rows[0]["models"] == ["gpt-4o"] and rows[0]["total_tokens"] == 15
    for query in ("status=ERROR", "model=gpt-4o", "kind=llm", "tags=e2e", "user_id=e2e-user", "q=" + quote("réserver"),
                  "service=explore", "attr.session.id=" + session):
        status, body = stack.get(f"/api/v1/traces?{query}&page_size=500")
        assert status == 200 and trace_id in {r["trace_id"] for r in body["items"]}, (query, body)
    assert stack.get("/api/v1/traces?status=BAD")[1]["error"]["field"] == "status"
    status, facets = stack.get(f"/api/v1/traces/facets?session_id={session}")
    assert status == 200 and facets["total"] == 1 and facets["status"] == [{"value": "ERROR", "count": 1}]
    status, detail = stack.get(f"/api/v1/traces/{trace_id}")
    llm = next(s for s in detail["spans"] if s["name"] == "chat")
    assert llm["input_messages"][0]["parts"][0]["content"] == "vol Paris?" and llm["output_messages"][0]["role"] == "assistant"
    assert stack.get(f"/api/v1/spans/{'2' * 16}")[1]["usage"]["input_tokens"] == 10
    status, found = stack.get(f"/api/v1/sessions/{session}")
    assert status == 200 and [t["trace_id"] for t in found["traces"]] == [trace_id]
    # another project's read key sees none of it
    status, other = stack.as_admin("POST", "/api/v1/projects", {"name": f"other-{session}"})
    assert status == 201, other
    status, key = stack.as_admin("POST", f"/api/v1/projects/{other['project']['id']}/keys", {"name": "r", "scope": "read"})
    assert stack.get(f"/api/v1/traces/{trace_id}", key=key["key"])[0] == 404
    assert stack.get(f"/api/v1/sessions/{session}", key=key["key"])[0] == 404
    # the export goes back in through /v1/traces, into the other project (its ingest key)
    status, exported = stack.get(f"/api/v1/traces/{trace_id}/export?format=otlp-json")
    assert status == 200
    request = urllib.request.Request(f"{stack.base_url}/v1/traces", data=json.dumps(exported).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "X-API-Key": other["api_key"]["key"]})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    copy = stack.wait_for(lambda: (r := stack.get(f"/api/v1/traces/{trace_id}", key=key["key"]))[0] == 200
                          and r[1]["span_count"] == 2 and r[1])
    assert [s["name"] for s in copy["spans"]] == [s["name"] for s in detail["spans"]]
    assert copy["session_id"] == session and copy["total_tokens"] == 15


def test_schemathesis_against_the_running_stack(stack):
    done = subprocess.run(
        [sys.executable, "scripts/schemathesis_check.py", "--url", stack.base_url, "--key", stack.read_key,
         "--max-examples", "10"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
