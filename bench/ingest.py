"""Ingest benchmark: 512-span OTLP protobuf batches, per stage in-process, then the real Serve deployment.

    .venv/bin/python bench/ingest.py                # both parts
    .venv/bin/python bench/ingest.py --skip-serve   # in-process stages only (no Ray)

Part 1 times each stage of `POST /v1/traces` in CPU time of this process (decode, map,
validate+normalise, encode, XADD on an embedded Valkey) and the whole handler through ASGI, against
baselines measured in the same run (the slow path: raw wire spans → `validate_span`; the native
msgpack body of the same spans; one stream entry per span). CPU time, not wall time: on a shared
machine wall time mostly measures the neighbours.
Part 2 starts Ray + Serve (`configs/local.yaml`, ingest pinned to ONE replica) and drives
`/v1/traces` over keep-alive HTTP; spans/s per replica core divides by the replica process's own
CPU time (read from /proc), so the proxy, the writer pool and this load generator do not count.
The Serve proxy's CPU per request is read the same way (the proxy → replica hop's cost).
Target (issue 14): ≥ 50,000 spans/s per replica core, p99 ≤ 50 ms. Timings never gate tests.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import msgpack  # noqa: E402
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest  # noqa: E402

from cluster.streams import ENTRY_COUNT, ENTRY_SPANS, ingest_stream, partition_for  # noqa: E402
from serve_apps import otlp  # noqa: E402
from serve_apps.batches import collect  # noqa: E402
from serve_apps.payloads import parse  # noqa: E402

KEY = "ak_bench_ingest_key_0123456789abcdef"
PARTITIONS = 4
WORDS = "agent tool memory retrieve plan answer model token stream ray serve span trace cost".split()


def _text(rng: random.Random, chars: int) -> str:
    out: list[str] = []
    while sum(len(w) + 1 for w in out) < chars:
        out.append(rng.choice(WORDS))
    return " ".join(out)


def make_request(n_spans: int, seed: int = 7) -> ExportTraceServiceRequest:
    """A realistic agent batch: traces of 8 spans (agent → llm/tool children), ~1 KB per span."""
    rng = random.Random(seed)
    now = time.time_ns()
    spans = []
    for i in range(n_spans):
        trace = rng.getrandbits(128).to_bytes(16, "big") if i % 8 == 0 else spans[-1]["_trace"]
        root = i % 8 == 0
        span: dict[str, Any] = {
            "_trace": trace,
            "traceId": trace.hex(),
            "spanId": rng.getrandbits(64).to_bytes(8, "big").hex(),
            "name": "agent.run" if root else rng.choice(["chat gpt-4o", "tool.search", "memory.read"]),
            "kind": 2 if root else 3,
            "startTimeUnixNano": str(now + i * 1000),
            "endTimeUnixNano": str(now + i * 1000 + 5_000_000),
            "status": {"code": 1},
            "attributes": [
                {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
                {"key": "gen_ai.system", "value": {"stringValue": "openai"}},
                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(rng.randint(10, 3000))}},
                {"key": "gen_ai.usage.output_tokens", "value": {"intValue": str(rng.randint(10, 800))}},
                {"key": "input.value", "value": {"stringValue": _text(rng, 400)}},
                {"key": "output.value", "value": {"stringValue": _text(rng, 300)}},
                {"key": "session.id", "value": {"stringValue": "s-42"}},
            ],
            "events": [{"timeUnixNano": str(now + i * 1000 + 10), "name": "gen_ai.choice",
                        "attributes": [{"key": "index", "value": {"intValue": "0"}}]}],
        }
        if not root:
            span["parentSpanId"] = spans[i - i % 8]["spanId"]
        spans.append(span)
    for span in spans:
        span.pop("_trace")
    doc = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "bench-agent"}}]},
                              "scopeSpans": [{"scope": {"name": "bench", "version": "1"}, "spans": spans}]}]}
    return otlp.decode_json(doc)


def per_call(fn: Callable[[], Any], min_seconds: float = 1.0, rounds: int = 5) -> float:
    """CPU seconds (this process) per call of fn: the best of `rounds` rounds of ≥ min_seconds/rounds each."""
    fn()
    best = float("inf")
    for _ in range(rounds):
        calls, started = 0, time.process_time()
        while True:
            fn()
            calls += 1
            elapsed = time.process_time() - started
            if elapsed >= min_seconds / rounds:
                break
        best = min(best, elapsed / calls)
    return best


async def aper_call(fn: Callable[[], Any], min_seconds: float = 1.0) -> float:
    """CPU seconds (this process: the event loop, not the server it waits on) per awaited call of fn."""
    await fn()
    calls, started = 0, time.process_time()
    while True:
        await fn()
        calls += 1
        elapsed = time.process_time() - started
        if elapsed >= min_seconds:
            return elapsed / calls


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))


def stage_row(name: str, seconds: float, n: int, baseline: float | None = None) -> list[str]:
    us = seconds / n * 1e6
    rel = f"{baseline / seconds:.2f}×" if baseline else "baseline"
    return [name, f"{us:.2f}", f"{n / seconds:,.0f}", rel]


async def in_process(n_spans: int, seconds: float) -> None:
    from cluster.bus import connect_redis
    from cluster.metadata import MetadataDB
    from cluster.metadata.projects import create_project
    from cluster.migrations import apply_migrations
    from cluster.settings import PlatformSettings
    from cluster.store import DirectStoreClient, Store
    from cluster.valkey import EmbeddedValkey
    from serve_apps.ingest import create_ingest_app, settle_gc
    from tests.conftest import free_port

    request = make_request(n_spans)
    body = request.SerializeToString()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    valkey = EmbeddedValkey(tmp, free_port())
    valkey.start()
    store = Store(f"chdb://{tmp / 'chdb'}")
    redis = connect_redis(valkey.url)
    try:
        client = DirectStoreClient(store)
        await apply_migrations(client)
        metadata = MetadataDB(f"sqlite:///{tmp / 'metadata.db'}")
        metadata.migrate()
        with metadata.session() as session:
            create_project(session, "default", None, "bench", api_key=KEY)

        decoded = otlp.decode_protobuf(body)
        raw = otlp.raw_spans(decoded)
        batch = collect(raw, "p", PARTITIONS)
        spans = [s for group in batch.by_partition.values() for s in group]
        native_body = msgpack.packb({"spans": raw}, use_bin_type=True)
        entries = {p: msgpack.packb(g, use_bin_type=True) for p, g in batch.by_partition.items()}

        t_parse = per_call(lambda: ExportTraceServiceRequest.FromString(body), seconds)
        t_decode = per_call(lambda: otlp.decode_protobuf(body), seconds)
        t_map = per_call(lambda: otlp.raw_spans(decoded), seconds)
        t_collect = per_call(lambda: collect(raw, "p", PARTITIONS), seconds)  # collect never mutates raw spans
        t_checked = per_call(lambda: otlp.checked_spans(decoded), seconds)

        def fast_path() -> Any:  # normalise mutates checked spans, so each call decodes afresh
            payload = parse(body, "application/x-protobuf")
            return collect(payload.raw_spans, "p", PARTITIONS, payload.body_bytes, payload.validated, payload.marker_free)

        def slow_path() -> Any:
            return collect(otlp.raw_spans(otlp.decode_protobuf(body)), "p", PARTITIONS, len(body))

        t_fast = per_call(fast_path, seconds)
        t_slow = per_call(slow_path, seconds)
        share = sum(otlp.checked_spans(decoded)[1]) / len(raw)
        t_native = per_call(lambda: msgpack.unpackb(native_body, raw=False), seconds)
        t_encode = per_call(lambda: {p: msgpack.packb(g, use_bin_type=True) for p, g in batch.by_partition.items()}, seconds)
        t_encode_each = per_call(lambda: [msgpack.packb(s, use_bin_type=True) for s in spans], seconds)
        from cluster.bus import entry_fields

        t_fields = per_call(lambda: {p: entry_fields(g) for p, g in batch.by_partition.items()}, seconds)
        fields = {p: entry_fields(g) for p, g in batch.by_partition.items()}

        async def xadd_fields() -> None:
            pipe = redis.pipeline(transaction=False)
            for p, entry in fields.items():
                pipe.xadd(ingest_stream(p), entry, maxlen=1000)  # type: ignore[arg-type]
            await pipe.execute()

        async def xadd_batched() -> None:
            pipe = redis.pipeline(transaction=False)
            for p, payload in entries.items():
                pipe.xadd(ingest_stream(p), {ENTRY_SPANS: payload, ENTRY_COUNT: len(batch.by_partition[p])}, maxlen=1000)
            await pipe.execute()

        async def xadd_each() -> None:
            pipe = redis.pipeline(transaction=False)
            for s in spans:
                pipe.xadd(ingest_stream(partition_for(s["trace_id"], PARTITIONS)),
                          {ENTRY_SPANS: msgpack.packb([s], use_bin_type=True), ENTRY_COUNT: 1}, maxlen=100_000)
            await pipe.execute()

        t_xadd = await aper_call(xadd_batched, seconds)
        t_xadd_each = await aper_call(xadd_each, seconds)
        t_xadd_fields = await aper_call(xadd_fields, seconds)
        await redis.delete(*[ingest_stream(p) for p in range(PARTITIONS)])

        n = len(spans)
        table(
            f"ingest stages, in-process CPU time ({n}-span OTLP protobuf batch, {len(body) / n:.0f} B/span on the wire, "
            f"{share:.0%} of spans on the fast path)",
            ["stage", "µs/span", "spans/s/core", "vs baseline"],
            [
                stage_row("baseline: protobuf ParseFromString only", t_parse, n),
                stage_row("decode (otlp.decode_protobuf)", t_decode, n, t_parse),
                stage_row("baseline: native msgpack body decode", t_native, n),
                stage_row("slow path: map OTLP → raw wire spans", t_map, n),
                stage_row("slow path: validate_span + normalise + partition", t_collect, n),
                stage_row("fast path: map + validate in one pass (checked_spans)", t_checked, n, t_map),
                stage_row("slow path: decode → map → validate → normalise → partition", t_slow, n),
                stage_row("fast path: decode → checked_spans → normalise → partition", t_fast, n, t_slow),
                stage_row("baseline: encode one entry per span", t_encode_each, n),
                stage_row("encode spans only, one entry per partition (before)", t_encode, n, t_encode_each),
                stage_row("encode spans + rows + usage: what the bus carries now", t_fields, n, t_encode),
                stage_row("baseline: XADD one entry per span, pipelined (incl. encode)", t_xadd_each, n),
                stage_row(f"XADD {len(entries)} entries of ~{n // len(entries)} spans, pipelined (before)", t_xadd, n, t_xadd_each),
                stage_row(f"XADD {len(entries)} entries with rows + usage (now)", t_xadd_fields, n, t_xadd),
                stage_row("sum of stages, slow path (decode+map+validate+encode+XADD)", t_slow + t_fields + t_xadd_fields, n),
                stage_row("sum of stages, fast path (decode+checked+normalise+encode+XADD)", t_fast + t_fields + t_xadd_fields, n,
                          t_slow + t_fields + t_xadd_fields),
            ],
        )

        settings = PlatformSettings(data_dir=tmp, partitions=PARTITIONS, api_key_cache_ttl_s=60)
        app = create_ingest_app(settings, client, redis, metadata)
        settle_gc()  # as the Serve replica does after start-up
        headers = {"X-API-Key": KEY, "Content-Type": "application/x-protobuf"}
        latencies: list[float] = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as http:
            async def one() -> None:
                started = time.perf_counter()  # latency is wall time; the per-span cost below is CPU time
                response = await http.post("/traces", content=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
                if len(latencies) % 50 == 0:  # keep Valkey's memory flat (outside the timed part)
                    await redis.delete(*[ingest_stream(p) for p in range(PARTITIONS)])

            t_handler = await aper_call(one, seconds * 2)
        await app.state.ingest.publisher.stop()
        q = statistics.quantiles(latencies, n=100)
        table(
            "whole POST /v1/traces handler in-process (ASGI, auth cached, real Valkey), CPU time of this process",
            ["path", "µs/span", "spans/s/core", "p50 ms", "p99 ms"],
            [["handler incl. httpx ASGI client", f"{t_handler / n * 1e6:.2f}", f"{n / t_handler:,.0f}",
              f"{q[49] * 1000:.1f}", f"{q[98] * 1000:.1f}"]],
        )
    finally:
        await redis.aclose()
        store.close()
        valkey.stop()


def _replica_pids(data_dir: Path, title: bytes = b"ServeReplica:ingest:IngestDeployment") -> list[int]:
    """This run's ingest replica (or, with `title=b"ProxyActor"`, its HTTP proxy): Ray titles the process
    `ray::ServeReplica:ingest:IngestDeployment`, and it inherited our private AGENTSTACK_DATA_DIR (other
    stacks on a shared machine have their own)."""
    marker = f"AGENTSTACK_DATA_DIR={data_dir}".encode() + b"\0"
    pids = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if (title in Path(f"/proc/{pid}/cmdline").read_bytes()
                        and marker in Path(f"/proc/{pid}/environ").read_bytes()):
                    pids.append(int(pid))
            except OSError:
                continue
    return pids


def _listening_port(pid: int, low: int = 30000, high: int = 31000) -> int | None:
    """A TCP port in [low, high] the process listens on (Serve's direct-ingress HTTP port), from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    for table_path in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table_path).read_text().splitlines()[1:]:
            fields = line.split()
            port = int(fields[1].rsplit(":", 1)[1], 16)
            if fields[3] == "0A" and fields[9] in inodes and low <= port <= high:  # 0A: LISTEN
                return port
    return None


def _direct_ingress_base(data_dir: Path, timeout: float = 240) -> str:
    """With direct ingress there is no proxy: wait for the platform and the ingest replica's own HTTP port."""
    from cluster.launcher import platform_ready

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = _replica_pids(data_dir)
        port = _listening_port(pids[0]) if len(pids) == 1 else None
        if port is not None and platform_ready():
            base = f"http://127.0.0.1:{port}"
            if httpx.get(f"{base}/v1/health", timeout=5).status_code == 200:
                return base
        time.sleep(1)
    raise RuntimeError("the ingest replica never listened on a direct-ingress port")


def _cpu_seconds(pids: list[int]) -> float:
    """utime + stime (all threads) of the given processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def serve_http(
    sizes: list[int], seconds: float, concurrency: list[int], serve_env: dict[str, str] | None = None, gzip_too: bool = False,
    profile: Path | None = None,
) -> None:
    """Drive one ingest replica through Serve's proxy, one row per (spans per request, encoding, connections)."""
    import ray
    import yaml
    from ray import serve
    from ray.serve.schema import ServeDeploySchema

    from cluster.launcher import deploy, start_ray, wait_until_healthy
    from tests.conftest import free_port

    data_dir = Path(tempfile.mkdtemp(prefix="bench-ingest-serve-"))
    os.environ.update(AGENTSTACK_DATA_DIR=str(data_dir), AGENTSTACK_VALKEY_PORT=str(free_port()),
                      AGENTSTACK_BOOTSTRAP_API_KEY=KEY, AGENTSTACK_PARTITIONS=str(PARTITIONS))
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CLICKHOUSE_URL", None)
    os.environ.update(serve_env or {})  # Serve's own options (read by the proxy and replicas at start-up)
    raw = yaml.safe_load((ROOT / "configs" / "local.yaml").read_text())
    port = free_port()
    raw["http_options"]["port"] = port
    for app in raw["applications"]:
        for dep in app.get("deployments", []):
            if dep["name"] == "IngestDeployment":  # one replica: spans/s per replica is what we measure
                dep.pop("autoscaling_config", None)
                dep["num_replicas"] = 1
    start_ray(dashboard_port=None, object_store_mb=256)
    try:
        deploy(ServeDeploySchema.model_validate(raw))
        if (serve_env or {}).get("RAY_SERVE_ENABLE_DIRECT_INGRESS") == "1":  # replicas serve HTTP themselves
            base = _direct_ingress_base(data_dir)
        else:
            base = f"http://127.0.0.1:{port}"
            wait_until_healthy(base, timeout=240)
        rows = []
        profiles: list[Path] = []
        for n_spans in sizes:
            plain = make_request(n_spans).SerializeToString()
            for encoding in ("identity", "gzip") if gzip_too else ("identity",):
                body = gzip.compress(plain, 6) if encoding == "gzip" else plain
                headers = {"X-API-Key": KEY, "Content-Type": "application/x-protobuf", "Content-Encoding": encoding}
                for connections in concurrency:
                    spy_path = profile / f"replica-{n_spans}-{encoding}-{connections}.txt" if profile else None
                    requests, latencies, elapsed, cpu, proxy_cpu, errors = asyncio.run(
                        _drive(base, body, headers, seconds, connections, data_dir, spy_path))
                    if spy_path is not None:
                        profiles.append(spy_path)
                    q = statistics.quantiles(latencies, n=100)
                    spans = requests * n_spans
                    rows.append([f"{n_spans}", f"{encoding} ({len(body) // 1024} KiB)", f"{connections}", f"{requests}",
                                 f"{spans / elapsed:,.0f}", f"{cpu:.1f} ({cpu / elapsed:.0%})",
                                 f"{spans / cpu:,.0f}" if cpu else "n/a", f"{cpu / requests * 1000:.1f}",
                                 f"{proxy_cpu / requests * 1000:.1f} ({proxy_cpu / spans * 1e6:.1f} µs/span)",
                                 f"{q[49] * 1000:.1f}", f"{q[98] * 1000:.1f}", f"{errors}"])
        table(
            f"real Serve deployment over keep-alive HTTP (1 ingest replica, OTLP protobuf, {seconds:.0f} s each; "
            f"proxy, writer pool, Valkey and this client share the host; Serve options: {serve_env or 'defaults'})",
            ["spans/request", "encoding", "connections", "requests", "spans/s", "replica CPU s (% of a core)",
             "spans/s per replica core", "replica CPU ms/request", "proxy CPU ms/request", "p50 ms", "p99 ms", "errors"],
            rows,
        )
        for path in profiles:
            print(f"\n{path.name}:")
            profile_table(path)
    finally:
        try:
            serve.shutdown()
        finally:
            ray.shutdown()


def _start_profile(pid: int, path: Path, seconds: float) -> Any:
    """py-spy on the replica for `seconds` (raw collapsed stacks; on-CPU threads only)."""
    import shutil
    import subprocess

    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [spy, "record", "-r", "100", "-d", str(max(int(seconds) - 1, 1)), "-f", "raw", "-p", str(pid), "-o", str(path),
           "--nonblocking"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


#: Where the replica's CPU goes, by the first of these frames found on a sample's stack (innermost wins).
PROFILE_GROUPS = (
    ("entry_fields", "bus: encode entry (spans + rows + usage)"),
    ("publish_spans", "bus: XADD pipeline (redis-py)"),
    ("checked_spans", "otlp: protobuf → checked spans"),
    ("decode_protobuf", "otlp: ParseFromString"),
    ("inflate", "gzip inflate"),
    ("collect", "validate / normalise / partition"),
    ("export_response", "OTLP response"),
    ("ingest_project", "auth"),
    ("read_body", "read body (ASGI receive)"),
    ("ingest (serve_apps/ingest.py)", "handler, other"),
    ("starlette", "FastAPI / Starlette"),
    ("fastapi", "FastAPI / Starlette"),
    ("ray/serve", "Ray Serve replica machinery"),
    ("ray/", "Ray core (outside Serve)"),
    ("uvicorn", "uvicorn (direct ingress)"),
    ("asyncio", "asyncio event loop"),
)


def profile_table(path: Path) -> None:
    """Inclusive shares of the replica's on-CPU samples by stage (first matching group per stack)."""
    import collections

    counts: collections.Counter[str] = collections.Counter()
    tops: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, num = line.rpartition(" ")
        if not num.isdigit():
            continue
        n = int(num)
        total += n
        frames = stack.split(";")
        group = "other"
        for needle, label in PROFILE_GROUPS:
            if any(needle in frame for frame in frames):
                group = label
                break
        counts[group] += n
        top = frames[-1]
        name, _, where = top.partition(" (")
        tops[f"{name} ({where.split('/')[-1]}"] += n
    if not total:
        print(f"(no samples in {path})")
        return
    table(f"replica profile ({total} samples, py-spy, on-CPU): share by stage", ["stage", "% of samples"],
          [[k, f"{100 * v / total:.1f}"] for k, v in counts.most_common()])
    table("replica profile: top frames (self)", ["frame", "% of samples"],
          [[k, f"{100 * v / total:.1f}"] for k, v in tops.most_common(15)])


async def _drive(base: str, body: bytes, headers: dict[str, str], seconds: float, concurrency: int, data_dir: Path,
                 profile: Path | None = None):
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        async def worker(stop_at: float, record: bool) -> None:
            nonlocal errors
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                response = await http.post("/v1/traces", content=body, headers=headers)
                if record:
                    latencies.append(time.perf_counter() - started)
                    errors += response.status_code != 200
        warm = time.perf_counter() + 3
        await asyncio.gather(*[worker(warm, False) for _ in range(concurrency)])
        pids, proxies = _replica_pids(data_dir), _replica_pids(data_dir, b"ProxyActor")
        if len(pids) != 1:
            raise RuntimeError(f"expected one ingest replica process, found {pids}")
        spy = _start_profile(pids[0], profile, seconds) if profile else None
        cpu0, proxy0, started = _cpu_seconds(pids), _cpu_seconds(proxies), time.perf_counter()
        await asyncio.gather(*[worker(started + seconds, True) for _ in range(concurrency)])
        if spy is not None:
            await asyncio.to_thread(spy.wait)
        elapsed = time.perf_counter() - started
        cpu, proxy_cpu = _cpu_seconds(pids) - cpu0, _cpu_seconds(proxies) - proxy0
    return len(latencies), latencies, elapsed, cpu, proxy_cpu, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", default="512", help="spans per request, e.g. 512,2048 (in-process: the first; default 512)")
    parser.add_argument("--gzip", action="store_true", help="Serve part: also send each body gzip-compressed")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per in-process stage (default 2 s, best of 5 rounds)")
    parser.add_argument("--http-seconds", type=float, default=15.0, help="HTTP load duration (default 15 s)")
    parser.add_argument("--concurrency", default="1,4", help="keep-alive connections, one run each (default 1,4)")
    parser.add_argument("--skip-serve", action="store_true", help="only the in-process stages")
    parser.add_argument("--skip-in-process", action="store_true", help="only the Serve part")
    parser.add_argument("--profile", type=Path, help="Serve part: py-spy the replica during each run (raw stacks here)")
    parser.add_argument("--serve-env", default="", help="Serve options as K=V,K=V, e.g. RAY_SERVE_RUN_USER_CODE_IN_SEPARATE_THREAD=0")
    args = parser.parse_args()
    print(f"host: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (shared machine: numbers are noisy)")
    sizes = [int(n) for n in args.spans.split(",")]
    if not args.skip_in_process:
        asyncio.run(in_process(sizes[0], args.seconds))
    if not args.skip_serve:
        serve_env = dict(pair.split("=", 1) for pair in args.serve_env.split(",") if pair)
        serve_http(sizes, args.http_seconds, [int(c) for c in args.concurrency.split(",")], serve_env, args.gzip, args.profile)
    print("\ntarget: ≥ 50,000 spans/s per replica core, p99 ≤ 50 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
