"""Loops, runaway traces and anomalies."""

from __future__ import annotations

from actors.security.monitors import AnomalyDetector, TraceMonitor
from actors.security.policy import ProjectRules

T0 = 1_763_763_000_000_000_000


def span(i: int, trace: str = "a" * 32, name: str = "tool.search", inp: str = '{"q": "same"}', **extra) -> dict:
    base = {
        "project_id": "p", "trace_id": trace, "span_id": f"{i:016x}", "name": name, "kind": "tool",
        "start_time": T0 + i * 1_000_000, "end_time": T0 + i * 1_000_000 + 500_000, "input": inp, "attributes": {},
    }
    base.update(extra)
    return base


def test_loop_fires_once_at_the_threshold():
    monitor, rules = TraceMonitor(), ProjectRules(loop_threshold=5)
    fired = [monitor.observe(span(i), rules) for i in range(1, 10)]
    assert [i for i, events in enumerate(fired, start=1) if events] == [5]
    assert fired[4][0].rule == "loop" and fired[4][0].details["count"] == 5


def test_different_inputs_or_traces_are_not_a_loop():
    monitor, rules = TraceMonitor(), ProjectRules(loop_threshold=3)
    events = [monitor.observe(span(i, inp=f'{{"q": {i}}}'), rules) for i in range(1, 6)]
    events += [monitor.observe(span(i, trace=f"{i:032x}"), rules) for i in range(10, 15)]
    assert not any(events)


def test_a_replayed_span_counts_once_and_raises_its_alert_again():
    monitor, rules = TraceMonitor(), ProjectRules(loop_threshold=3)
    for i in range(1, 3):
        monitor.observe(span(i), rules)
    first = monitor.observe(span(3), rules)
    assert first and monitor.observe(span(3), rules) == first  # the retry of an unstored alert
    assert monitor.observe(span(2), rules) == []  # a replayed span adds nothing


def test_runaway_traces_by_span_count_duration_and_cost():
    rules = ProjectRules.model_validate({"runaway": {"max_spans": 4, "max_duration_s": 10, "max_cost_usd": 1.0}})
    monitor = TraceMonitor()
    subjects = []
    for i in range(1, 6):
        subjects += [e.subject for e in monitor.observe(span(i, inp=str(i)), rules)]
    assert subjects == ["spans"]
    late = span(6, inp="x", end_time=T0 + 11 * 10**9, attributes={"gen_ai.usage.cost": 2.5})
    assert sorted(e.subject for e in monitor.observe(late, rules)) == ["cost_usd", "duration_s"]


def test_anomaly_after_warmup_only():
    detector, rules = AnomalyDetector(), ProjectRules(anomaly_warmup=20)
    outlier = span(0, end_time=T0 + 5 * 10**9)  # 5 s instead of ~100 ms
    assert detector.observe(outlier, rules) == []  # no history yet
    detector = AnomalyDetector()
    for i in range(1, 40):
        ms = 100 + (i % 7)
        assert detector.observe(span(i, start_time=T0, end_time=T0 + ms * 10**6), rules) == []
    events = detector.observe(outlier, rules)
    assert [e.subject for e in events] == ["duration_ms"] and events[0].details["sigmas"] > 3


def test_anomaly_on_tokens():
    detector, rules = AnomalyDetector(), ProjectRules(anomaly_warmup=10)
    for i in range(30):
        detector.observe(span(i, attributes={"gen_ai.usage.input_tokens": 500 + i, "gen_ai.usage.output_tokens": 100}), rules)
    events = detector.observe(span(99, attributes={"gen_ai.usage.input_tokens": 90_000}), rules)
    assert "tokens" in [e.subject for e in events]
