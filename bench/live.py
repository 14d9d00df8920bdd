"""Live feed benchmark: delay from ingest acceptance to a WebSocket client, under a steady span load.

    flock /tmp/agentstack-ray.lock .venv/bin/python bench/live.py [--rate 2000] [--seconds 20] [--clients 0,1,50,200,0] [--proxy-clients 200]

The real stack (Ray + Serve, configs/local.yaml: one live replica). A load process posts `--rate` spans/s
(100 per request, 4 per trace; msgpack) and notes when ingest accepted each request (202). A client
process opens N real WebSocket connections to `/ws/traces` (no compression, like a browser without
permessage-deflate), all subscribed to the loaded project: on the live replica's own port (what the UI uses,
learnt from `GET /ws/endpoint`), and for `--proxy-clients` also through Serve's HTTP proxy (the path before). Up to 10 of them parse every frame and note
when each trace's last message arrived; the others only read. For each N:

* delay p50/p95/max: ingest accepted (202) → the trace's spans all at the client (measuring clients);
* ingest throughput (spans accepted per second) and pipeline throughput (span summaries the writer
  published per second, read back from `spans.live`), against the same run with no clients (the baseline);
* messages dropped for slow clients (told to them in `dropped` messages).

First, memory per idle client: RSS of the live replica and of Serve's HTTP proxy before and after opening
200 idle sockets on the fresh stack. Timings on a shared 2-core machine move a lot between runs; never gate anything on them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pipeline import _read_key, free_port, make_spans  # noqa: E402

KEY = "ak_bench_key_0123456789abcdef0123"
SPANS_PER_REQUEST = 100
MEASURING_CLIENTS = 10
TRACE_RE = re.compile(rb'"type":"trace","trace_id":"([0-9a-f]{32})"')
DROPPED_RE = re.compile(rb'"type":"dropped","count":(\d+)')


# --- the load process ---------------------------------------------------------------------------------


def load_process(base: str, rate: int, seconds: float, offset: int, out: Any) -> None:
    """Post `rate` spans/s for `seconds`; report (trace → accept time, accepted spans, request latencies)."""
    import httpx
    import msgpack

    async def main() -> None:
        accepted: dict[str, float] = {}
        latencies: list[float] = []
        spans_ok = 0
        interval = SPANS_PER_REQUEST / rate
        total = int(seconds * rate / SPANS_PER_REQUEST)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            started = time.monotonic()
            cpu0 = time.process_time()

            async def send(i: int) -> None:
                nonlocal spans_ok
                spans = make_spans(SPANS_PER_REQUEST, offset=offset + i * SPANS_PER_REQUEST)
                now_ns = time.time_ns()
                for s in spans:  # "now", so the trace is fresh
                    s.pop("project_id", None)
                    s["start_time"], s["end_time"] = now_ns - 5_000_000, now_ns
                body = msgpack.packb({"spans": spans})
                t = time.perf_counter()
                response = await client.post("/v1/traces", content=body, headers={"X-API-Key": KEY, "Content-Type": "application/msgpack"})
                latencies.append(time.perf_counter() - t)
                if response.status_code == 202:
                    at = time.time()
                    spans_ok += len(spans)
                    for s in spans:
                        accepted.setdefault(s["trace_id"], at)

            tasks = []
            for i in range(total):
                delay = started + i * interval - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.ensure_future(send(i)))
            await asyncio.gather(*tasks)
            elapsed = time.monotonic() - started
        cpu = time.process_time() - cpu0
        out.put({"accepted": accepted, "spans": spans_ok, "elapsed": elapsed, "latencies": latencies, "cpu": cpu})

    asyncio.run(main())


# --- the client process -------------------------------------------------------------------------------


def client_process(url: str, read_key: str, n: int, ready: Any, stop: Any, out: Any, measuring_clients: int = MEASURING_CLIENTS) -> None:
    """Open `n` sockets; the first `measuring_clients` note each trace's last arrival; report when `stop` is set."""
    from websockets.asyncio.client import connect

    async def main() -> None:
        arrivals: list[dict[bytes, float]] = []
        counts = {"frames": 0, "bytes": 0, "dropped": 0, "closed": 0, "resets": 0}

        async def one(i: int, opened: asyncio.Event, connected: list[int]) -> None:
            seen: dict[bytes, float] = {}
            measuring = i < measuring_clients
            if measuring:
                arrivals.append(seen)
            try:
                async with connect(url, additional_headers={"X-API-Key": read_key}, compression=None, max_size=None,
                                   ping_interval=None, open_timeout=60) as ws:
                    await ws.recv()  # hello
                    connected[0] += 1
                    if connected[0] == n:
                        opened.set()
                    while True:
                        data = await ws.recv(decode=False)  # bytes: no UTF-8 decoding on the reading side
                        counts["frames"] += 1
                        counts["bytes"] += len(data)
                        if data.startswith(b'{"type":"ping"'):
                            await ws.send('{"type":"pong"}')
                            continue
                        if measuring:
                            now = time.time()
                            for m in TRACE_RE.finditer(data):
                                seen[m.group(1)] = now
                        if b'"dropped"' in data:
                            counts["dropped"] += sum(int(d) for d in DROPPED_RE.findall(data))
                        if data.startswith(b'{"type":"reset"'):
                            counts["resets"] += 1
            except Exception:  # noqa: BLE001 - counted: a benchmark reports, it does not stop
                counts["closed"] += 1

        opened = asyncio.Event()
        connected = [0]
        tasks = [asyncio.ensure_future(one(i, opened, connected)) for i in range(n)]
        await asyncio.wait_for(opened.wait(), timeout=120)
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        out.put({"arrivals": [{k.decode(): v for k, v in a.items()} for a in arrivals], **counts})

    asyncio.run(main())


# --- the driver ---------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mb(pattern: str) -> float:
    """Summed RSS (MB) of the processes whose command line contains `pattern` (Ray names actor processes)."""
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="ignore")
            if pattern in cmdline:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def pids_matching(pattern: str) -> list[int]:
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if pattern in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="ignore"):
                    out.append(int(pid))
            except OSError:
                continue
    return out


def cpu_s(pids: list[int]) -> float:
    """Summed user+system CPU seconds of `pids` (all their threads)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


#: Processes whose CPU a phase reports (pattern in the command line → column name).
CPU_GROUPS = {"ServeReplica:live": "live", "ProxyActor": "proxy", "ServeReplica:ingest": "ingest"}


class Sampler:
    """During a phase: the live replica's and the proxy's RSS every 0.5 s, and CPU seconds per process group."""

    def __init__(self, extra: dict[str, list[int]]) -> None:
        import threading

        self.groups = {name: pids_matching(pat) for pat, name in CPU_GROUPS.items()}
        self.groups.update(extra)
        self.rss: list[tuple[float, float, float]] = []  # (t, live MB, proxy MB)
        self._stop = threading.Event()
        self._t0 = time.monotonic()
        self._cpu0 = {name: {pid: cpu_s([pid]) for pid in pids} for name, pids in self.groups.items()}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.rss.append((time.monotonic() - self._t0, rss_mb("ServeReplica:live"), rss_mb("ProxyActor")))

    def finish(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join()
        wall = time.monotonic() - self._t0
        # Per process, and again by pattern at the end: a replica Serve started meanwhile (ingest autoscales)
        # counts from its start, one that exited counts nothing (its /proc entry is gone).
        patterns = {name: pat for pat, name in CPU_GROUPS.items()}
        cpu = {}
        for name, start in self._cpu0.items():
            pids = set(start) | set(pids_matching(patterns[name]) if name in patterns else [])
            cpu[name] = sum(max(0.0, cpu_s([pid]) - start.get(pid, 0.0)) for pid in pids if Path(f"/proc/{pid}").exists()) / wall
        live = [r[1] for r in self.rss] or [0.0]
        proxy = [r[2] for r in self.rss] or [0.0]
        return {"cpu": cpu, "live_rss_start": live[0], "live_rss_max": max(live), "live_rss_end": live[-1],
                "proxy_rss_max": max(proxy), "load": os.getloadavg()[0]}


def profile(pids: dict[str, int], seconds: float, out_dir: str, tag: str) -> list[Any]:
    """py-spy record each of `pids` for `seconds` (started in the background; returns the processes)."""
    import subprocess

    spy = str(Path(sys.executable).with_name("py-spy"))
    procs = []
    for name, pid in pids.items():
        path = Path(out_dir) / f"{tag}-{name}.txt"
        procs.append(subprocess.Popen([spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "50",
                                       "--format", "raw", "--output", str(path), "--nonblocking"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return procs


def published_since(redis_url: str, since_ms: int) -> tuple[int, float]:
    """Span summaries on `spans.live` written after `since_ms` (the pipeline's output: durable → published),
    and the seconds between the first and the last of those entries."""
    import msgpack
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        entries = client.xrange("spans.live", f"{since_ms}-0", "+")
    finally:
        client.close()
    if len(entries) < 2:
        return 0, 0.0
    first, last = (int(e[0].split(b"-")[0]) for e in (entries[0], entries[-1]))
    return sum(len(msgpack.unpackb(f[b"s"])) for _, f in entries), (last - first) / 1000


def direct_port(base: str, read_key: str) -> int:
    """The live replica's own WebSocket port, as the UI learns it (`GET /ws/endpoint`)."""
    import httpx

    answer = httpx.get(f"{base}/ws/endpoint", headers={"X-API-Key": read_key}, timeout=30).json()
    if not answer.get("port"):
        raise RuntimeError(f"the live replica serves no port of its own (settings live_direct_host): {answer}")
    return int(answer["port"])


def run_phase(base: str, ws_url: str, read_key: str, redis_url: str, n: int, rate: int, seconds: float, offset: int,
              profile_dir: str | None = None, tag: str = "", client_procs: int = 1) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out: Any = ctx.Queue()
    clients_out: Any = ctx.Queue()
    stop = ctx.Event()
    clients: list[Any] = []
    if n:
        # Several processes share the sockets (and the measuring ones), so the client side is not one starved
        # process on a loaded machine; their CPU is reported together ("client").
        procs = max(1, min(client_procs, n))
        shares = [n // procs + (k < n % procs) for k in range(procs)]
        measuring = [MEASURING_CLIENTS // procs + (k < MEASURING_CLIENTS % procs) for k in range(procs)]
        readies = [ctx.Event() for _ in shares]
        for share, measure, ready_k in zip(shares, measuring, readies):
            clients.append(ctx.Process(target=client_process, args=(ws_url, read_key, share, ready_k, stop, clients_out, measure)))
            clients[-1].start()
        deadline = time.monotonic() + 180
        if not all(r.wait(max(0.1, deadline - time.monotonic())) for r in readies):
            raise RuntimeError(f"{n} clients did not connect")
    since_ms = int(time.time() * 1000)
    load = ctx.Process(target=load_process, args=(base, rate, seconds, offset, out))
    load.start()
    extra: dict[str, list[int]] = {"load": [load.pid], **({"client": [c.pid for c in clients]} if clients else {})}
    sampler = Sampler(extra)
    spies = []
    if profile_dir:
        time.sleep(min(5.0, seconds / 4))
        targets = {name: pids[0] for name, pids in sampler.groups.items() if pids and name != "ingest"}
        spies = profile(targets, max(5.0, seconds / 2), profile_dir, tag or f"n{n}")
    result = out.get(timeout=seconds * 4 + 120)
    load.join()
    stats = sampler.finish()
    stats["cpu"]["load"] = result["cpu"] / result["elapsed"]
    for spy in spies:
        spy.wait(60)
    time.sleep(3)  # the tail: linger of the writer + coalescing
    published, pipeline_s = published_since(redis_url, since_ms)
    client_result: dict[str, Any] = {"arrivals": [], "frames": 0, "bytes": 0, "dropped": 0, "closed": 0, "resets": 0}
    if clients:
        stop.set()
        parts = [clients_out.get(timeout=120) for _ in clients]
        for c in clients:
            c.join(30)
        client_result = {k: sum(p[k] for p in parts) for k in ("frames", "bytes", "dropped", "closed", "resets")}
        client_result["arrivals"] = [a for p in parts for a in p["arrivals"]]
    delays = []
    for seen in client_result["arrivals"]:
        for trace, at in result["accepted"].items():
            if trace in seen:
                delays.append(seen[trace] - at)
    missing = sum(1 for seen in client_result["arrivals"] for t in result["accepted"] if t not in seen)
    return {
        "n": n,
        "ingest_rate": result["spans"] / result["elapsed"],
        "pipeline_rate": published / pipeline_s if pipeline_s else 0.0,
        "published": published,
        "accepted": result["spans"],
        "post_p95_ms": percentile(result["latencies"], 0.95) * 1000,
        "delays": delays,
        "missing": missing,
        **stats,
        **{k: client_result[k] for k in ("frames", "bytes", "dropped", "closed", "resets")},
    }


def idle_memory(ws_url: str, read_key: str, n: int = 200) -> tuple[float, float, float, float]:
    ctx = mp.get_context("spawn")
    out: Any = ctx.Queue()
    ready, stop = ctx.Event(), ctx.Event()
    time.sleep(2)
    before = rss_mb("ServeReplica:live"), rss_mb("ProxyActor")
    proc = ctx.Process(target=client_process, args=(ws_url, read_key, n, ready, stop, out))
    proc.start()
    if not ready.wait(180):
        raise RuntimeError("idle clients did not connect")
    time.sleep(3)
    after = rss_mb("ServeReplica:live"), rss_mb("ProxyActor")
    stop.set()
    out.get(timeout=60)
    proc.join(30)
    return before[0], after[0], before[1], after[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=2000, help="spans per second offered to ingest")
    parser.add_argument("--seconds", type=float, default=20.0, help="load duration of each phase")
    parser.add_argument("--clients", default="0,1,50,200,0", help="client counts on the replica's own port (the UI's "
                        "path); 0 is the baseline (several 0 rows: their mean, which shows the machine's drift)")
    parser.add_argument("--proxy-clients", default="200", help="client counts also measured through Serve's proxy "
                        "(the path before the replica's own port; empty: none)")
    parser.add_argument("--profile", metavar="DIR", help="py-spy record the live replica, the proxy, the load and the "
                        "client process during each phase (raw collapsed stacks in DIR)")
    parser.add_argument("--format", choices=("compact", "full"), default="compact",
                        help="the clients' message format (compact: spans as rows inside their trace message)")
    parser.add_argument("--no-idle", action="store_true", help="skip the idle-memory measurement")
    parser.add_argument("--client-procs", type=int, default=1, help="processes sharing the client sockets (more give the "
                        "clients a bigger share of a loaded machine, taken from the stack)")
    args = parser.parse_args()
    plan = [(int(c), "direct") for c in args.clients.split(",")]
    plan += [(int(c), "proxy") for c in args.proxy_clients.split(",") if c]

    import ray
    from ray import serve

    from cluster.launcher import deploy, load_config, start_ray, wait_until_healthy

    data = tempfile.mkdtemp(prefix="agentstack-bench-live-")
    port, valkey_port = free_port(), free_port()
    os.environ.update(AGENTSTACK_DATA_DIR=data, AGENTSTACK_VALKEY_PORT=str(valkey_port),
                      AGENTSTACK_BOOTSTRAP_API_KEY=KEY, AGENTSTACK_API_KEY_CACHE_TTL_S="30",
                      AGENTSTACK_INIT_USER_EMAIL="bench@example.com", AGENTSTACK_INIT_USER_PASSWORD="bench password")
    for name in ("REDIS_URL", "CLICKHOUSE_URL", "DATABASE_URL"):
        os.environ.pop(name, None)
    start_ray(dashboard_port=None, object_store_mb=256)
    try:
        deploy(load_config(ROOT / "configs" / "local.yaml", port))
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, timeout=240)
        read_key = _read_key(base)
        redis_url = f"redis://127.0.0.1:{valkey_port}/0"
        urls = {"proxy": f"ws://127.0.0.1:{port}/ws/traces?format={args.format}",
                "direct": f"ws://127.0.0.1:{direct_port(base, read_key)}/ws/traces?format={args.format}"}
        mem = (0.0, 0.0, 0.0, 0.0) if args.no_idle else idle_memory(urls["direct"], read_key)  # first: after a loaded phase the processes hold on to freed memory
        print(f"warming up ({args.rate} spans/s for 8 s)…", flush=True)
        run_phase(base, urls["direct"], read_key, redis_url, 1, args.rate, 8, 50_000_000)
        results = []
        for i, (n, via) in enumerate(plan):
            print(f"phase: {n} clients ({via}), {args.rate} spans/s for {args.seconds:.0f} s…", flush=True)
            row = run_phase(base, urls[via], read_key, redis_url, n, args.rate, args.seconds, 60_000_000 + i * 10_000_000,
                            args.profile, tag=f"{via}{n}", client_procs=args.client_procs)
            results.append({**row, "via": via if n else "—"})
    finally:
        serve.shutdown()
        ray.shutdown()

    bases = [r for r in results if r["n"] == 0] or results[:1]
    base_row = {k: statistics.mean(r[k] for r in bases) for k in ("ingest_rate", "pipeline_rate")}
    print()
    print(f"Live feed under {args.rate:,} spans/s offered, {args.seconds:.0f} s per row, one live replica, format={args.format} "
          f"(machine shared with other work; numbers move between runs)")
    header = ("clients", "via", "delay p50", "p95", "max", "ingest sp/s", "vs base", "pipeline sp/s", "vs base", "POST p95", "dropped", "not seen", "MB/s out")
    print(" | ".join(f"{h:>12}" for h in header))
    for r in results:
        d = r["delays"]
        row = (
            str(r["n"]),
            r["via"],
            f"{statistics.median(d) * 1000:.0f} ms" if d else "—",
            f"{percentile(d, 0.95) * 1000:.0f} ms" if d else "—",
            f"{max(d) * 1000:.0f} ms" if d else "—",
            f"{r['ingest_rate']:,.0f}",
            f"{(r['ingest_rate'] / base_row['ingest_rate'] - 1) * 100:+.1f}%",
            f"{r['pipeline_rate']:,.0f}",
            f"{(r['pipeline_rate'] / base_row['pipeline_rate'] - 1) * 100:+.1f}%" if base_row["pipeline_rate"] else "—",
            f"{r['post_p95_ms']:.0f} ms",
            str(r["dropped"]),
            str(r["missing"]),
            f"{r['bytes'] / 1e6 / args.seconds:.1f}",
        )
        print(" | ".join(f"{c:>12}" for c in row))
    print()
    base_fanout = statistics.mean(r["cpu"].get("live", 0.0) + r["cpu"].get("proxy", 0.0) for r in bases)
    print()
    print("Fan-out cost: CPU of the live replica + Serve's proxy above the no-client rows' mean, per span delivered")
    print("to a client (spans published × clients − dropped): fair under load, unlike the delays.")
    for r in results:
        if not r["n"]:
            continue
        extra = r["cpu"].get("live", 0.0) + r["cpu"].get("proxy", 0.0) - base_fanout
        delivered = (r["published"] * r["n"] - r["dropped"]) / args.seconds
        print(f"  {r['n']:>4} clients {r['via']:>6}: {extra:.2f} cores for {delivered:,.0f} spans delivered/s → "
              f"{extra / delivered * 1e6 if delivered else float('nan'):.2f} µs CPU per span delivered")
    print()
    print("CPU (cores) per process group, and memory, during each row (load: 1-min load average at its end):")
    names = sorted({name for r in results for name in r["cpu"]})
    print(" | ".join(f"{h:>9}" for h in ("clients", "via", *names, "live RSS", "max", "end", "proxy max", "closed", "resets", "load")))
    for r in results:
        cells = (str(r["n"]), r["via"], *(f"{r['cpu'].get(name, 0.0):.2f}" for name in names), f"{r['live_rss_start']:.0f} MB",
                 f"{r['live_rss_max']:.0f} MB", f"{r['live_rss_end']:.0f} MB", f"{r['proxy_rss_max']:.0f} MB",
                 str(r["closed"]), str(r["resets"]), f"{r['load']:.1f}")
        print(" | ".join(f"{c:>9}" for c in cells))
    live_before, live_after, proxy_before, proxy_after = mem
    print()
    print("Memory per idle client (200 idle sockets):")
    print(f"  live replica RSS {live_before:.0f} → {live_after:.0f} MB: {(live_after - live_before) * 1024 / 200:.0f} KB per client")
    print(f"  Serve proxy RSS  {proxy_before:.0f} → {proxy_after:.0f} MB: {(proxy_after - proxy_before) * 1024 / 200:.0f} KB per client")
    print("Targets: p95 ≤ 1 s at 200 clients; ingest and pipeline throughput within 10 % of the no-client baseline.")
    print(json.dumps({"delays_ms": {f'{r["n"]} {r["via"]}': [round(x * 1000) for x in sorted(r["delays"])[:: max(1, len(r["delays"]) // 20)]] for r in results}}))


if __name__ == "__main__":
    main()
