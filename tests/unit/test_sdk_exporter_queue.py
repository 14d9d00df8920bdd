"""The exporter's lock-free queue: every span from many threads is delivered once, in order per thread, and
flush accounts exactly for the spans queued before it (sequence numbers are implied by the FIFO count)."""

from __future__ import annotations

import collections
import threading
from typing import Any

import agentstack
from agentstack import tracer as tracer_module
from agentstack.config import resolve_settings
from agentstack.exporter import BatchExporter
from agentstack.schema import validate_span
from agentstack.span import Span
from agentstack.transport import SendResult


class Recording:
    """A transport that keeps every batch (and can hold the export thread on a gate)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.batches: list[int] = []
        self.gate = threading.Event()
        self.gate.set()

    def send(self, spans: list[dict[str, Any]], deadline: float | None = None, *, retries: int | None = None) -> SendResult:
        self.gate.wait(10)
        self.names.extend(span["name"] for span in spans)
        self.batches.append(len(spans))
        return SendResult(sent=len(spans))


def exporter(transport: Recording, **settings: Any) -> BatchExporter:
    settings.setdefault("export_interval", 60_000)
    return BatchExporter(resolve_settings(api_key="ak_test", collector_url="http://127.0.0.1:9", offline=False,
                                          **settings), transport=transport)


def ended(name: str) -> Span:
    span = Span(name)
    span.end()
    return span


def test_many_threads_deliver_every_span_once_in_order_per_thread() -> None:
    sink = Recording()
    export = exporter(sink, batch_size=64, max_queue_size=100_000)
    threads = [threading.Thread(target=lambda t=t: [export.export(ended(f"t{t}-{i:05d}")) for i in range(3000)])
               for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert export.flush(10) is True
    assert len(sink.names) == 18_000 and len(set(sink.names)) == 18_000
    for t in range(6):
        mine = [name for name in sink.names if name.startswith(f"t{t}-")]
        assert mine == sorted(mine)  # first in, first out
    assert max(sink.batches) <= 64
    assert export.stats() == {"queued": 0, "sent": 18_000, "dropped": 0, "failed": 0, "stored_offline": 0}
    export.shutdown(1)


def test_flush_waits_for_what_was_queued_before_it_while_producers_go_on() -> None:
    sink = Recording()
    export = exporter(sink, batch_size=10, max_queue_size=100_000)
    sink.gate.clear()  # the export thread is held inside the first send
    for i in range(25):
        export.export(ended(f"before-{i}"))
    done: list[bool] = []
    flusher = threading.Thread(target=lambda: done.append(export.flush(10)))
    flusher.start()
    flusher.join(0.3)
    assert flusher.is_alive()  # nothing delivered yet: flush waits
    for i in range(5):
        export.export(ended(f"after-{i}"))  # queued after the flush began: not waited for
    sink.gate.set()
    flusher.join(10)
    assert done == [True]
    assert sink.names[:25] == [f"before-{i}" for i in range(25)]
    export.shutdown(2)
    assert sink.names[25:] == [f"after-{i}" for i in range(5)]


def test_overflow_drops_the_oldest_and_a_flush_waiting_for_them_sees_the_drop() -> None:
    sink = Recording()
    export = exporter(sink, batch_size=1, max_queue_size=3)
    sink.gate.clear()
    export.export(ended("first"))  # taken by the export thread, held in send
    while not export.stats()["queued"] or export._queue:  # wait until it is in flight
        threading.Event().wait(0.01)
    for i in range(3):
        export.export(ended(f"q{i}"))
    result: list[bool] = []
    flusher = threading.Thread(target=lambda: result.append(export.flush(10)))
    flusher.start()
    flusher.join(0.2)
    export.export(ended("q3"))  # the queue is full: q0 is dropped, and the flush waited for it
    sink.gate.set()
    flusher.join(10)
    assert result == [False]  # one span it waited for was dropped
    export.shutdown(2)
    assert sink.names == ["first", "q1", "q2", "q3"]
    assert export.stats()["dropped"] == 1 and export.stats()["sent"] == 4


class RacingQueue(collections.deque[Any]):
    """Holds each producer thread at its first look at the queue's length until every producer has looked: all of
    them pass the room test together, the interleaving a thread switch between the test and the append can give."""

    def __init__(self, producers: set[int], items: list[Any]) -> None:
        super().__init__(items)
        self.producers = producers
        self.barrier = threading.Barrier(len(producers))

    def __len__(self) -> int:
        length = super().__len__()
        ident = threading.get_ident()
        if ident in self.producers:
            self.producers.discard(ident)
            self.barrier.wait(10)
        return length


def test_producers_racing_past_the_room_test_leave_the_queue_within_its_limit() -> None:
    sink = Recording()
    export = exporter(sink, batch_size=1, max_queue_size=4)
    sink.gate.clear()
    export.export(ended("first"))  # taken by the export thread, held in send
    while not export.stats()["queued"] or export._queue:
        threading.Event().wait(0.01)
    start = threading.Event()
    threads = [threading.Thread(target=lambda i=i: (start.wait(10), export.export(ended(f"racer{i}")))) for i in range(3)]
    for thread in threads:
        thread.start()
    export._queue = RacingQueue({thread.ident for thread in threads if thread.ident is not None},
                                [ended(f"q{i}") for i in range(3)])  # one slot left, three producers  # fmt: skip
    start.set()
    for thread in threads:
        thread.join(10)
    assert len(export._queue) == 4  # the limit, not 4 + 2: the two oldest were dropped
    assert export.stats()["queued"] == 5 and export.stats()["dropped"] == 2  # + the one in flight
    sink.gate.set()
    assert export.flush(10) is True  # the drops came before it: all it waits for is delivered
    export.shutdown(2)
    assert sink.names[0] == "first" and sorted(sink.names[1:]) == ["q2", "racer0", "racer1", "racer2"]
    assert export.stats()["sent"] == 5 and export.stats()["dropped"] == 2


class Keeping:
    """A transport that keeps every wire dict it is sent."""

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []

    def send(self, spans: list[dict[str, Any]], deadline: float | None = None, *, retries: int | None = None) -> SendResult:
        self.spans.extend(spans)
        return SendResult(sent=len(spans))


def test_observed_spans_reach_a_batch_exporter_as_the_wire_dicts_their_spans_give() -> None:
    """``@observe`` with capture off queues a plain span as a SpanRecord: what the transport gets must be what the
    Span itself would have given, and a span the function wrote to (or ended itself) still goes as a Span."""
    sink = Keeping()
    spans: dict[str, Span] = {}
    agentstack.configure(exporter=exporter(sink, batch_size=64, max_queue_size=1000), service_name="svc")  # type: ignore[arg-type]
    try:
        @agentstack.observe(capture_input=False, capture_output=False, kind="tool", name="leaf")
        def leaf(x: int) -> int:
            spans[f"leaf{x}"] = agentstack.get_current_span()  # type: ignore[assignment]
            return x

        @agentstack.observe(capture_input=False, capture_output=False, name="writes")
        def writes() -> None:
            span = agentstack.get_current_span()
            assert span is not None
            spans["writes"] = span
            span.set_attribute("k", 1)

        @agentstack.observe(capture_input=False, capture_output=False, name="ends_itself")
        def ends_itself() -> None:
            span = agentstack.get_current_span()
            assert span is not None
            spans["ends_itself"] = span
            span.set_status("ERROR", "gave up")
            span.end()

        with agentstack.start_span("root", kind="agent") as root:
            spans["root"] = root
            leaf(1)
            writes()
            ends_itself()
        leaf(2)  # a trace of its own
        assert agentstack.flush(10) is True
    finally:
        agentstack.shutdown(2)
        tracer_module.set_tracer(None)
    leaves = iter(("leaf1", "leaf2"))  # in the order they ended
    got = {next(leaves) if wire["name"] == "leaf" else wire["name"]: wire for wire in sink.spans}
    assert sorted(got) == ["ends_itself", "leaf1", "leaf2", "root", "writes"]
    for name, span in spans.items():
        assert list(got[name].items()) == list(span.to_wire().items()), name  # same keys, values and key order
        assert validate_span(got[name]) == got[name]
    assert got["leaf1"]["parent_span_id"] == spans["root"].span_id and got["leaf1"]["status"] == "OK"
    assert got["leaf1"]["trace_id"] == spans["root"].trace_id != got["leaf2"]["trace_id"]
    assert got["leaf2"]["parent_span_id"] is None and got["leaf2"]["kind"] == "tool"
    assert got["writes"]["attributes"] == {"k": 1} and got["ends_itself"]["status_message"] == "gave up"
