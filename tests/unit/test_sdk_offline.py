"""Offline store: spans the collector could not take are kept in SQLite and re-sent once it answers,
by the same process or a later one, without duplicates and without loss.

The collector is a real HTTP server on 127.0.0.1 that can be switched down (503) and up (202).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentstack.config import resolve_settings
from agentstack.exporter import BatchExporter
from agentstack.span import Span
from agentstack.store import SpanStore, target_of
from tests.unit.http_stub import StubReply, StubRequest, json_reply, serve

API_KEY = "ak_offline_test"


class Switchable:
    """A collector that answers 503 while down and records (and accepts) spans while up."""

    def __init__(self) -> None:
        self.up = False
        self.accepted: list[dict[str, Any]] = []
        self.refused_requests = 0
        self.lock = threading.Lock()
        self.url = ""

    def keys(self) -> Counter[tuple[str, str]]:
        with self.lock:
            return Counter((s["trace_id"], s["span_id"]) for s in self.accepted)


@pytest.fixture
def collector() -> Iterator[Switchable]:
    state = Switchable()

    def handle(request: StubRequest) -> StubReply:
        if not state.up:
            with state.lock:
                state.refused_requests += 1
            return json_reply(503, {"error": {"code": "unavailable", "message": "bus down"}})
        spans = request.json()["spans"]
        with state.lock:
            state.accepted.extend(spans)
        return json_reply(202, {"status": "accepted", "spans_queued": len(spans), "rejected": []})

    with serve(handle) as url:
        state.url = url
        yield state


def exporter_for(collector: Switchable, store: Path, **overrides: Any) -> BatchExporter:
    settings = resolve_settings(
        api_key=API_KEY, collector_url=collector.url, store_path=str(store), export_interval=100, timeout=2, **overrides
    )
    return BatchExporter(settings, max_retries=1, backoff_initial=0.01, backoff_max=0.02)


def finished(name: str) -> Span:
    span = Span(name, kind="tool", attributes={"n": name})
    span.end()
    return span


def wait_until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_spans_go_offline_and_the_same_process_resends_them_once(collector: Switchable, tmp_path: Path) -> None:
    exporter = exporter_for(collector, tmp_path / "spans.db")
    sent = [finished(f"s{i}") for i in range(10)]
    for span in sent:
        exporter.export(span)
    assert exporter.flush(5) is False  # not delivered now...
    stats = exporter.stats()
    assert stats["failed"] == 10 and stats["stored_offline"] == 10  # ...but kept, not lost
    collector.up = True
    exporter.export(finished("after-recovery"))  # a live success tells the exporter the collector is back
    wait_until(lambda: exporter.stats()["stored_offline"] == 0)
    wait_until(lambda: len(collector.keys()) == 11)
    keys = collector.keys()
    assert set(keys) >= {(s.trace_id, s.span_id) for s in sent}  # stable ids: the same spans, re-sent
    assert max(keys.values()) == 1  # none twice
    assert exporter.stats()["sent"] == 11
    exporter.shutdown(2)


def test_resend_probes_a_recovered_collector_without_new_spans(collector: Switchable, tmp_path: Path) -> None:
    exporter = exporter_for(collector, tmp_path / "spans.db")
    exporter.export(finished("lonely"))
    assert exporter.flush(5) is False
    collector.up = True  # no new span arrives: the periodic probe must find out on its own
    wait_until(lambda: len(collector.keys()) == 1)
    wait_until(lambda: exporter.stats()["stored_offline"] == 0)
    exporter.shutdown(2)


def test_a_later_process_resends_what_an_earlier_one_stored(collector: Switchable, tmp_path: Path) -> None:
    """Two real processes: the first ends while the collector is down, the second finds it up."""
    store = tmp_path / "spans.db"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AGENTSTACK_")},
        "AGENTSTACK_API_KEY": API_KEY,
        "AGENTSTACK_COLLECTOR_URL": collector.url,
        "AGENTSTACK_STORE_PATH": str(store),
        "AGENTSTACK_EXPORT_INTERVAL": "100",
        "AGENTSTACK_TIMEOUT": "2",
    }
    first = textwrap.dedent(
        """
        import json, agentstack
        from agentstack import tracer
        tracer.get_tracer().exporter._transport.backoff_initial = 0.01  # keep the test quick
        tracer.get_tracer().exporter._transport.backoff_max = 0.02

        @agentstack.observe(kind="tool")
        def step(i: int) -> int:
            return i

        @agentstack.observe(kind="agent")
        def run() -> None:
            for i in range(25):
                step(i)

        run()
        print(json.dumps(agentstack.flush(10)))
        print(json.dumps(agentstack.stats()))
        """
    )
    out = subprocess.run([sys.executable, "-c", first], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    delivered, stats = (json.loads(line) for line in out.stdout.splitlines())
    assert delivered is False and stats["stored_offline"] == 26 and collector.keys() == Counter()
    stored = SpanStore(str(store)).claim(target_of(collector.url, API_KEY), 100)
    SpanStore(str(store)).release(target_of(collector.url, API_KEY), stored, delivered=False)

    collector.up = True
    second = textwrap.dedent(
        """
        import json, time, agentstack
        agentstack.start_span('warm-up').end()  # a live success tells the exporter the collector is back
        deadline = time.monotonic() + 30
        while agentstack.stats()["stored_offline"] and time.monotonic() < deadline:
            time.sleep(0.02)  # the resend runs on the exporter's thread: wait for it, not for a fixed time
        print(json.dumps(agentstack.stats()))
        """
    )
    out = subprocess.run([sys.executable, "-c", second], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["stored_offline"] == 0, out.stdout
    keys = collector.keys()
    assert set(keys) >= {(s["trace_id"], s["span_id"]) for s in stored}  # everything arrived
    assert max(keys.values()) == 1  # exactly once
    assert SpanStore(str(store)).pending() == 0


def test_store_keeps_one_copy_per_span_and_only_resends_to_its_target(tmp_path: Path) -> None:
    store = SpanStore(str(tmp_path / "spans.db"))
    wire = finished("x").to_wire()
    store.put("a", [wire])
    store.put("a", [wire])  # stored twice (e.g. a retried batch): kept once
    store.put("b", [finished("y").to_wire()])
    assert store.pending("a") == 1 and store.pending() == 2
    claimed = store.claim("a", 10)
    assert claimed == [wire]
    assert store.claim("a", 10) == []  # claimed rows are not handed out twice
    store.release("a", claimed, delivered=True)
    assert store.pending("a") == 0 and store.pending("b") == 1


def test_offline_can_be_turned_off(collector: Switchable, tmp_path: Path) -> None:
    exporter = exporter_for(collector, tmp_path / "spans.db", offline=False)
    exporter.export(finished("gone"))
    assert exporter.flush(5) is False
    assert exporter.stats()["failed"] == 1 and exporter.stats()["stored_offline"] == 0
    exporter.shutdown(1)
