"""The live feed's pure logic: filters, cursors, trace updates, per-client queues (no sockets, no Redis)."""

from __future__ import annotations

import json

import msgpack
import pytest

from actors.live_feed import item_summaries, span_summaries
from actors.writer import SpanWriter
from actors.pricing import PriceBook
from cluster.streams import LIVE_SUMMARIES, LIVE_WRITTEN_MS
from serve_apps.live_hub import LiveClient, LiveMetrics
from serve_apps.live_messages import (
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


def test_a_full_queue_drops_for_that_client_only_and_the_client_is_told() -> None:
    fields = {LIVE_SUMMARIES: msgpack.packb([summary("a" * 32, str(i)) for i in range(8)]), LIVE_WRITTEN_MS: b"1000"}
    piece = span_slices(fields)["p1"]
    small, big = LiveClient("p1", LiveFilters(), max_queue=5), LiveClient("p1", LiveFilters(), max_queue=100)
    small.offer(piece)
    big.offer(piece)
    assert len(small.queue) == 5 and small.dropped == 4 and len(big.queue) == 9
    metrics = LiveMetrics("test")
    frames = small.take_frames("1-0,0-0", metrics)
    frame = json.loads(frames[-1])
    assert frame["cursor"] == "1-0,0-0" and frame["messages"][-1] == {"type": "dropped", "count": 4}
    assert metrics.dropped == 4 and small.dropped == 0 and not small.queue
    assert small.take_frames("1-0,0-0", metrics) == []


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
