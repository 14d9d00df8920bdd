"""Usage, cost and summaries stored on the real ClickHouse engine (chDB)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from actors.cost import CostCalculator
from actors.pricing import PriceBook
from actors.writer import SpanWriter
from cluster.migrations import MIGRATIONS, apply_retention
from cluster.store import DirectStoreClient
from cluster.query.filters import all_time
from cluster.query.traces import list_traces

from .test_store import T0, spans_of

PRICING = Path(__file__).resolve().parents[2] / "configs" / "pricing.yaml"


def llm_spans(trace: str, start: int, project: str = "p1") -> list[dict]:
    spans = spans_of(trace, start, project)
    # What the writer receives: spans normalised at ingest onto the `gen_ai.*` keys (serve_apps.conventions).
    spans[0]["attributes"] = {"gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
                              "gen_ai.usage.input_tokens": 10_000, "gen_ai.usage.cache_read.input_tokens": 4_000,
                              "gen_ai.usage.output_tokens": 500}
    spans[1]["span_id"] = "c" * 16
    spans.append(dict(spans[0], span_id="d" * 16, attributes={"gen_ai.request.model": "mystery-model-x",
                                                              "gen_ai.usage.input_tokens": 7}))
    return spans


GPT4O = (6_000 * 2.5 + 4_000 * 1.25 + 500 * 10) / 1e6


def test_migrations_are_versioned_in_this_range_and_create_the_tables(store):
    versions = [m.version for m in MIGRATIONS]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    tables = {r["name"] for r in store.query("SELECT name FROM system.tables WHERE database = currentDatabase()")}
    assert {"trace_summaries", "trace_summaries_mv", "cost_metrics", "security_alerts"} <= tables


def test_spans_carry_usage_and_cost_and_unpriced_models_are_visible(store):
    async def run():
        client = DirectStoreClient(store)
        writer = SpanWriter(client, PriceBook.from_config(PRICING))
        await writer.write(llm_spans("1" * 32, T0))
        await writer.write(llm_spans("1" * 32, T0))  # replay

    asyncio.run(run())
    rows = store.query("SELECT span_id, model, provider, input_tokens, cache_read_tokens, cost_usd, cost_status "
                       "FROM spans FINAL ORDER BY span_id")
    by_id = {r["span_id"]: r for r in rows}
    assert len(rows) == 3
    assert by_id["b" * 16]["cost_usd"] == pytest.approx(GPT4O) and by_id["b" * 16]["cost_status"] == "priced"
    assert (by_id["b" * 16]["model"], by_id["b" * 16]["provider"], by_id["b" * 16]["cache_read_tokens"]) == ("gpt-4o", "openai", 4000)
    assert by_id["d" * 16]["cost_status"] == "unpriced" and by_id["d" * 16]["cost_usd"] == 0
    assert by_id["c" * 16]["cost_status"] == ""  # the agent span has no LLM usage
    summary = store.query("SELECT uniqExactMerge(span_ids) AS n, "
                          "arraySum(x -> x.3, groupUniqArrayIfMerge(llm_usage)) AS cost FROM trace_summaries")
    assert summary[0]["n"] == 3 and summary[0]["cost"] == pytest.approx(GPT4O)


def test_cost_metrics_sum_per_minute_and_a_replayed_batch_is_not_added_twice(store):
    async def run():
        client = DirectStoreClient(store)
        calc = CostCalculator(client, PriceBook.from_config(PRICING))
        batch = llm_spans("2" * 32, T0) + llm_spans("3" * 32, T0 + 10**9)
        await calc.write(batch)
        await calc.write(batch)  # at-least-once replay of the same batch
        await calc.write(llm_spans("4" * 32, T0 + 120 * 10**9))
        return calc.totals

    totals = asyncio.run(run())
    rows = store.query("SELECT minute, model, sum(spans) AS spans, sum(unpriced_spans) AS unpriced, "
                       "sum(input_tokens) AS inp, sum(cost_usd) AS cost FROM cost_metrics "
                       "GROUP BY minute, model ORDER BY minute, model")
    assert [(r["model"], r["spans"], r["unpriced"]) for r in rows] == [
        ("gpt-4o", 2, 0), ("mystery-model-x", 2, 2), ("gpt-4o", 1, 0), ("mystery-model-x", 1, 1)]
    assert rows[0]["cost"] == pytest.approx(2 * GPT4O) and rows[0]["inp"] == 20_000
    assert totals.unpriced_spans == 5  # the calculator's own counter counts both deliveries


def test_trace_list_reads_summaries_and_matches_the_spans(store):
    async def run():
        client = DirectStoreClient(store)
        writer = SpanWriter(client)
        await writer.write(spans_of("5" * 32, T0)[:1])  # the child arrives first…
        await writer.write(spans_of("5" * 32, T0)[1:])  # …then its root, in another insert
        return await list_traces(client, all_time("p1"), page=1, page_size=10)

    listed = asyncio.run(run())
    item = listed["items"][0]
    assert (item["name"], item["span_count"], item["duration_ms"], listed["total"]) == ("agent.run", 2, 9.0, 1)


def _ddl(store) -> str:
    return store.query("SELECT create_table_query AS q FROM system.tables WHERE name = 'spans' AND database = currentDatabase()")[0]["q"]


def test_retention_ttl_is_set_and_removed_from_config(store):
    client = DirectStoreClient(store)
    try:
        asyncio.run(apply_retention(client, 7))
        assert "TTL toDateTime(start_time) + toIntervalDay(7)" in _ddl(store)
    finally:
        asyncio.run(apply_retention(client, 0))  # the other tests store spans from 2025
    assert " TTL " not in _ddl(store)
