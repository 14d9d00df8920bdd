"""The live feed's pure logic: filters, cursors, trace updates, frames, per-client byte budgets (no sockets, no Redis)."""

from __future__ import annotations

import json

import msgpack
import pytest

from actors.live_feed import item_summaries, span_summaries
from actors.writer import SpanWriter
from actors.pricing import PriceBook
from cluster.streams import LIVE_SUMMARIES, LIVE_WRITTEN_MS
from serve_apps.live_hub import LiveClient, build_frame
from serve_apps.live_messages import (
    SPAN_COLUMNS,
    FilterError,
    LiveFilters,
    batch_frame,
    parse_cursor,
    span_slices,
    trace_updates,
)


def summary(trace: str, span: str, parent: str | None = None, kind: str = "tool", status: str = "OK", project: str = "p1") -> dict:
    return {"project_id": project, "trace_id": trace, "span_id": span, "parent_span_id": parent, "name": f"n{span}",
            "kind": kind, "status": status, "service_name": "svc", "start_time": 1_000_000_000, "end_time": 3_000_000_000}


def test_filters_parse_lists_and_strings_and_name_the_bad_parameter() -> None:
    f = LiveFilters.parse({"kinds": "llm,tool", "statuses": ["error"], "severities": "high", "trace_id": "a" * 32})
    assert f.kinds == {"llm", "tool"} and f.statuses == {"ERROR"} and f.severities == {"HIGH"} and not f.everything
    assert LiveFilters.parse({}).everything
    for params, field in (({"trace_id": "xyz"}, "trace_id"), ({"kinds": "LLM!"}, "kinds"),
                          ({"statuses": "BROKEN"}, "statuses"), ({"severities": ["URGENT"]}, "severities"), ({"kinds": 3}, "kinds")):
        with pytest.raises(FilterError) as caught:
            LiveFilters.parse(params)
        assert caught.value.field == field


def test_cursor_round_trip_and_refusal() -> None:
    assert parse_cursor("17-0,18-2") == ("17-0", "18-2")
    for bad in ("", "17-0", "a-b,1-1", "1-1,;DROP"):
        with pytest.raises(ValueError):
            parse_cursor(bad)


def test_trace_updates_sum_spans_and_name_the_root_once_it_arrives() -> None:
    child = {**summary("t" * 32, "2", parent="1", status="ERROR"), "input_tokens": 10, "output_tokens": 5, "cost_usd": 0.25}
    updates = trace_updates([child])
    assert updates["t" * 32]["new_spans"] == 1 and updates["t" * 32]["new_errors"] == 1 and "root_name" not in updates["t" * 32]
    updates = trace_updates([child, summary("t" * 32, "1")])
    assert updates["t" * 32]["root_name"] == "n1" and updates["t" * 32]["tokens"] == 15 and updates["t" * 32]["cost_usd"] == 0.25


def test_slices_keep_projects_apart_and_filters_apply_per_client() -> None:
    fields = {LIVE_SUMMARIES: msgpack.packb([summary("a" * 32, "1", kind="llm"), summary("a" * 32, "2", parent="1"),
                                             summary("b" * 32, "3", project="p2")]), LIVE_WRITTEN_MS: b"1000"}
    slices = span_slices(fields, {"p1"})
    assert set(slices) == {"p1"}
    everything = [json.loads(m) for m in slices["p1"].messages(LiveFilters())]
    assert [m["type"] for m in everything] == ["span", "span", "trace"]
    assert all("project_id" not in m for m in everything)
    llm_only = [json.loads(m) for m in slices["p1"].messages(LiveFilters(kinds=frozenset({"llm"})))]
    assert [(m["type"], m.get("span_id")) for m in llm_only] == [("span", "1"), ("trace", None)]
    assert slices["p1"].messages(LiveFilters(trace_id="c" * 32)) == []


def test_a_frame_over_the_message_bound_says_how_many_it_dropped() -> None:
    fields = {LIVE_SUMMARIES: msgpack.packb([summary("a" * 32, str(i)) for i in range(8)]), LIVE_WRITTEN_MS: b"1000"}
    entries = [("spans.live", "1-0", span_slices(fields)["p1"])]
    small = build_frame(entries, LiveFilters(), "1-0,0-0", max_messages=5)
    assert small is not None and small.messages == 5 and small.written_ms == 1000
    frame = json.loads(small.text)
    assert frame["cursor"] == "1-0,0-0" and frame["messages"][-1] == {"type": "dropped", "count": 4}
    whole = build_frame(entries, LiveFilters(), "1-0,0-0", max_messages=100)
    assert whole is not None and whole.messages == 9 and len(json.loads(whole.text)["messages"]) == 9
    assert build_frame(entries, LiveFilters(trace_id="b" * 32), "1-0,0-0", max_messages=100) is None


def test_a_client_over_its_byte_budget_drops_until_its_pong_confirms_the_bytes() -> None:
    client = LiveClient("p1", LiveFilters(), budget=1000, mark_bytes=300)
    frame = "x" * 400
    assert client.push(frame, 3, "c") and client.push(frame, 3, "c")
    # each 300 bytes queued carry a ping: the client confirms the data before it by answering it
    assert [f for f in client.outbox if f.startswith('{"type":"ping"')] and len(client.marks) == 2
    assert not client.push(frame, 3, "c") and client.dropped == 3 and client.behind_since is not None
    assert not client.push(frame, 4, "c") and client.dropped == 7
    client.outbox.clear()
    client.pong()  # the first ping answered: what was queued before it is off the books
    assert client.in_flight < 1000 - 400
    assert client.push(frame, 3, "c") and client.behind_since is None and client.dropped == 0
    told = [json.loads(f) for f in client.outbox if f.startswith('{"type":"batch"')]
    assert told[0]["messages"] == [{"type": "dropped", "count": 7}]
    # a pong without a ping waiting (an unsolicited one) changes nothing
    while client.marks:
        client.pong()
    acked = client.acked
    client.pong()
    assert client.acked == acked


def test_batch_frame_is_valid_json_and_summaries_hold_no_payloads() -> None:
    assert json.loads(batch_frame('1-0,"x', ['{"type":"span"}'])) == {"type": "batch", "cursor": '1-0,"x', "messages": [{"type": "span"}]}
    span = {**summary("a" * 32, "1", kind="llm"), "input": "secret", "output": "secret", "attributes": {
        "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100}}
    (out,) = span_summaries([span], PriceBook())
    assert out["model"] == "gpt-4o-mini" and out["input_tokens"] == 1000 and out["cost_usd"] > 0
    assert "input" not in out and "output" not in out and "attributes" not in out


def test_summaries_from_the_writers_encoded_items_equal_those_from_spans() -> None:
    llm = {**summary("a" * 32, "1", kind="llm"), "input": "prompt", "output": "answer", "attributes": {
        "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100}}
    tool = {**summary("a" * 32, "2", parent="1"), "attributes": {"tool.name": "search"}}
    spans = [llm, tool]
    assert item_summaries(SpanWriter.items(spans), PriceBook()) == span_summaries(spans, PriceBook())


def test_summaries_with_the_writers_costs_equal_those_priced_from_spans() -> None:
    # the writer's feed path: the costs the block was written with, not a second pricing of the batch
    llm = {**summary("a" * 32, "1", kind="llm"), "attributes": {
        "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 1234, "gen_ai.usage.output_tokens": 97,
        "gen_ai.usage.cache_read.input_tokens": 200, "gen_ai.usage.reasoning.output_tokens": 11}}
    other = {**summary("a" * 32, "2", parent="1", kind="llm"), "attributes": {
        "gen_ai.provider.name": "anthropic", "gen_ai.request.model": "claude-sonnet-4-20250514",
        "gen_ai.usage.input_tokens": 5000, "gen_ai.usage.output_tokens": 700}}
    unknown = {**summary("b" * 32, "3"), "service_name": "", "status": "", "attributes": {
        "gen_ai.request.model": "mystery-model", "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 1}}
    tool = {**summary("a" * 32, "4", parent="1"), "attributes": {"tool.name": "search"}, "input": "x" * 5000}
    spans = [llm, other, unknown, tool]
    items = SpanWriter.items(spans)
    _, costs = SpanWriter(None, PriceBook()).priced_block(items)  # type: ignore[arg-type]  # no store needed
    assert len(costs) == len(items) and costs[0] > 0 and costs[3] == 0.0
    assert item_summaries(items, PriceBook(), costs) == span_summaries(spans, PriceBook())
    assert item_summaries([], PriceBook(), []) == []


def test_compact_format_carries_each_span_as_a_row_inside_its_trace_message() -> None:
    llm = {**summary("a" * 32, "2", parent="1", kind="llm"), "model": "gpt-4o", "input_tokens": 10, "output_tokens": 2, "cost_usd": 0.5}
    llm["start_time"], llm["end_time"] = 1_500_000_000, 2_000_000_000
    fields = {LIVE_SUMMARIES: msgpack.packb([summary("a" * 32, "1"), llm, summary("b" * 32, "3")]), LIVE_WRITTEN_MS: b"1"}
    piece = span_slices(fields)["p1"]
    compact = [json.loads(m) for m in piece.messages(LiveFilters(), compact=True)]
    assert [(m["type"], m["trace_id"][0], m["new_spans"]) for m in compact] == [("trace", "a", 2), ("trace", "b", 1)]
    rows = [dict(zip(SPAN_COLUMNS, row)) for row in compact[0]["spans"]]
    assert rows[0] == {"span_id": "1", "parent_span_id": None, "name": "n1", "kind": "tool", "status": "OK",
                       "service_name": "svc", "start": 0, "duration": 2_000_000_000}
    assert rows[1]["start"] == 500_000_000 and rows[1]["duration"] == 500_000_000 and rows[1]["model"] == "gpt-4o"
    assert compact[0]["start_time"] + rows[1]["start"] == llm["start_time"]
    # filters apply to the rows; the trace message (what the entry adds to the trace) stays
    only_llm = [json.loads(m) for m in piece.messages(LiveFilters(kinds=frozenset({"llm"})), compact=True)]
    assert [[r[0] for r in m["spans"]] for m in only_llm] == [["2"], []]
    # smaller than the full messages of the same spans
    assert sum(map(len, piece.messages(LiveFilters(), compact=True))) < 0.8 * sum(map(len, piece.messages(LiveFilters())))
