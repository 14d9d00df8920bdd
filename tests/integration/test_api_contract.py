"""schemathesis (`--checks all`, a bounded number of examples) finds no failure in the whole query app:
every path of its OpenAPI document (explore, accounts, projects, users, keys, saved views, insights).

Runs scripts/schemathesis_check.py --serve: the query app alone (uvicorn, chDB, SQLite metadata, a
read key, a few traces, the test Redis) checked through its own /openapi.json. Against a running stack:
`scripts/schemathesis_check.py --url … --key …` (docs/api.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_schemathesis_finds_no_failure_in_the_whole_app():
    done = subprocess.run(
        [sys.executable, "scripts/schemathesis_check.py", "--serve", "--max-examples", "10"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,  # Redis: AGENTSTACK_TEST_REDIS
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    # The summary line: "No issues found in …", or "N warnings in …" (a read key gets only 401/403 from the
    # routes for logged-in users, and 404 for ids it cannot know); never "N failures".
    summary = done.stdout.strip().splitlines()[-1]
    assert "failure" not in summary and ("No issues found" in summary or "warning" in summary), summary


def test_ingest_declares_its_request_bodies_and_answers(tmp_path):
    from cluster.settings import PlatformSettings
    from serve_apps.ingest import create_ingest_app

    post = create_ingest_app(PlatformSettings(data_dir=tmp_path), None, None).openapi()["paths"]["/traces"]["post"]
    assert set(post["requestBody"]["content"]) == {"application/json", "application/x-protobuf", "application/msgpack"}
    assert {"200", "202", "400", "401", "403", "413", "415", "422", "429", "503"} <= set(post["responses"])
    assert "X-API-Key" in {p["name"] for p in post["parameters"]}


def test_a_method_a_path_does_not_take_is_405_listing_every_method(tmp_path):
    from fastapi.testclient import TestClient

    from cluster.settings import PlatformSettings
    from serve_apps.query import create_query_app

    app = TestClient(create_query_app(PlatformSettings(data_dir=tmp_path), None, None, tmp_path / "no-ui"))
    for method, path, allow in (("OPTIONS", "/api/v1/projects", "GET, POST"),
                                ("PUT", "/api/v1/projects/p1", "DELETE, GET, PATCH"),
                                ("GET", "/api/v1/auth/login", "POST"),  # the UI's catch-all takes GET of any path
                                ("PATCH", "/api/v1/security/alerts/bulk-status", "POST"),  # not an alert id
                                ("POST", "/api/v1/traces", "GET")):
        answer = app.request(method, path)
        assert (answer.status_code, answer.headers.get("allow")) == (405, allow), (method, path)
        assert answer.json()["error"]["code"] == "method_not_allowed"
    assert app.post("/api/v1/nowhere").status_code == 404
    undecodable = app.post("/api/v1/auth/login", content=b'{"email": "\xff"}', headers={"Content-Type": "application/json"})
    assert (undecodable.status_code, undecodable.json()["error"]) == (  # not UTF-8: FastAPI's 400, declared as 422
        422, {"code": "invalid_request", "message": "the request body is not valid JSON", "field": "body"})
