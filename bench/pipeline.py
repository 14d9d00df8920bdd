"""Pipeline benchmark: writer and cost throughput per actor (1 vs 2 actors), end to end, visibility latency.

    .venv/bin/python bench/pipeline.py [--spans 200000] [--skip-e2e]

Stages, each against a baseline measured in the same run:

* in-process (one core, no Ray): the writer and the cost calculator consuming real Valkey streams
  into a real chDB, next to the bare floors (chDB insert of pre-built rows; XREADGROUP+XACK+decode);
* Ray pools of 1 and 2 actors of each kind, through the embedded store-owner actor (scaling measured);
* end to end: the real stack (Serve ingest → Valkey → writer/cost pools → chDB → query API), native
  msgpack ingest; visibility latency = span accepted → readable through `GET /api/v1/traces/{id}`.

Timings on a shared 2-core machine move a lot between runs; never gate anything on them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import msgpack  # noqa: E402

from actors.consumer import StreamConsumer, decode_entry  # noqa: E402
from actors.cost import CostCalculator  # noqa: E402
from actors.pricing import PriceBook  # noqa: E402
from actors.writer import INSERT_SETTINGS, WRITE_COLUMNS, SpanWriter  # noqa: E402
from cluster.bus import connect_redis, publish_spans  # noqa: E402
from cluster.migrations import apply_migrations  # noqa: E402
from cluster.store import DirectStoreClient, Store  # noqa: E402
from cluster.streams import ingest_stream, partition_for  # noqa: E402
from cluster.valkey import EmbeddedValkey  # noqa: E402

PRICING = ROOT / "configs" / "pricing.yaml"
T0 = time.time_ns() - 3_600 * 10**9  # an hour ago: inside any retention window
PARTITIONS = 4
TARGETS = {"writer": 150_000, "cost": 300_000, "e2e": 20_000}
#: Spans per CPU-second of the stages measured in CPU time (wall rates on a shared machine mislead).
CPU_RATES: dict[str, float] = {}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_spans(n: int, offset: int = 0, project: str = "bench") -> list[dict[str, Any]]:
    """Agent-like spans (~1 KB): every third an LLM call with usage, others tools and agents."""
    out = []
    models = [("openai", "gpt-4o"), ("anthropic", "claude-sonnet-4-20250514"), ("openai", "o3"), ("", "mystery-model")]
    for i in range(offset, offset + n):
        trace = f"{i // 4:032x}"
        kind = ("agent", "llm", "tool", "llm")[i % 4]
        attrs: dict[str, Any] = {"agent.step": i % 17, "tool.name": "search", "session.id": f"s{i % 97}"}
        if kind == "llm":
            provider, model = models[i % len(models)]
            attrs.update({"gen_ai.provider.name": provider, "gen_ai.request.model": model,
                          "gen_ai.usage.input_tokens": 1200 + i % 300, "gen_ai.usage.output_tokens": 200 + i % 50,
                          "gen_ai.usage.cache_read.input_tokens": 400, "gen_ai.usage.reasoning.output_tokens": 30})
        out.append({
            "project_id": project, "trace_id": trace, "span_id": f"{i + 1:016x}",
            "parent_span_id": None if i % 4 == 0 else f"{i - i % 4 + 1:016x}", "name": f"{kind}.step", "kind": kind,
            "service_name": "bench-agent", "start_time": T0 + i * 1000, "end_time": T0 + i * 1000 + 5_000_000,
            "status": "ERROR" if i % 50 == 0 else "OK", "status_message": "", "attributes": attrs, "events": [],
            "input": '{"query": "' + "what is the weather like in Paris today " * 6 + '"}',
            "output": '{"answer": "' + "sunny with light clouds and a gentle breeze " * 6 + '"}',
        })
    return out


async def preload(redis: Any, spans: list[dict[str, Any]], per_entry: int = 100) -> None:
    by_partition: dict[int, list[dict[str, Any]]] = {}
    for span in spans:
        by_partition.setdefault(partition_for(span["trace_id"], PARTITIONS), []).append(span)
    for partition, items in by_partition.items():
        for i in range(0, len(items), per_entry):
            await publish_spans(redis, {partition: items[i:i + per_entry]})


async def consume_all(redis: Any, group: str, handler: Any, total: int, max_spans: int, decode: Any = decode_entry) -> float:
    consumer = StreamConsumer(redis, group, f"{group}-bench", [ingest_stream(p) for p in range(PARTITIONS)], handler,
                              count=50, block_ms=50, max_spans=max_spans, linger_ms=100, decode=decode)
    await consumer.ensure_groups()
    started = time.perf_counter()
    done = 0
    while done < total:
        done += await consumer.poll_once()
    return time.perf_counter() - started


def in_process(n: int, redis_url: str, chdb_dir: str) -> list[tuple[str, float, str]]:
    """Per-core rates without Ray: baselines and the two handlers over real streams and chDB."""
    store = Store(f"chdb://{chdb_dir}")
    client = DirectStoreClient(store)
    asyncio.run(apply_migrations(client))
    spans = make_spans(n)
    rows: list[tuple[str, float, str]] = []

    writer = SpanWriter(client, PriceBook.from_config(PRICING))
    prebuilt = writer.rows(spans[:20_000])
    t = time.perf_counter()
    for i in range(0, len(prebuilt), 10_000):
        store.insert("spans", prebuilt[i:i + 10_000], WRITE_COLUMNS)
    rows.append(("floor (before): chDB insert of pre-built row tuples", len(prebuilt) / (time.perf_counter() - t), "floor"))
    store.command("TRUNCATE TABLE spans")
    # The insert floor at the writer's block size (5,000: the batches below), with and without its settings.
    blocks = [writer.block_of(writer.items(spans[i:i + 5_000])) for i in range(0, 20_000, 5_000)]
    for label, settings in (("floor (before): chDB insert of a MsgPack block", None),
                            ("floor (now): chDB insert of a MsgPack block", INSERT_SETTINGS)):
        for table in ("spans", "trace_summaries", "span_metrics_minute"):
            store.command(f"TRUNCATE TABLE {table}")
        t, cpu = time.perf_counter(), time.process_time()
        for block in blocks:
            store.insert_block("spans", block, 5_000, WRITE_COLUMNS, settings)
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        rows.append((label, 20_000 / wall, f"{cpu / 20_000 * 1e6:.1f} µs CPU/span ({20_000 / cpu:,.0f}/CPU-s)"))
        CPU_RATES[label] = 20_000 / cpu
    for table in ("spans", "trace_summaries", "span_metrics_minute"):
        store.command(f"TRUNCATE TABLE {table}")

    async def streams() -> None:
        redis = connect_redis(redis_url)
        await redis.flushdb()
        await preload(redis, spans)

        async def nothing(batch: list[dict[str, Any]]) -> None:
            return None

        t_read = await consume_all(redis, "baseline", nothing, n, 5000)
        rows.append(("floor (before): XREADGROUP+decode spans+XACK", n / t_read, "floor"))
        t_read_rows = await consume_all(redis, "baseline-now", nothing, n, 5000, writer.decode_entry)
        rows.append(("floor (now): XREADGROUP+rows/usage fields+XACK", n / t_read_rows, "floor"))

        async def write_before(batch: list[dict[str, Any]]) -> None:  # the previous writer: row tuples → insert
            await client.insert("spans", writer.rows(batch), WRITE_COLUMNS)

        t_before = await consume_all(redis, "writer-before", write_before, n, 5000)
        rows.append(("writer before: spans → row tuples → insert", n / t_before, "same run"))
        store.command("TRUNCATE TABLE spans")
        cpu = time.process_time()
        t_write = await consume_all(redis, "writer", writer.write_items, n, 5000, writer.decode_entry)
        cpu = time.process_time() - cpu
        CPU_RATES["writer now, 1 consumer in-process"] = n / cpu
        floor_cpu = next(note for name, _, note in rows if name.startswith("floor (now): chDB"))
        rows.append(("writer now, 1 consumer in-process", n / t_write,
                     f"×{t_before / t_write:.1f}; {cpu / n * 1e6:.1f} µs CPU/span ({n / cpu:,.0f}/CPU-s) vs floor "
                     f"{floor_cpu.split(' (')[0]}; target {TARGETS['writer']:,}/actor, ≤ 1.5× floor"))
        calc = CostCalculator(client, PriceBook.from_config(PRICING))
        t_cost_before = await consume_all(redis, "cost-before", calc.write, n, 10_000)
        rows.append(("cost before: decode spans → usage → sums", n / t_cost_before, "same run"))
        store.command("TRUNCATE TABLE cost_metrics")
        t_cost = await consume_all(redis, "cost", calc.write_items, n, 10_000, calc.decode_entry)
        rows.append(("cost now, 1 consumer in-process", n / t_cost,
                     f"×{t_cost_before / t_cost:.1f}; target {TARGETS['cost']:,}/actor"))
        prices = PriceBook.from_config(PRICING)
        from actors.usage import extract_usage

        t = time.perf_counter()
        prices.price([extract_usage(s["attributes"]) for s in spans])
        rows.append(("cost math only (extract + numpy price)", n / (time.perf_counter() - t), "no I/O"))
        await redis.aclose()

    asyncio.run(streams())
    stored = store.query("SELECT count() AS n FROM spans FINAL")[0]["n"]
    assert stored == n, f"writer stored {stored} of {n} spans"
    store.close()
    return rows


def steady_writer(redis_url: str, chdb_dir: str, rate: int = 3_000, seconds: float = 10.0) -> list[tuple[str, float, str]]:
    """The writer under a steady stream (ingest's 128-span entries at `rate` spans/s): inserts and CPU per span.

    `linger 0` is what the consumer did before `linger_ms` counted from a batch's first entry (a batch
    took what was in the stream: one insert per round trip); `linger 200 ms` is the writer pool's
    default now. CPU is this process's (reads, the writer, and chDB's insert and merge threads).
    """
    from cluster.bus import entry_fields

    store = Store(f"chdb://{chdb_dir}")
    client = DirectStoreClient(store)
    asyncio.run(apply_migrations(client))
    writer = SpanWriter(client, PriceBook.from_config(PRICING))
    n = int(rate * seconds)
    rows: list[tuple[str, float, str]] = []
    per_entry = 128

    async def run(linger_ms: int, offset: int) -> tuple[float, int, float, float]:
        redis = connect_redis(redis_url)
        await redis.flushdb()
        spans = make_spans(n, offset=offset)
        entries = [(ingest_stream(i % PARTITIONS), entry_fields(spans[j:j + per_entry]))
                   for i, j in enumerate(range(0, n, per_entry))]
        inserts, handled = 0, 0
        published: list[float] = []  # when each entry was added
        handled_at: list[tuple[int, float]] = []  # (spans handled so far, when)

        async def counted(items: list[Any]) -> None:
            nonlocal inserts, handled
            inserts += 1
            await writer.write_items(items)
            handled += len(items)
            handled_at.append((handled, time.perf_counter()))

        consumer = StreamConsumer(redis, "steady", "w0", [ingest_stream(p) for p in range(PARTITIONS)], counted,
                                  count=100, block_ms=200, max_spans=20_000, linger_ms=linger_ms,
                                  decode=writer.decode_entry)
        await consumer.ensure_groups()

        async def produce() -> None:
            started = time.perf_counter()
            for i, (stream, fields) in enumerate(entries):
                await asyncio.sleep(max(0.0, started + i * per_entry / rate - time.perf_counter()))
                published.append(time.perf_counter())
                await redis.xadd(stream, fields)  # type: ignore[arg-type]

        cpu = time.process_time()
        producing = asyncio.ensure_future(produce())
        done = 0
        while done < n:
            done += await consumer.poll_once()
        await producing
        await asyncio.sleep(3.0)  # the merges the inserts left behind
        cpu = time.process_time() - cpu
        await redis.aclose()
        # an entry's latency: from its XADD until the batch that made the handled count cover it was stored
        # (entries are read in about the order they were added; good to a batch)
        latencies, k = [], 0
        for i, at in enumerate(published):
            need = min((i + 1) * per_entry, n)
            while handled_at[k][0] < need:
                k += 1
            latencies.append(handled_at[k][1] - at)
        latencies.sort()
        return cpu / n * 1e6, inserts, latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]

    for label, linger, offset in (("linger 0 (before)", 0, 40_000_000), ("linger 200 ms (now)", 200, 50_000_000),
                                  ("linger 500 ms", 500, 60_000_000)):
        for table in ("spans", "trace_summaries", "span_metrics_minute"):
            store.command(f"TRUNCATE TABLE {table}")
        cpu_us, inserts, p50, p99 = asyncio.run(run(linger, offset))
        rows.append((f"writer at {rate:,} spans/s steady, {label}", 1e6 / cpu_us,
                     f"spans/CPU-s; {cpu_us:.1f} µs CPU/span, {inserts} inserts ({n / inserts:,.0f} spans each); "
                     f"XADD → stored p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"))
    store.close()
    return rows


def ray_pools(n: int, redis_url: str, data_dir: str, kinds: tuple[str, ...] = ("writer_floor", "writer", "cost")
              ) -> list[tuple[str, float, str]]:
    """1 vs 2 actors of each kind as real Ray actors, through the embedded store-owner actor.

    `writer_floor` is the writer with its store write stubbed to a fixed wait (`bench.writer_floor`): the
    consumer side's own scaling, as with an external ClickHouse that takes inserts in parallel.
    """
    import ray

    from actors.pool import ActorPool
    from actors.pool_config import PoolSpec
    from cluster.settings import PlatformSettings
    from cluster.store import ActorStoreClient
    from cluster.store_owner import start_store_owner

    # bench.writer_floor: the `writer_floor` kind (the writer with its store write stubbed to a floor)
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=256 * 1024 * 1024, logging_level="WARNING",
             runtime_env={"env_vars": {"PYTHONPATH": str(ROOT), "AGENTSTACK_HANDLER_MODULES": "bench.writer_floor"}})
    settings = PlatformSettings(data_dir=Path(data_dir), redis_url=redis_url, partitions=PARTITIONS,
                                namespace="bench", pricing_config=PRICING)
    owner = start_store_owner(settings)
    ray.get(owner.ping.remote())
    store = ActorStoreClient("bench")
    asyncio.run(apply_migrations(store))
    spans = make_spans(n, offset=10_000_000)
    rows = []

    def actor_cpu_s(pids: list[int]) -> float:
        total = 0.0
        for pid in pids:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    owner_pid = int(ray.get(owner.status.remote())["pid"])
    owner_cpu: dict[tuple[str, int], float] = {}

    async def measure(kind: str, actors: int) -> tuple[float, float]:
        """(spans/s drained from the first acknowledged batch on, CPU µs per span in the pool's actors).

        The backlog is in the streams before the actors start, and the clock starts at their first
        acknowledged batch, so actor start-up is not counted; 100 spans per entry (`preload`).
        """
        redis = connect_redis(redis_url)
        await redis.flushdb()
        await store.command("TRUNCATE TABLE spans")
        spec = PoolSpec(name=f"{kind}", kind=kind, min_actors=actors, max_actors=actors, max_spans=5000, linger_ms=100,
                        count=50, block_ms=50, num_cpus=0.5)
        pool = ActorPool(settings, spec)
        await pool.ensure_group(redis)
        await preload(redis, spans)
        total = sum((await pool.backlog(redis)).values())
        await pool.start()
        while (first := sum((await pool.backlog(redis)).values())) >= total:
            await asyncio.sleep(0.01)
        t = time.perf_counter()
        pids = [int(a["pid"]) for a in (await pool.status())["actors"] if "pid" in a]
        cpu, cpu_owner = actor_cpu_s(pids), actor_cpu_s([owner_pid])
        while sum((await pool.backlog(redis)).values()) > 0:
            await asyncio.sleep(0.02)
        elapsed, cpu = time.perf_counter() - t, actor_cpu_s(pids) - cpu
        owner_cpu[(kind, actors)] = (actor_cpu_s([owner_pid]) - cpu_owner) / (first * 100) * 1e6
        await pool.stop()
        await redis.aclose()
        drained = first * 100
        return drained / elapsed, cpu / drained * 1e6

    for kind in kinds:
        before = ray.get(owner.status.remote())
        one, cpu_one = asyncio.run(measure(kind, 1))
        mid = ray.get(owner.status.remote())
        two, cpu_two = asyncio.run(measure(kind, 2))
        after = ray.get(owner.status.remote())
        target = TARGETS.get(kind.split("_")[0], 0)
        note = f"{cpu_one:.1f} µs CPU/span in the actor ({1e6 / cpu_one:,.0f}/actor-core)"
        note += "; store stubbed (fixed wait, no CPU)" if kind == "writer_floor" else f"; target {target:,}/actor"
        if kind == "writer":
            note += (f"; store owner {owner_cpu[(kind, 1)]:.1f} µs/span, {mid['block_rows_stored'] - before['block_rows_stored']:,}"
                     f" rows in {mid['block_inserts'] - before['block_inserts']} inserts")
        rows.append((f"{kind} pool, 1 Ray actor", one, note))
        note = f"scaling ×{two / one:.2f}; {cpu_two:.1f} µs CPU/span in the actors"
        if kind == "writer":
            note += (f"; store owner {owner_cpu[(kind, 2)]:.1f} µs/span; group commit: "
                     f"{after['blocks_stored'] - mid['blocks_stored']} blocks in "
                     f"{after['block_inserts'] - mid['block_inserts']} inserts")
        rows.append((f"{kind} pool, 2 Ray actors", two, note))
    ray.shutdown()
    return rows


def _read_key(base: str) -> str:
    """Log in as the init user and create a read key of the default project (what scripts read with)."""
    import json
    import urllib.request

    def call(method: str, path: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body else None, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    token = call("POST", "/api/v1/auth/login", {"email": "bench@example.com", "password": "bench password"})["access_token"]
    project = next(p for p in call("GET", "/api/v1/auth/me", {}, token)["projects"] if p["name"] == "default")
    return call("POST", f"/api/v1/projects/{project['id']}/keys", {"name": "bench reads", "scope": "read"}, token)["key"]


def end_to_end(n: int) -> tuple[list[tuple[str, float, str]], dict[str, list[float]]]:
    """The whole stack on this machine: ingest → streams → pools → chDB → query API."""
    import urllib.error
    import urllib.request

    import ray
    from ray import serve

    from cluster.launcher import deploy, load_config, start_ray, wait_until_healthy

    key = "ak_bench_key_0123456789abcdef0123"
    data = tempfile.mkdtemp(prefix="agentstack-bench-")
    port = free_port()
    os.environ.update(AGENTSTACK_DATA_DIR=data, AGENTSTACK_VALKEY_PORT=str(free_port()),
                      AGENTSTACK_BOOTSTRAP_API_KEY=key, AGENTSTACK_API_KEY_CACHE_TTL_S="30",
                      AGENTSTACK_INIT_USER_EMAIL="bench@example.com", AGENTSTACK_INIT_USER_PASSWORD="bench password")
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CLICKHOUSE_URL", None)
    start_ray(dashboard_port=None, object_store_mb=256)
    deploy(load_config(ROOT / "configs" / "local.yaml", port))
    base = f"http://127.0.0.1:{port}"
    wait_until_healthy(base, timeout=240)
    read_key = _read_key(base)  # the ingest key agents carry cannot read

    def post(spans: list[dict[str, Any]]) -> None:
        wire = [{k: v for k, v in s.items() if k != "project_id"} for s in spans]
        req = urllib.request.Request(base + "/v1/traces", data=msgpack.packb({"spans": wire}), method="POST",
                                     headers={"X-API-Key": key, "Content-Type": "application/msgpack"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 202

    def visible(trace_id: str) -> bool:
        req = urllib.request.Request(f"{base}/api/v1/traces/{trace_id}", headers={"X-API-Key": read_key})
        try:
            with urllib.request.urlopen(req, timeout=10):
                return True
        except urllib.error.HTTPError:
            return False

    def total_traces() -> int:
        req = urllib.request.Request(f"{base}/api/v1/traces?page_size=1", headers={"X-API-Key": read_key})
        with urllib.request.urlopen(req, timeout=30) as resp:
            import json

            return int(json.loads(resp.read())["total"])

    from concurrent.futures import ThreadPoolExecutor

    import threading

    def probe_once(i: int) -> float:
        probe = make_spans(4, offset=30_000_000 + i * 4)
        started = time.perf_counter()
        post(probe)
        while not visible(probe[0]["trace_id"]):
            time.sleep(0.01)
        return time.perf_counter() - started

    loaded: list[float] = []
    stop = threading.Event()

    def probe_under_load() -> None:  # one small trace every 0.25 s while the bulk load runs
        i = 0
        while not stop.is_set():
            loaded.append(probe_once(i))
            i += 1
            time.sleep(0.25)

    spans = make_spans(n, offset=20_000_000)
    batches = [spans[i:i + 1000] for i in range(0, n, 1000)]
    prober = threading.Thread(target=probe_under_load, daemon=True)
    t = time.perf_counter()
    prober.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(post, batches))
    accepted_s = time.perf_counter() - t
    want = n // 4
    while total_traces() < want:
        time.sleep(0.05)
    queryable_s = time.perf_counter() - t
    stop.set()
    prober.join()

    idle = [probe_once(100_000 + i) for i in range(40)]  # an idle pipeline: one small trace at a time
    serve.shutdown()
    ray.shutdown()
    rows = [
        ("e2e: accepted by ingest (202)", n / accepted_s, "HTTP + validate + XADD"),
        ("e2e: accepted → all queryable", n / queryable_s, f"target {TARGETS['e2e']:,} on 2 cores"),
    ]
    return rows, {"under load": loaded, "idle": idle}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--skip-steady", action="store_true", help="skip the steady-rate writer stage")
    parser.add_argument("--kinds", default="writer_floor,writer,cost", help="pool kinds for the Ray stage")
    args = parser.parse_args()

    print(f"\nAgentStack pipeline benchmark — {args.spans:,} spans (~1 KB), {os.cpu_count()} cores (shared machine)\n")
    print(f"{'stage':<48} {'spans/s':>12}  note")
    print("-" * 96, flush=True)
    rows: list[tuple[str, float, str]] = []

    def show(new: list[tuple[str, float, str]]) -> None:
        rows.extend(new)
        for name, rate, note in new:
            print(f"{name:<48} {rate:>12,.0f}  {note}", flush=True)

    valkey = EmbeddedValkey(Path(tempfile.mkdtemp(prefix="bench-valkey-")), free_port())
    valkey.start()
    if not args.skip_in_process:
        show(in_process(args.spans, valkey.url, tempfile.mkdtemp(prefix="bench-chdb-")))
    if not args.skip_steady:
        show(steady_writer(valkey.url, tempfile.mkdtemp(prefix="bench-steady-")))
    if not args.skip_ray:
        show(ray_pools(args.spans, valkey.url, tempfile.mkdtemp(prefix="bench-ray-"), tuple(args.kinds.split(","))))
    valkey.stop()
    latencies: dict[str, list[float]] = {}
    if not args.skip_e2e:
        e2e_rows, latencies = end_to_end(args.spans)
        show(e2e_rows)
    for label, values in latencies.items():
        if not values:
            continue
        values.sort()
        p50 = values[len(values) // 2]
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(f"\nvisibility latency {label} (accepted → readable via query API): p50 {p50 * 1000:.0f} ms, "
              f"p99 {p99 * 1000:.0f} ms (target p99 < 2000 ms; {len(values)} probes)")
    per_core = {name: rate for name, rate, _ in rows}
    per_core.update(CPU_RATES)
    print("\ncores for 100k spans/s at the measured per-core rates (CPU time where measured, else wall):")
    for label, key in (("writer", "writer now, 1 consumer in-process"), ("cost", "cost now, 1 consumer in-process"),
                       ("chDB insert floor", "floor (now): chDB insert of a MsgPack block"),
                       ("stream read floor", "floor (now): XREADGROUP+rows/usage fields+XACK")):
        if key in per_core:
            print(f"  {label:<20} {100_000 / per_core[key]:5.1f} cores  ({per_core[key]:,.0f} spans/s per core)")


if __name__ == "__main__":
    main()
