"""Per-span overhead of ``@observe`` versus the OpenTelemetry SDK, measured in the same run.

Each row times a trivial function called in a tight loop, in blocks of ``--block`` calls, with its
exporter running (spans really go to a background thread and on to a sink that accepts them), and
reports the per-call overhead over the bare function at the block-median (p50) and p99 (wall clock),
plus the *amortised* cost in CPU time: the CPU time of the whole process (the calling thread AND the
export thread, which is where our spans become wire dicts, JSON and gzip, and where OTel's
BatchSpanProcessor hands spans to its exporter) over all calls plus the final flush, divided by the
calls, minus a bare call's CPU time. CPU time is what a shared machine cannot inflate by making a
thread wait; the calling thread's own CPU time is shown next to it. The queues are sized so nothing
is dropped, and the table says how many spans each sink received. Rows:

- ``agentstack @observe``: capture off (the tracing cost alone);
- ``agentstack @observe + capture``: small arguments and result captured (serialised on the export thread);
- ``agentstack @observe + capture (dict arg)``: a small dict argument;
- ``caller side only``: the same with spans discarded instead of exported (what the call pays);
- ``OpenTelemetry start_as_current_span``: the OTel SDK's decorator with a ``BatchSpanProcessor``
  (these rows end in in-memory sinks that accept every batch: no serialisation, no network);
- ``→ ... over HTTP to a sink process``: the whole real export path of each SDK (ours: wire dicts,
  JSON, gzip, POST; OTel's: OTLP protobuf, POST) to a local HTTP server in another process, so the
  amortised column shows what exporting really costs the host process. These two rows are compared
  with each other; the rest with OTel's in-memory row.

Rows are interleaved over ``--rounds`` rounds, so a change of load on a shared machine hits all of
them alike.

Also prints ``import agentstack`` time (fresh interpreter) and peak memory while a burst far larger
than the queue is produced against a stalled sink. Timings vary on a shared machine; they are
reported, never asserted.

Run: ``.venv/bin/python bench/sdk_overhead.py [--spans 200000] [--rounds 5]`` (CPU figures: min and median over the
rounds; the ratio to OTel is taken per round, against OTel in the same round, and its median shown).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any

import agentstack
from agentstack.config import resolve_settings
from agentstack.exporter import BatchExporter
from agentstack.transport import SendResult


class NullTransport:
    """Accepts every batch at once (the collector's cost is not the SDK's)."""

    def __init__(self, stall: threading.Event | None = None) -> None:
        self.stall = stall
        self.spans = 0

    def send(self, spans: list[dict[str, Any]], deadline: float | None = None, *, retries: int | None = None) -> SendResult:
        if self.stall is not None:
            self.stall.wait(30)
        self.spans += len(spans)
        return SendResult(sent=len(spans))


def per_call_ns(func: Callable[[], Any], calls: int, block: int) -> list[float]:
    """Per-call time of ``func`` for each block of ``block`` calls."""
    samples: list[float] = []
    for _ in range(max(1, calls // block)):
        start = time.perf_counter_ns()
        for _ in range(block):
            func()
        samples.append((time.perf_counter_ns() - start) / block)
    return samples


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# block samples (wall ns per call), amortised wall ns per call, spans received, process CPU ns per call (calls plus
# the flush: every thread of this process), calling thread's CPU ns per call
Row = tuple[list[float], float, int, float, float]


def timed(func: Callable[[], Any], calls: int, block: int, flush: Callable[[], Any], received: Callable[[], int]) -> Row:
    before = received()
    gc.collect()  # each row starts from the same heap: no collection of an earlier row's garbage is charged here
    started, cpu, thread = time.perf_counter_ns(), time.process_time_ns(), time.thread_time_ns()
    samples = per_call_ns(func, calls, block)
    thread = time.thread_time_ns() - thread
    flush()
    total, cpu = time.perf_counter_ns() - started, time.process_time_ns() - cpu
    n = len(samples) * block
    return samples, total / n, received() - before, cpu / n, thread / n


class Discard:
    """An exporter with no export thread at all: what the observed call itself pays."""

    spans = 0

    def export(self, span: Any) -> None:
        Discard.spans += 1

    def flush(self, timeout: float | None = None) -> bool:
        return True

    def shutdown(self, timeout: float | None = None) -> bool:
        return True

    def stats(self) -> dict[str, int]:
        return {}


# A row: set-up returns (the call to time, flush, spans received so far, tear-down).
Setup = Callable[[int], tuple[Callable[[], Any], Callable[[], Any], Callable[[], int], Callable[[], Any]]]


def agentstack_setup(kind: str, exported: bool) -> Setup:
    """A row for ``@observe``: ``kind`` is ``bare``, ``scalars`` or ``dict``; ``exported``: real export thread."""

    def setup(calls: int) -> tuple[Callable[[], Any], Callable[[], Any], Callable[[], int], Callable[[], Any]]:
        if exported:
            settings = resolve_settings(api_key="ak_bench", collector_url="http://127.0.0.1:9", batch_size=512,
                                        max_queue_size=calls + 1, export_interval=1000, offline=False)  # fmt: skip
            sink = NullTransport()
            agentstack.configure(exporter=BatchExporter(settings, transport=sink), service_name="bench")
            received: Callable[[], int] = lambda: sink.spans  # noqa: E731
            flush: Callable[[], Any] = lambda: agentstack.flush(60)  # noqa: E731
        else:
            agentstack.configure(exporter=Discard(), service_name="bench")
            received, flush = (lambda: Discard.spans), (lambda: None)

        @agentstack.observe(capture_input=False, capture_output=False)
        def bare_observed(x: int) -> int:
            return x

        @agentstack.observe(kind="tool")
        def captured(query: str, k: int) -> str:
            return query

        @agentstack.observe(kind="tool")
        def captured_dict(params: dict[str, Any]) -> int:
            return 3

        params = {"query": "weather in Paris", "k": 5, "lang": "en"}
        call = {
            "bare": lambda: bare_observed(1),
            "scalars": lambda: captured("weather in Paris", 5),
            "dict": lambda: captured_dict(params),
        }[kind]
        return call, flush, received, agentstack.shutdown

    return setup


def otel_setup(calls: int) -> tuple[Callable[[], Any], Callable[[], Any], Callable[[], int], Callable[[], Any]]:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

    class NullExporter(SpanExporter):
        spans = 0

        def export(self, spans: Any) -> SpanExportResult:
            NullExporter.spans += len(spans)
            return SpanExportResult.SUCCESS

        def shutdown(self) -> None:
            pass

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(NullExporter(), max_queue_size=calls + 1, max_export_batch_size=512))
    tracer = provider.get_tracer("bench")

    @tracer.start_as_current_span("bare")
    def otel_observed(x: int) -> int:
        return x

    return (lambda: otel_observed(1)), (lambda: provider.force_flush(60_000)), (lambda: NullExporter.spans), provider.shutdown


# A collector stand-in in its own process (so it does not share our GIL): reads each request, answers 200.
_SINK = """
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
print(server.server_address[1], flush=True)
server.serve_forever()
"""
_sink_url: list[str] = []


def sink_url() -> str:
    """The URL of the sink process, started on first use (stopped at exit)."""
    if not _sink_url:
        import atexit

        process = subprocess.Popen([sys.executable, "-c", _SINK], stdout=subprocess.PIPE, text=True)
        atexit.register(process.kill)
        assert process.stdout is not None
        _sink_url.append(f"http://127.0.0.1:{process.stdout.readline().strip()}")
    return _sink_url[0]


def agentstack_http_setup(calls: int) -> tuple[Callable[[], Any], Callable[[], Any], Callable[[], int], Callable[[], Any]]:
    """``@observe`` with the real exporter: wire dicts, JSON, gzip and HTTP POSTs to the sink process."""
    agentstack.configure(api_key="ak_bench", collector_url=sink_url(), batch_size=512, max_queue_size=calls + 1,
                         export_interval=1000, offline=False, service_name="bench")  # fmt: skip

    @agentstack.observe(capture_input=False, capture_output=False)
    def bare_observed(x: int) -> int:
        return x

    return (lambda: bare_observed(1)), (lambda: agentstack.flush(60)), (lambda: agentstack.stats()["sent"]), agentstack.shutdown


def otel_http_setup(calls: int) -> tuple[Callable[[], Any], Callable[[], Any], Callable[[], int], Callable[[], Any]]:
    """The OTel SDK with its OTLP/HTTP (protobuf) exporter posting to the same sink process."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult

    class Counting(OTLPSpanExporter):
        spans = 0

        def export(self, spans: Any) -> SpanExportResult:
            result = super().export(spans)
            if result is SpanExportResult.SUCCESS:
                Counting.spans += len(spans)
            return result

    provider = TracerProvider()
    exporter = Counting(endpoint=f"{sink_url()}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter, max_queue_size=calls + 1, max_export_batch_size=512))
    tracer = provider.get_tracer("bench")

    @tracer.start_as_current_span("bare")
    def otel_observed(x: int) -> int:
        return x

    return (lambda: otel_observed(1)), (lambda: provider.force_flush(60_000)), (lambda: Counting.spans), provider.shutdown


OTEL = "OpenTelemetry SDK start_as_current_span + BatchSpanProcessor"
OTEL_HTTP = "OpenTelemetry SDK → OTLP/HTTP protobuf to the same sink"
ROW_NULL = "agentstack @observe"
ROWS: dict[str, Setup] = {
    ROW_NULL: agentstack_setup("bare", True),
    "agentstack @observe + capture (2 scalars)": agentstack_setup("scalars", True),
    "agentstack @observe + capture (dict arg)": agentstack_setup("dict", True),
    "agentstack @observe, caller side only (spans discarded)": agentstack_setup("bare", False),
    "... + capture (2 scalars), caller side only": agentstack_setup("scalars", False),
    "... + capture (dict arg), caller side only": agentstack_setup("dict", False),
    OTEL: otel_setup,
    "agentstack @observe → gzip JSON over HTTP to a sink process": agentstack_http_setup,
    OTEL_HTTP: otel_http_setup,
}


def run_rows(calls: int, block: int, rounds: int) -> tuple[dict[str, Row], dict[str, list[float]]]:
    """Every row, interleaved over ``rounds`` rounds so that load changes on a shared machine hit all rows alike.

    Returns the rows (CPU figures averaged over the rounds) and each row's process CPU ns per call in each round.
    """
    results: dict[str, Row] = {name: ([], 0.0, 0, 0.0, 0.0) for name in ROWS}
    cpu_rounds: dict[str, list[float]] = {name: [] for name in ROWS}
    per_round = max(block, calls // rounds)
    for _ in range(rounds):
        for name, setup in ROWS.items():
            func, flush, received, teardown = setup(per_round)
            samples, amortised, exported, cpu, thread = timed(func, per_round, block, flush, received)
            teardown()
            old = results[name]
            results[name] = (old[0] + samples, old[1] + amortised / rounds, old[2] + exported, old[3] + cpu / rounds,
                             old[4] + thread / rounds)  # fmt: skip
            cpu_rounds[name].append(cpu)
    return results, cpu_rounds


def import_ms(runs: int = 5) -> float:
    code = "import time; t = time.perf_counter(); import agentstack; print((time.perf_counter() - t) * 1000)"
    times = [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(runs)]
    return statistics.median(times)


def burst_memory(spans: int) -> tuple[float, dict[str, int]]:
    """Peak traced memory (MB) while ``spans`` spans are produced against a stalled sink."""
    stall = threading.Event()
    settings = resolve_settings(api_key="ak_bench", collector_url="http://127.0.0.1:9", batch_size=64,
                                max_queue_size=2048, offline=False)  # fmt: skip
    exporter = BatchExporter(settings, transport=NullTransport(stall))
    agentstack.configure(exporter=exporter, service_name="bench")

    @agentstack.observe(kind="tool")
    def work(text: str) -> str:
        return text

    payload = "x" * 200
    tracemalloc.start()
    for _ in range(spans):
        work(payload)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stats = agentstack.stats()
    stall.set()
    agentstack.shutdown(5)
    return peak / 1e6, stats


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=200_000, help="calls per row")
    parser.add_argument("--block", type=int, default=1000, help="calls per timed block")
    parser.add_argument("--rounds", type=int, default=5, help="rows are interleaved over this many rounds")
    args = parser.parse_args(argv)
    gc.collect()

    def baseline_fn(x: int) -> int:
        return x

    cpu_started = time.process_time_ns()
    baseline = per_call_ns(lambda: baseline_fn(1), args.spans, args.block)
    base_cpu = (time.process_time_ns() - cpu_started) / (len(baseline) * args.block)  # a bare call's CPU time
    rows, cpu_rounds = run_rows(args.spans, args.block, args.rounds)
    base50, base99, base_mean = pct(baseline, 0.5), pct(baseline, 0.99), statistics.fmean(baseline)
    # Rows that export over HTTP are compared with OTel exporting over HTTP; the others with OTel's in-memory sink.
    # Each round's cost is compared with OTel's cost in the same round (the same load), then the median is taken.
    cost_rounds = {name: [cpu - base_cpu for cpu in cpus] for name, cpus in cpu_rounds.items()}
    otel_cpu = {name: statistics.median(cost_rounds[name]) for name in (OTEL, OTEL_HTTP)}
    print(f"per-span overhead over a bare call ({args.spans} calls per row, blocks of {args.block}, "
          f"interleaved over {args.rounds} rounds); "
          f"bare call p50 {base50:.0f} ns, {base_cpu:.0f} ns CPU; python {sys.version.split()[0]}")  # fmt: skip
    print(f"| {'what':<62} | {'p50 µs':>7} | {'p99 µs':>7} | {'amortised CPU µs min/med':>24} | {'caller CPU µs':>13} "
          f"| {'CPU vs OTel med (min–max)':>25} | {'spans exported':>14} |")  # fmt: skip
    print(f"|{'-' * 64}|{'-' * 9}|{'-' * 9}|{'-' * 26}|{'-' * 15}|{'-' * 27}|{'-' * 16}|")
    for name, (samples, _, exported, _cpu, thread) in rows.items():
        p50, p99 = pct(samples, 0.5) - base50, pct(samples, 0.99) - base99
        costs = cost_rounds[name]
        reference = cost_rounds[OTEL_HTTP if "HTTP" in name else OTEL]
        ratios = [cost / ref for cost, ref in zip(costs, reference)]
        amortised = f"{min(costs) / 1000:.2f} / {statistics.median(costs) / 1000:.2f}"
        versus = f"{statistics.median(ratios):.3f}× ({min(ratios):.3f}–{max(ratios):.3f})"
        print(f"| {name:<62} | {p50 / 1000:>7.2f} | {p99 / 1000:>7.2f} | {amortised:>24} | "
              f"{(thread - base_cpu) / 1000:>13.2f} | {versus:>25} | {exported:>14} |")  # fmt: skip
    print(f"(amortised CPU = process CPU time (calling thread + export thread) of all calls and the final flush, per "
          f"call, minus a bare call's, over the {args.rounds} rounds; vs OTel = per round against OTel's row in the "
          f"same round; OTel median {otel_cpu[OTEL] / 1000:.2f} µs per span in memory, "
          f"{otel_cpu[OTEL_HTTP] / 1000:.2f} µs over HTTP; wall-clock amortised, ours "
          f"{(rows[ROW_NULL][1] - base_mean) / 1000:.2f} µs, OTel {(rows[OTEL][1] - base_mean) / 1000:.2f} µs)")
    print(f"(load average while running: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores)")
    mem, stats = burst_memory(200_000)
    print(f"\nimport agentstack: {import_ms():.1f} ms (median of 5 fresh interpreters)")
    print(f"200k spans against a stalled sink (queue 2048): peak traced memory {mem:.1f} MB, stats {stats}")


if __name__ == "__main__":
    main()
