"""Data survives a restart of the whole platform (Valkey AOF + chDB files under the data folder)."""

from __future__ import annotations

from .conftest import restart_serve


def test_traces_survive_a_restart_and_ingest_resumes(stack):
    status, before = stack.get("/api/v1/traces?page_size=500")
    assert status == 200 and before["total"] >= 1
    # the ingest key came from AGENTSTACK_BOOTSTRAP_API_KEY and is left for local tools all the same
    assert (stack.data_dir / "local-api-key").read_text().strip() == stack.api_key

    restart_serve(stack)

    status, after = stack.get("/api/v1/traces?page_size=500")
    assert status == 200
    assert after["total"] == before["total"]  # same keys still valid: no second default project either
    status, me = stack.request("GET", "/api/v1/auth/me", headers={"Authorization": f"Bearer {stack.admin_token}"})
    # the session survived the restart, and there is still one default project (other tests add their own)
    assert status == 200 and [p["name"] for p in me["projects"]].count("default") == 1
    assert {t["trace_id"] for t in after["items"]} == {t["trace_id"] for t in before["items"]}
    run = stack.run_agent("import agentstack\n@agentstack.observe(name='after-restart')\ndef f(): return 1\nf()\nassert agentstack.flush(10)")
    assert run.returncode == 0, run.stderr
    stack.wait_for(lambda: any(t["name"] == "after-restart" for t in stack.get("/api/v1/traces?page_size=500")[1]["items"]))
