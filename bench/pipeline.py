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


class SessionStartCost(CostCalculator):
    """The cost handler as it was before vectorising (measured in the same run): usage items decoded as lists,
    one `LlmUsage` per span, the batch priced with `PriceBook.price`, sums accumulated span by span."""

    @staticmethod
    def decode_entry(fields: dict[bytes, bytes]) -> list[Any]:
        return list(msgpack.unpackb(fields[b"usage"], raw=False))

    def rows_of(self, items: list[Any]) -> list[tuple[Any, ...]]:
        from actors.usage import LlmUsage

        llm = [item for item in items if item is not None]
        usages = [LlmUsage(*item[4:11]) for item in llm]
        costs = self._prices.price(usages)
        cost_list, unpriced = costs.cost_usd.tolist(), costs.unpriced.tolist()
        groups: dict[tuple[str, int, str, str], list[Any]] = {}
        for i, usage in enumerate(usages):
            item = llm[i]
            acc = groups.setdefault((item[0], int(item[3]) // (60 * 10**9) * 60, usage.provider, usage.model),
                                    [0, 0, 0, 0, 0, 0, 0, 0.0])
            acc[0] += 1
            acc[1] += 1 if unpriced[i] else 0
            acc[2] += usage.input
            acc[3] += usage.output
            acc[4] += usage.cache_read
            acc[5] += usage.cache_write
            acc[6] += usage.reasoning
            acc[7] += cost_list[i]
        return [(project, minute, provider, model, *acc) for (project, minute, provider, model), acc in groups.items()]

    async def write_items(self, items: list[Any]) -> int:
        import hashlib

        from cluster.migrations import COST_METRIC_COLUMNS

        rows = self.rows_of(items)
        digest = hashlib.sha256()
        for key in sorted(f"{i[0]}/{i[1]}/{i[2]}" for i in items if i is not None):
            digest.update(key.encode())
            digest.update(b"\n")
        if rows:
            await self._store.insert("cost_metrics", rows, COST_METRIC_COLUMNS,
                                     settings={"insert_deduplication_token": "cost-" + digest.hexdigest()})
        return len(rows)


class SessionStartWriter(SpanWriter):
    """The writer's block building as it was at this session's start (measured in the same run): one `LlmUsage`
    per LLM span, the batch priced with `PriceBook.price`, each span's usage columns packed on its own."""

    def block_of(self, items: list[Any]) -> bytes:
        from actors.usage import LlmUsage
        from actors.writer import usage_columns
        from cluster.store import pack_block

        usages = [None if item is None else LlmUsage(*item[4:11]) for _, item in items]
        costs = self._prices.price(usages)
        cost_list, priced = costs.cost_usd.tolist(), costs.priced.tolist()
        none = pack_block(("", "", 0, 0, 0, 0, 0, 0.0, ""))
        parts: list[bytes] = []
        for i, (row, _) in enumerate(items):
            parts.append(row)
            usage = usages[i]
            parts.append(none if usage is None else pack_block(usage_columns(usage, cost_list[i], priced[i])))
        return b"".join(parts)


def _url_of(redis: Any) -> str:
    kwargs = redis.connection_pool.connection_kwargs
    return f"redis://{kwargs.get('host', '127.0.0.1')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"


async def cost_rows(redis: Any, client: Any, spans: list[dict[str, Any]]) -> list[tuple[str, float, str]]:
    """The cost stage over the preloaded streams, per core: spans per CPU-second of the consumer's thread (the
    event loop: XREADGROUP and its reply parsing, decode, pricing, sums; the insert itself runs in a worker thread
    here and in the store owner in the platform, and chDB's background merges of earlier stages run in chDB's own
    threads, so process CPU would charge the cost stage for them), each handler read twice in turn (the first
    round warms the price cache), best pass kept. Wall-clock rates are noted but move with the machine's load."""
    n = len(spans)
    calc = CostCalculator(client, PriceBook.from_config(PRICING))
    before_calc = SessionStartCost(client, PriceBook.from_config(PRICING))

    async def nothing(batch: list[Any]) -> None:
        return None

    # The session started without hiredis: its rows read the streams with redis-py's pure-Python reply parser.
    import redis.asyncio as aioredis
    from redis._parsers import _AsyncRESP2Parser

    python_parser = aioredis.from_url(_url_of(redis), parser_class=_AsyncRESP2Parser)
    redis = aioredis.from_url(_url_of(redis))  # a fresh client for the default (hiredis) parser too: same footing

    async def measure(client_redis: Any, group: str, handler: Any, decode: Any) -> tuple[float, float]:
        await client.command("TRUNCATE TABLE cost_metrics")
        cpu = time.thread_time()
        wall = await consume_all(client_redis, group, handler, n, 10_000, decode)
        return n / (time.thread_time() - cpu), n / wall

    best: dict[str, tuple[float, float]] = {}
    for round_ in range(2):
        for label, reader, handler, decode in (
            ("floor", redis, nothing, calc.decode_entry),
            ("floor-py", python_parser, nothing, calc.decode_entry),
            ("spans", redis, calc.write, decode_entry),
            ("start", python_parser, before_calc.write_items, before_calc.decode_entry),
            ("start-hiredis", redis, before_calc.write_items, before_calc.decode_entry),
            ("now-py", python_parser, calc.write_items, calc.decode_entry),
            ("now", redis, calc.write_items, calc.decode_entry),
        ):
            rate = await measure(reader, f"cost-{label}-{round_}", handler, decode)
            best[label] = max(best.get(label, (0.0, 0.0)), rate)
    await python_parser.aclose()
    await redis.aclose()
    totals = await client.query("SELECT sum(spans) AS s FROM cost_metrics")  # what the last pass (now) wrote
    llm = sum(1 for span in spans if "gen_ai.request.model" in span["attributes"])
    assert totals[0]["s"] == llm, f"cost_metrics counts {totals[0]['s']} LLM spans of {llm}"
    prices = PriceBook.from_config(PRICING)
    from actors.usage import extract_usage

    t = time.thread_time()
    prices.price([extract_usage(s["attributes"]) for s in spans])
    math_rate = n / (time.thread_time() - t)
    return [
        ("floor: XREADGROUP+usage field+XACK, thread CPU", best["floor"][0], f"wall {best['floor'][1]:,.0f}/s"),
        ("  same floor, pure-Python reply parser", best["floor-py"][0], f"wall {best['floor-py'][1]:,.0f}/s"),
        ("cost before: decode spans → usage → sums, CPU", best["spans"][0], f"wall {best['spans'][1]:,.0f}/s"),
        ("cost at session start (usage field), CPU", best["start"][0],
         f"pure-Python parser, as then; wall {best['start'][1]:,.0f}/s; same run"),
        ("  session-start handler with hiredis", best["start-hiredis"][0], f"wall {best['start-hiredis'][1]:,.0f}/s"),
        ("  vectorised handler, pure-Python parser", best["now-py"][0], f"wall {best['now-py'][1]:,.0f}/s"),
        ("cost now, 1 consumer in-process", best["now"][0],
         f"per thread CPU-s; ×{best['now'][0] / best['start'][0]:.2f} vs session start; wall {best['now'][1]:,.0f}/s; "
         f"target {TARGETS['cost']:,}/actor"),
        ("cost math only (extract + numpy price)", math_rate, "per CPU-s, no I/O"),
    ]


def cost_only(n: int, redis_url: str, chdb_dir: str) -> list[tuple[str, float, str]]:
    """The cost stage alone (`--cost-only`): no writer stage before it in this process."""
    store = Store(f"chdb://{chdb_dir}")
    client = DirectStoreClient(store)
    asyncio.run(apply_migrations(client))
    spans = make_spans(n)

    async def run() -> list[tuple[str, float, str]]:
        redis = connect_redis(redis_url)
        await redis.flushdb()
        await preload(redis, spans)
        found = await cost_rows(redis, client, spans)
        await redis.aclose()
        return found

    rows = asyncio.run(run())
    store.close()
    return rows


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
    # The same floor over all n spans, its clock stopped only once the merges its parts started are done: what
    # the writer's own figure below includes too (its clock runs while chDB merges what it inserted), so the
    # two are compared on the same footing. The 4-block floor above mostly leaves its merges after its clock.
    all_blocks = [(writer.block_of(writer.items(spans[i:i + 5_000])), len(spans[i:i + 5_000])) for i in range(0, n, 5_000)]
    t, cpu = time.perf_counter(), time.process_time()
    for block, k in all_blocks:
        store.insert_block("spans", block, k, WRITE_COLUMNS, INSERT_SETTINGS)
    settle_merges(store)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    settled_floor = "floor (now, settled): chDB insert of n spans in 5,000-row blocks + their merges"
    rows.append((settled_floor, n / wall, f"{cpu / n * 1e6:.1f} µs CPU/span ({n / cpu:,.0f}/CPU-s)"))
    CPU_RATES[settled_floor] = n / cpu
    del all_blocks
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
        for table in ("spans", "trace_summaries", "span_metrics_minute"):
            store.command(f"TRUNCATE TABLE {table}")
        start_writer = SessionStartWriter(client, PriceBook.from_config(PRICING))
        cpu = time.process_time()
        t_start = await consume_all(redis, "writer-start", start_writer.write_items, n, 5000, start_writer.decode_entry)
        settle_merges(store)
        cpu = time.process_time() - cpu
        CPU_RATES["writer at session start"] = n / cpu
        rows.append(("writer at session start (same run)", n / t_start,
                     f"{cpu / n * 1e6:.1f} µs CPU/span with its merges settled ({n / cpu:,.0f}/CPU-s)"))
        for table in ("spans", "trace_summaries", "span_metrics_minute"):
            store.command(f"TRUNCATE TABLE {table}")
        settle_merges(store)
        cpu = time.process_time()
        t_write = await consume_all(redis, "writer", writer.write_items, n, 5000, writer.decode_entry)
        cpu_unsettled = time.process_time() - cpu
        settle_merges(store)
        cpu = time.process_time() - cpu
        CPU_RATES["writer now, 1 consumer in-process"] = n / cpu
        floor_cpu = next(note for name, _, note in rows if name.startswith("floor (now): chDB"))
        floor_settled = 1e6 / CPU_RATES[settled_floor]
        rows.append(("writer now, 1 consumer in-process", n / t_write,
                     f"×{t_before / t_write:.1f}; {cpu_unsettled / n * 1e6:.1f} µs CPU/span until its last ack vs the "
                     f"4-block floor {floor_cpu.split(' (')[0]} (×{cpu_unsettled / n * 1e6 / float(floor_cpu.split(' ')[0]):.2f}); "
                     f"{cpu / n * 1e6:.1f} µs with its merges settled vs the settled floor {floor_settled:.1f} µs "
                     f"(×{cpu / n * 1e6 / floor_settled:.2f}); target {TARGETS['writer']:,}/actor, ≤ 1.5× floor"))
        rows.extend(await cost_rows(redis, client, spans))
        await redis.aclose()

    asyncio.run(streams())
    stored = store.query("SELECT count() AS n FROM spans FINAL")[0]["n"]
    assert stored == n, f"writer stored {stored} of {n} spans"
    store.close()
    return rows


def settle_merges(store: Store, timeout_s: float = 120.0) -> None:
    """Wait until chDB runs no merge (three quiet looks in a row), so a CPU clock around it covers them."""
    quiet, started = 0, time.perf_counter()
    while quiet < 3 and time.perf_counter() - started < timeout_s:
        busy = store.query("SELECT count() AS c FROM system.merges")[0]["c"]
        quiet = quiet + 1 if busy == 0 else 0
        time.sleep(0.2)


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


def security_stage(n: int, redis_url: str) -> list[tuple[str, float, str]]:
    """The security pool's work per actor without Ray: one consumer reading the real streams, loading and
    saving monitor state in Valkey and scanning each batch (`SpanScanner.evaluate`), on this stage's
    ~1 KB spans and on realistic agent spans (1–4 KB, 5 % sensitive: `bench.corpus.agent_spans`).
    Baseline in the same run: the same consumer with the span prefilter off (leaf by leaf)."""
    from actors.security import MonitorStateStore, SecurityEngine, SpanScanner
    from bench.corpus import agent_spans

    rows: list[tuple[str, float, str]] = []
    analyzer = SecurityEngine(learned=False).analyzer
    loads = [("pipeline spans", make_spans(n)), ("agent spans", agent_spans(n, seed=6))]

    async def run(label: str, spans: list[dict[str, Any]], prefilter: bool, learned: bool) -> None:
        redis = connect_redis(redis_url)
        await redis.flushdb()
        await preload(redis, spans)
        scanner = SpanScanner(SecurityEngine(analyzer=None if learned else analyzer, prefilter=prefilter, learned=learned))
        state = MonitorStateStore(redis)

        async def handle(batch: list[dict[str, Any]]) -> None:
            await state.load(scanner, batch)
            scanner.evaluate(batch)
            await state.save(scanner)

        cpu = time.process_time()
        wall = await consume_all(redis, f"security-{prefilter}-{learned}", handle, len(spans), 5000)
        cpu = time.process_time() - cpu
        tier = "rules + learned" if learned else "rules"
        name = f"security {'prefilter' if prefilter else 'leaf by leaf'}, {tier}: {label}"
        rows.append((name, len(spans) / wall, f"{len(spans) / cpu:,.0f} spans/cpu-s; "
                     + ("same run baseline" if not prefilter else "target 30,000 per core (issue 16)")))

    async def all_runs() -> None:
        for label, spans in loads:
            for prefilter in (False, True):
                for learned in (False, True):
                    await run(label, spans, prefilter, learned)

    asyncio.run(all_runs())
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=100_000)
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--cost-only", action="store_true", help="only the in-process cost stage, in a fresh process")
    parser.add_argument("--security-only", action="store_true", help="only the security pool's stage (no Ray)")
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
    if args.cost_only:
        show(cost_only(args.spans, valkey.url, tempfile.mkdtemp(prefix="bench-chdb-")))
        valkey.stop()
        print(f"(load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())})")
        return
    if args.security_only:
        show(security_stage(args.spans, valkey.url))
        valkey.stop()
        return
    if not args.skip_in_process:
        show(in_process(args.spans, valkey.url, tempfile.mkdtemp(prefix="bench-chdb-")))
        show(security_stage(min(args.spans, 20_000), valkey.url))
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
                       ("  incl. its merges", "floor (now, settled): chDB insert of n spans in 5,000-row blocks + their merges"),
                       ("stream read floor", "floor (now): XREADGROUP+rows/usage fields+XACK")):
        if key in per_core:
            print(f"  {label:<20} {100_000 / per_core[key]:5.1f} cores  ({per_core[key]:,.0f} spans/s per core)")


if __name__ == "__main__":
    main()
