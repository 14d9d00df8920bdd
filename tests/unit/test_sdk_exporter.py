"""BatchExporter against a real HTTP server on 127.0.0.1 that records requests and plays back statuses."""

from __future__ import annotations

import collections
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from agentstack.config import resolve_settings
from agentstack.exporter import BatchExporter
from agentstack.schema import validate_span
from agentstack.span import Span
from agentstack.transport import HttpTransport, SendResult
from tests.unit.http_stub import StubReply, StubRequest, json_reply, serve

API_KEY = "ak_test_0123456789"


@dataclass
class Reply:
    status: int = 202
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    path: str
    headers: dict[str, str]  # names lower-cased: HTTP header names are case-insensitive
    spans: list[dict[str, Any]]
    at: float


class Collector:
    """What the fake collector received, and what it should answer next (default: 202 accepted)."""

    def __init__(self) -> None:
        self.url = ""
        self.requests: list[Request] = []
        self.replies: collections.deque[Reply] = collections.deque()
        self.gate = threading.Event()  # cleared: requests block until it is set
        self.gate.set()
        self._arrived = threading.Condition()

    def reply(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def record(self, request: Request) -> Reply:
        with self._arrived:
            self.requests.append(request)
            self._arrived.notify_all()
        self.gate.wait(5)
        if self.replies:
            return self.replies.popleft()
        return Reply(202, {"status": "accepted", "spans_queued": len(request.spans), "rejected": []})

    def wait_for(self, count: int, timeout: float = 2.0) -> list[Request]:
        with self._arrived:
            assert self._arrived.wait_for(lambda: len(self.requests) >= count, timeout), (
                f"expected {count} requests, got {len(self.requests)}"
            )
            return list(self.requests)

    @property
    def span_names(self) -> list[str]:
        return [span["name"] for request in self.requests for span in request.spans]


@pytest.fixture
def collector() -> Iterator[Collector]:
    state = Collector()

    def handle(request: StubRequest) -> StubReply:
        spans = request.json()["spans"]
        reply = state.record(Request(request.path, request.headers, spans, time.monotonic()))
        return json_reply(reply.status, reply.body or {}, reply.headers)

    with serve(handle) as url:
        state.url = url
        yield state
        state.gate.set()


@pytest.fixture
def make_exporter(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[Any]:
    """Build exporters with fast retries; shut them all down after the test."""
    for name in list(os.environ):
        if name.startswith("AGENTSTACK_"):
            monkeypatch.delenv(name)
    made: list[BatchExporter] = []

    def make(url: str, *, max_retries: int = 3, backoff: float = 0.01, **settings: Any) -> BatchExporter:
        settings.setdefault("export_interval", 60_000)  # only explicit triggers unless a test says otherwise
        settings.setdefault("store_path", str(tmp_path / "spans.db"))
        exporter = BatchExporter(
            resolve_settings(api_key=API_KEY, collector_url=url, timeout=2, **settings),
            max_retries=max_retries,
            backoff_initial=backoff,
            backoff_max=backoff * 4,
        )
        made.append(exporter)
        return exporter

    yield make
    for exporter in made:
        exporter.shutdown(timeout=0.2)


def wire(name: str) -> dict[str, Any]:
    span = Span(name, kind="tool", attributes={"tool.name": name})
    span.end()
    return span.to_wire()


def dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there any more: connection refused


def test_batch_size_wakes_the_worker(collector: Collector, make_exporter: Any) -> None:
    exporter = make_exporter(collector.url, batch_size=5)
    for i in range(4):
        exporter.export(wire(f"s{i}"))
    time.sleep(0.2)
    assert collector.requests == []  # below batch size, interval far away: nothing sent yet
    exporter.export(wire("s4"))
    (request,) = collector.wait_for(1)
    assert [s["name"] for s in request.spans] == ["s0", "s1", "s2", "s3", "s4"]


def test_interval_sends_a_partial_batch(collector: Collector, make_exporter: Any) -> None:
    exporter = make_exporter(collector.url, export_interval=150)
    started = time.monotonic()
    exporter.export(wire("lonely"))
    (request,) = collector.wait_for(1)
    assert request.at - started >= 0.1  # waited for the interval, not sent at once
    assert [s["name"] for s in request.spans] == ["lonely"]


def test_wire_format_gzip_json_and_headers(collector: Collector, make_exporter: Any) -> None:
    exporter = make_exporter(collector.url)
    exporter.export(wire("llm.chat"))
    assert exporter.flush(2) is True
    (request,) = collector.requests
    assert request.path == "/v1/traces"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["content-encoding"] == "gzip"
    assert request.headers["x-api-key"] == API_KEY
    assert request.headers["user-agent"].startswith("agentstack-sdk/")
    (span,) = request.spans
    assert validate_span(span) == span
    assert exporter.stats() == {"queued": 0, "sent": 1, "dropped": 0, "failed": 0, "stored_offline": 0}


def test_503_is_retried_then_succeeds(collector: Collector, make_exporter: Any) -> None:
    collector.reply(Reply(503, {"error": {"code": "unavailable", "message": "bus full"}}), Reply(503))
    exporter = make_exporter(collector.url)
    exporter.export(wire("a"))
    exporter.export(wire("b"))
    assert exporter.flush(2) is True
    assert len(collector.requests) == 3
    assert collector.requests[0].spans == collector.requests[2].spans
    assert exporter.stats() == {"queued": 0, "sent": 2, "dropped": 0, "failed": 0, "stored_offline": 0}


def test_retry_after_is_honoured(collector: Collector, make_exporter: Any) -> None:
    collector.reply(Reply(429, {"error": {"code": "rate_limited", "message": "slow down"}}, {"Retry-After": "1"}))
    exporter = make_exporter(collector.url)
    exporter.export(wire("a"))
    assert exporter.flush(3) is True
    first, second = collector.requests
    assert second.at - first.at >= 0.9  # not the 10 ms backoff


def test_backoff_is_exponential_capped_and_jittered() -> None:
    """Connection refused on every attempt: the waits double from backoff_initial up to backoff_max,
    each drawn from [delay/2, delay] so that clients that failed together do not retry together."""
    settings = resolve_settings(api_key=API_KEY, collector_url=dead_url(), offline=False)
    runs: list[list[float]] = []
    for _ in range(2):
        waits: list[float] = []
        transport = HttpTransport(settings, max_retries=7, backoff_initial=0.5, backoff_max=8.0, wait=waits.append)
        result = transport.send([wire("a")])
        assert result.sent == 0 and result.failed == 1
        runs.append(waits)
    for waits in runs:
        nominal = [min(8.0, 0.5 * 2**attempt) for attempt in range(7)]  # 0.5 1 2 4 8 8 8
        assert len(waits) == 7
        assert all(delay / 2 <= wait <= delay for wait, delay in zip(waits, nominal)), (waits, nominal)
    assert runs[0] != runs[1]  # jitter: two clients do not wait the same


def test_401_is_not_retried_and_counted_as_dropped(
    collector: Collector, make_exporter: Any, caplog: pytest.LogCaptureFixture
) -> None:
    refusal = Reply(401, {"error": {"code": "invalid_api_key", "message": "API key not recognised"}})
    collector.reply(refusal, refusal)
    exporter = make_exporter(collector.url)
    with caplog.at_level(logging.WARNING, logger="agentstack"):
        exporter.export(wire("a"))
        exporter.export(wire("b"))
        assert exporter.flush(2) is False
        exporter.export(wire("c"))
        assert exporter.flush(2) is False
    assert len(collector.requests) == 2  # one per batch, no retries
    assert exporter.stats() == {"queued": 0, "sent": 0, "dropped": 3, "failed": 0, "stored_offline": 0}
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1  # logged once, not per batch
    assert "API key not recognised" in warnings[0] and "401" in warnings[0] and "AGENTSTACK_API_KEY" in warnings[0]


def test_spans_rejected_in_a_202_are_counted(collector: Collector, make_exporter: Any) -> None:
    collector.reply(Reply(202, {"status": "accepted", "spans_queued": 1, "rejected": [{"index": 1, "error": "bad"}]}))
    exporter = make_exporter(collector.url)
    exporter.export(wire("good"))
    exporter.export(wire("bad"))
    assert exporter.flush(2) is False
    assert exporter.stats() == {"queued": 0, "sent": 1, "dropped": 1, "failed": 0, "stored_offline": 0}


def test_413_splits_the_batch(collector: Collector, make_exporter: Any) -> None:
    collector.reply(Reply(413, {"error": {"code": "too_large", "message": "body over 5 MB"}}))
    exporter = make_exporter(collector.url)
    for i in range(4):
        exporter.export(wire(f"s{i}"))
    assert exporter.flush(2) is True
    assert [len(r.spans) for r in collector.requests] == [4, 2, 2]
    assert exporter.stats()["sent"] == 4


def test_full_queue_drops_the_oldest_and_counts(collector: Collector, make_exporter: Any) -> None:
    exporter = make_exporter(collector.url, batch_size=1, max_queue_size=2)
    collector.gate.clear()  # the collector holds the first request: the worker is busy
    exporter.export(wire("s0"))
    collector.wait_for(1)
    for i in range(1, 5):
        exporter.export(wire(f"s{i}"))  # queue holds 2: s1 and s2 are pushed out
    assert exporter.stats() == {"queued": 3, "sent": 0, "dropped": 2, "failed": 0, "stored_offline": 0}
    collector.gate.set()
    assert exporter.flush(2) is True  # everything still queued at the flush was delivered
    assert collector.span_names == ["s0", "s3", "s4"]
    assert exporter.stats() == {"queued": 0, "sent": 3, "dropped": 2, "failed": 0, "stored_offline": 0}


def test_flush_to_a_dead_port_returns_false_without_raising(make_exporter: Any) -> None:
    exporter = make_exporter(dead_url(), max_retries=50, backoff=0.05)
    exporter.export(wire("a"))
    started = time.monotonic()
    assert exporter.flush(timeout=0.3) is False  # timed out while still retrying
    assert time.monotonic() - started < 1.0
    assert exporter.stats()["queued"] == 1


def test_retries_exhausted_count_as_failed(make_exporter: Any, caplog: pytest.LogCaptureFixture) -> None:
    exporter = make_exporter(dead_url(), max_retries=2)
    with caplog.at_level(logging.WARNING, logger="agentstack"):
        exporter.export(wire("a"))
        assert exporter.flush(timeout=2) is False
    assert exporter.stats() == {"queued": 0, "sent": 0, "dropped": 0, "failed": 1, "stored_offline": 1}
    assert "could not reach the collector" in caplog.text


def test_transport_crash_never_reaches_the_caller(collector: Collector, caplog: pytest.LogCaptureFixture) -> None:
    class CrashingTransport(HttpTransport):
        def send(self, spans: list[dict[str, Any]], deadline: float | None = None) -> SendResult:
            raise RuntimeError("boom")

    settings = resolve_settings(api_key=API_KEY, collector_url=collector.url, offline=False)
    exporter = BatchExporter(settings, transport=CrashingTransport(settings))
    with caplog.at_level(logging.ERROR, logger="agentstack"):
        exporter.export(wire("a"))
        assert exporter.flush(2) is False
    assert exporter.stats()["failed"] == 1
    assert "boom" in caplog.text
    exporter.shutdown(1)


def test_shutdown_flushes_then_drops_later_spans(collector: Collector, make_exporter: Any) -> None:
    exporter = make_exporter(collector.url)
    exporter.export(wire("before"))
    assert exporter.shutdown(timeout=2) is True
    exporter.export(wire("after"))
    assert collector.span_names == ["before"]
    assert exporter.stats() == {"queued": 0, "sent": 1, "dropped": 1, "failed": 0, "stored_offline": 0}
    assert exporter.shutdown(timeout=2) is True  # idempotent


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_exports_with_its_own_thread(collector: Collector, make_exporter: Any) -> None:
    exporter = make_exporter(collector.url)
    exporter.export(wire("parent-pending"))  # queued in the parent at fork time
    pid = os.fork()
    if pid == 0:  # child: only its own span, sent by a new worker thread
        try:
            exporter.export(wire("child"))
            os._exit(0 if exporter.flush(2) else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert collector.span_names == ["child"]  # the parent's pending span was not sent twice
    assert exporter.flush(2) is True
    assert collector.span_names == ["child", "parent-pending"]
