"""Migrations and trace queries on the real ClickHouse engine (chDB)."""

from __future__ import annotations

import asyncio
import time

import pytest

from actors.writer import SpanWriter
from cluster.migrations import apply_migrations
from cluster.store import DirectStoreClient, StoreUnavailable
from cluster.query.filters import all_time
from cluster.query.traces import get_trace, list_traces

T0 = 1_763_763_000_000_000_000


def spans_of(trace_hex: str, start: int, project: str = "p1", error: bool = False) -> list[dict]:
    root = {
        "project_id": project, "trace_id": trace_hex, "span_id": "a" * 16, "parent_span_id": None,
        "name": "agent.run", "kind": "agent", "service_name": "svc", "start_time": start,
        "end_time": start + 9_000_000, "status": "OK", "status_message": "", "attributes": {"k": "v"},
        "events": [], "input": '{"q": 1}', "output": None,
    }
    child = dict(root, span_id="b" * 16, parent_span_id="a" * 16, name="llm.chat", kind="llm",
                 start_time=start + 1_000_000, end_time=start + 4_000_000,
                 status="ERROR" if error else "OK")
    return [child, root]


def test_migrations_are_idempotent(store):
    client = DirectStoreClient(store)
    assert asyncio.run(apply_migrations(client)) == []  # the session fixture applied them already
    tables = {r["name"] for r in store.query("SELECT name FROM system.tables WHERE database = currentDatabase()")}
    assert {"spans", "projects", "api_keys", "schema_migrations"} <= tables


def test_replayed_batches_never_show_twice_and_lists_are_newest_first(store):
    async def run():
        client = DirectStoreClient(store)
        writer = SpanWriter(client)
        older, newer = "1" * 32, "2" * 32
        await writer.write(spans_of(older, T0))
        await writer.write(spans_of(newer, T0 + 10**9, error=True))
        await writer.write(spans_of(older, T0))  # at-least-once replay
        await writer.write(spans_of("3" * 32, T0, project="p2"))
        page1 = await list_traces(client, all_time("p1"), page=1, page_size=1)
        page2 = await list_traces(client, all_time("p1"), page=2, page_size=1)
        detail = await get_trace(client, "p1", older)
        other = await get_trace(client, "p2", older)
        return page1, page2, detail, other

    page1, page2, detail, other = asyncio.run(run())
    assert page1["total"] == 2 and page1["page_size"] == 1
    assert page1["items"][0]["trace_id"] == "2" * 32 and page1["items"][0]["status"] == "ERROR"
    assert page1["items"][0]["error_count"] == 1
    assert page2["items"][0]["trace_id"] == "1" * 32
    assert page2["items"][0]["name"] == "agent.run" and page2["items"][0]["span_count"] == 2
    assert [s["name"] for s in detail["spans"]] == ["agent.run", "llm.chat"]  # start-time order
    assert detail["spans"][1]["parent_span_id"] == "a" * 16 and detail["spans"][1]["offset_ms"] == 1.0
    assert detail["spans"][0]["input"] == '{"q": 1}' and detail["spans"][0]["output"] is None
    assert other is None  # projects never see each other's traces


def test_a_runaway_query_is_stopped_at_the_read_deadline_and_the_store_answers_again(store):
    async def run():
        client = DirectStoreClient(store, read_timeout_s=0.5)
        t0 = time.monotonic()
        with pytest.raises(StoreUnavailable, match="ran longer than 0.5s"):
            await client.query("SELECT sum(number) AS s FROM numbers(100000000000)")
        return time.monotonic() - t0, await client.query("SELECT 1 AS one")

    stopped_s, rows = asyncio.run(run())
    assert stopped_s < 5 and rows == [{"one": 1}]
