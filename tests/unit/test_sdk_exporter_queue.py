"""The exporter's lock-free queue: every span from many threads is delivered once, in order per thread, and
flush accounts exactly for the spans queued before it (sequence numbers are implied by the FIFO count)."""

from __future__ import annotations

import threading
from typing import Any

from agentstack.config import resolve_settings
from agentstack.exporter import BatchExporter
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
