"""ClickHouse migrations on the real engine (chDB): upgrade from empty and from the previous version."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]


def test_upgrade_from_empty_has_no_security_flags_column_and_no_users_table(store):
    columns = {r["name"] for r in store.query(
        "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'spans'")}
    assert {"model", "cost_usd", "span_kind"} <= columns and "security_flags" not in columns
    tables = {r["name"] for r in store.query("SELECT name FROM system.tables WHERE database = currentDatabase()")}
    assert "users" not in tables and {"spans", "security_alerts", "cost_metrics"} <= tables


# chDB takes one data path per process, so the upgrade runs in a child process on its own path.
_UPGRADE = textwrap.dedent(
    """
    import asyncio, json, sys
    import cluster.migrations as m
    from cluster.store import DirectStoreClient, Store

    store = Store("chdb://" + sys.argv[1])
    client = DirectStoreClient(store)
    every = m.MIGRATIONS
    m.MIGRATIONS = tuple(x for x in every if x.version < 21)
    first = asyncio.run(m.apply_migrations(client))
    store.command(
        "INSERT INTO spans (project_id, trace_id, span_id, name, start_time, end_time, security_flags) "
        "VALUES ('p1', 't1', 's1', 'old span', now64(9), now64(9), ['secret'])"
    )
    store.command("INSERT INTO users (user_id, email) VALUES ('u1', 'a@example.com')")
    m.MIGRATIONS = every
    second = asyncio.run(m.apply_migrations(client))
    columns = [r["name"] for r in store.query(
        "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'spans'")]
    tables = [r["name"] for r in store.query("SELECT name FROM system.tables WHERE database = currentDatabase()")]
    spans = store.query("SELECT span_id, name FROM spans")
    third = asyncio.run(m.apply_migrations(client))
    print(json.dumps({"first": first, "second": second, "third": third, "columns": columns, "tables": tables,
                      "spans": spans}))
    """
)


def test_upgrade_from_the_previous_version_drops_them_and_keeps_the_spans(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", _UPGRADE, str(tmp_path / "chdb")], cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert 21 not in result["first"] and result["second"][:1] == [21] and result["third"] == []  # later versions follow 21
    assert "security_flags" not in result["columns"] and "model" in result["columns"]
    assert "users" not in result["tables"]
    assert result["spans"] == [{"span_id": "s1", "name": "old span"}], "the spans stored before the upgrade stay"
