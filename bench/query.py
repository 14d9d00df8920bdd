"""Query benchmark: realistic spans generated inside ClickHouse, then p50/p95 of the explore API's queries.

    .venv/bin/python bench/query.py --spans 10000000      # the issue's size (10 M spans, ≈1 M traces)
    .venv/bin/python bench/query.py --spans 1000000       # quicker

Data (INSERT … SELECT FROM numbers(), never Python rows) into an embedded chDB store with the
platform's migrations: 10 spans a trace, 100 projects, a session every 5 traces, 1,000 users, four
models, ~1 KB inputs ("order <trace number>: " then words of an English/French/Russian vocabulary), 2 % error spans, alerts on
1 % of traces, traces spread over 7 days; plus one 20,000-span and one 100-span trace. Then each
query runs `--runs` times (rotating projects) through the same functions the API calls
(`cluster.query.*`): p50/p95 wall ms and the p50 of the process's CPU ms (the load average is
printed), against a baseline measured in the same run: the same query with ClickHouse's skip
indexes switched off (`use_skip_indexes = 0`) and, for the trace list, the per-trace aggregate
computed from `spans` instead of the `trace_summaries` view. `--path DIR` keeps the data; a later
`--path DIR --reuse` queries it again without generating.
Targets (issue 11): list and detail p95 ≤ 100 ms, search and facets p95 ≤ 500 ms. Timings never gate tests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cluster.migrations import apply_migrations  # noqa: E402
from cluster.query.filters import TraceFilter  # noqa: E402
from cluster.query.sessions import get_session  # noqa: E402
from cluster.query.traces import get_span, get_trace, list_traces, trace_facets  # noqa: E402
from cluster.store import DirectStoreClient, Store  # noqa: E402

PROJECTS = 100
BIG_TRACE, MEDIUM_TRACE = "b" * 32, "c" * 32
DAY_NS = 86_400 * 10**9
WORDS = (
    "agent tool memory retrieve plan answer model token stream ray serve span trace cost weather paris "
    "refund order invoice customer shipping delayed account password reset search document summary "
    "commande livraison facture client retard recherche réponse météo voyage "
    "заказ доставка счёт клиент задержка поиск ответ погода путешествие"
).split()


class BenchClient:
    """A StoreClient over one chDB `Store` whose reads carry fixed ClickHouse settings (the baseline switch)."""

    def __init__(self, store: Store, settings: dict[str, Any] | None = None) -> None:
        self.store, self.settings = store, settings or {}

    async def query(self, sql: str, params: dict[str, Any] | None = None, *, small: bool = False) -> list[dict[str, Any]]:
        return self.store.query(sql, params, self.settings or None)

    async def command(self, sql: str, params: dict[str, Any] | None = None) -> None:
        self.store.command(sql, params)

    async def insert(self, table: str, rows: Sequence[Sequence[Any]], columns: Sequence[str],
                     settings: dict[str, Any] | None = None) -> int:
        return self.store.insert(table, rows, columns, settings)


def _spans_sql(first: int, count: int, now_ns: int, traces: int, spans_per_trace: int = 10,
               trace_expr: str | None = None, project: str | None = None) -> str:
    """INSERT … SELECT of `count` spans starting at span number `first` (trace t = n // spans_per_trace)."""
    words = "[" + ",".join(f"'{w}'" for w in WORDS) + "]"
    trace_id = trace_expr or "lower(hex(MD5(toString(t))))"
    project_id = f"'{project}'" if project else f"concat('proj-', toString(t % {PROJECTS}))"
    return f"""
    INSERT INTO spans (project_id, trace_id, span_id, parent_span_id, name, kind, service_name, start_time, end_time,
        duration_ms, status, status_message, attributes, events, input, output, span_kind, links, resource,
        scope_name, scope_version, model, provider, input_tokens, output_tokens, cache_read_tokens,
        cache_write_tokens, reasoning_tokens, cost_usd, cost_status)
    SELECT
        {project_id} AS project_id,
        {trace_id} AS trace_id,
        substring(lower(hex(MD5(concat(trace_id, '/', toString(s))))), 1, 16) AS span_id,
        if(s = 0, '', substring(lower(hex(MD5(concat(trace_id, '/0')))), 1, 16)) AS parent_span_id,
        multiIf(s = 0, arrayElement(['support-agent', 'billing-agent', 'search-agent', 'planner'], 1 + t % 4),
                kind = 'llm', concat('chat ', model), kind = 'tool', arrayElement(['lookup', 'search', 'refund'], 1 + s % 3),
                'step') AS name,
        multiIf(s = 0, 'agent', s % 3 = 1, 'llm', s % 3 = 2, 'tool', 'chain') AS kind,
        arrayElement(['web', 'billing', 'search', 'worker'], 1 + t % 4) AS service_name,
        fromUnixTimestamp64Nano(toInt64({now_ns} - (t * {7 * DAY_NS // max(traces, 1)}) % {7 * DAY_NS} + s * 1000000), 'UTC') AS start_time,
        fromUnixTimestamp64Nano(toInt64({now_ns} - (t * {7 * DAY_NS // max(traces, 1)}) % {7 * DAY_NS} + s * 1000000
            + 1000000 * (1 + cityHash64(t, s) % 900)), 'UTC') AS end_time,
        (1 + cityHash64(t, s) % 900) AS duration_ms,
        if(cityHash64(s, t) % 50 = 0, 'ERROR', 'OK') AS status,
        '' AS status_message,
        map('session.id', concat('sess-', toString(intDiv(t, 5))), 'user.id', concat('user-', toString(t % 1000)),
            'customer.tier', arrayElement(['gold', 'silver', 'bronze'], 1 + t % 3)) AS attributes,
        '[]' AS events,
        concat('order ', toString(t), ': ',
               arrayStringConcat(arrayMap(i -> arrayElement({words}, 1 + cityHash64(t, s, i) % {len(WORDS)}), range(140)), ' ')) AS input,
        arrayStringConcat(arrayMap(i -> arrayElement({words}, 1 + cityHash64(i, t, s) % {len(WORDS)}), range(40)), ' ') AS output,
        if(kind = 'llm', 'CLIENT', 'INTERNAL') AS span_kind,
        '[]' AS links,
        map('service.name', service_name) AS resource,
        'bench' AS scope_name,
        '1' AS scope_version,
        if(kind = 'llm', arrayElement(['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet', 'gemini-1.5-pro'], 1 + (t + s) % 4), '') AS model,
        if(kind = 'llm', 'openai', '') AS provider,
        if(kind = 'llm', 200 + cityHash64(t, s) % 2000, 0) AS input_tokens,
        if(kind = 'llm', 20 + cityHash64(s, t) % 500, 0) AS output_tokens,
        0, 0, 0,
        if(kind = 'llm', input_tokens * 2.5e-6 + output_tokens * 1e-5, 0) AS cost_usd,
        if(kind = 'llm', 'priced', '') AS cost_status
    FROM (SELECT number AS n, intDiv(number, {spans_per_trace}) AS t, number % {spans_per_trace} AS s
          FROM numbers({first}, {count}))
    """


def generate(store: Store, spans: int, now_ns: int, chunk: int) -> tuple[str, str]:
    """Fill the store; returns (the 20,000-span trace id, the 100-span trace id)."""
    traces = spans // 10
    for first in range(0, spans, chunk):
        store.command(_spans_sql(first, min(chunk, spans - first), now_ns, traces))
        print(f"  {min(first + chunk, spans):>11,} spans", flush=True)
    big, medium = BIG_TRACE, MEDIUM_TRACE
    store.command(_spans_sql(0, 20_000, now_ns - 3_600 * 10**9, 1, 20_000, f"'{big}'", "proj-0"))
    store.command(_spans_sql(0, 100, now_ns - 3_600 * 10**9, 1, 100, f"'{medium}'", "proj-0"))
    store.command(f"""
        INSERT INTO security_alerts (alert_id, project_id, trace_id, span_id, rule, entity_types, severity, score, excerpt)
        SELECT toString(number), concat('proj-', toString(t % {PROJECTS})), lower(hex(MD5(toString(t)))), '', 'pii',
            ['EMAIL_ADDRESS'], arrayElement(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'], 1 + number % 4), 50, '…'
        FROM (SELECT number, number * 100 AS t FROM numbers({max(traces // 100, 1)}))
    """)
    return big, medium


def storage(store: Store) -> list[tuple[str, int, int]]:
    rows = store.query(
        "SELECT table, sum(rows) AS r, sum(bytes_on_disk) AS b FROM system.parts "
        "WHERE active AND database = currentDatabase() GROUP BY table ORDER BY b DESC"
    )
    return [(r["table"], int(r["r"]), int(r["b"])) for r in rows]


async def timed(fn: Callable[[int], Awaitable[Any]], runs: int) -> tuple[float, float, float]:
    """(p50, p95) wall ms and the p50 of the process's CPU ms (chDB runs in this process: ClickHouse's
    threads and Python's decoding both count), which a shared machine's load does not inflate."""
    samples, cpu = [], []
    await fn(0)  # warm (first read of the parts' marks)
    for i in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        await fn(i + 1)
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], statistics.median(cpu)


def cases(now_ns: int, big: str, medium: str) -> list[tuple[str, str, float, Callable[[Any, int], Awaitable[Any]]]]:
    """(name, ClickHouse features used, target p95 ms, query(client, i))."""
    def window(i: int, **kw: Any) -> TraceFilter:
        return TraceFilter(project_id=f"proj-{i % PROJECTS}", start_ns=now_ns - DAY_NS, end_ns=now_ns + 60 * 10**9, **kw)

    return [
        ("trace list (default, 50 rows)", "trace_summaries view", 100,
         lambda c, i: list_traces(c, window(i))),
        ("trace list (3 filters)", "trace_summaries view", 100,
         lambda c, i: list_traces(c, window(i, status="OK", models=("gpt-4o",), services=("web", "billing", "search")))),
        ("trace list (attr + sort by cost)", "view + bloom_filter(mapValues)", 100,
         lambda c, i: list_traces(c, window(i, attrs=(("customer.tier", "gold"),)), sort="cost")),
        ("full-text search (2 common words)", "tokenbf_v1 on lowerUTF8(input/output/name)", 500,
         lambda c, i: list_traces(c, window(i, q_tokens=("refund", "заказ")))),
        ("full-text search (an order number)", "tokenbf_v1 on lowerUTF8(input/output/name)", 500,
         lambda c, i: list_traces(c, window(i, q_tokens=("order", str(i % PROJECTS + PROJECTS * 3))))),
        ("facets (default)", "view + sumMap", 500,
         lambda c, i: trace_facets(c, window(i))),
        ("trace detail (100 spans)", "primary key (project, trace)", 100,
         lambda c, i: get_trace(c, "proj-0", medium)),
        ("trace detail (20,000 spans, first 1,000, no io)", "primary key + paging", 100,
         lambda c, i: get_trace(c, "proj-0", big, 0, 1000, with_io=False)),
        ("session detail (5 traces)", "trace_summaries view", 100,
         lambda c, i: get_session(c, f"proj-{(i * 5) % PROJECTS}", f"sess-{i}", 500)),
        ("span detail", "bloom_filter(span_id)", 100,
         lambda c, i: get_span(c, "proj-0", "{:.16}".format(__import__("hashlib").md5(f"{big}/{i % 20000}".encode()).hexdigest()))),
    ]


def _spans_based_list(store: Store, now_ns: int) -> Callable[[int], Awaitable[Any]]:
    async def run(i: int) -> Any:
        return store.query(
            "SELECT trace_id, min(start_time) AS st, count() AS n, sum(input_tokens) AS tin, sum(cost_usd) AS cost "
            "FROM spans WHERE project_id = {p:String} AND start_time >= fromUnixTimestamp64Nano({w:Int64}, 'UTC') "
            "GROUP BY trace_id ORDER BY st DESC LIMIT 50",
            {"p": f"proj-{i % PROJECTS}", "w": now_ns - DAY_NS},
        )
    return run


async def bench(store: Store, now_ns: int, big: str, medium: str, runs: int) -> list[tuple[str, ...]]:
    fast, baseline = BenchClient(store), BenchClient(store, {"use_skip_indexes": 0})
    table = []
    for name, features, target, query in cases(now_ns, big, medium):
        p50, p95, c50 = await timed(lambda i: query(fast, i), runs)
        b50, b95, _ = await timed(lambda i: query(baseline, i), runs)
        ok = "yes" if p95 <= target else "NO"
        table.append((name, f"{p50:.1f}", f"{p95:.1f}", f"{c50:.1f}", f"{b95:.1f}", f"{target:g}", ok, features))
    s50, s95, sc50 = await timed(_spans_based_list(store, now_ns), runs)
    table.append(("baseline: list aggregated from spans", f"{s50:.1f}", f"{s95:.1f}", f"{sc50:.1f}", "-", "-", "-", "no view"))
    return table


def print_table(header: Sequence[str], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in [tuple(header), *rows]) for i in range(len(header))]
    for row in [tuple(header), tuple("-" * w for w in widths), *rows]:
        print("  " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--chunk", type=int, default=1_000_000, help="spans per INSERT … SELECT")
    parser.add_argument("--path", type=Path, default=None, help="chDB data directory (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --path: query the data a previous run generated there (kept) instead of generating")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-query-") as tmp:
        path = args.path or Path(tmp)
        marker = path / "bench-query-generated"
        store = Store(f"chdb://{path}")
        asyncio.run(apply_migrations(DirectStoreClient(store)))
        if args.reuse and marker.exists():
            now_ns, spans = (int(v) for v in marker.read_text().split())
            if spans != args.spans:
                parser.error(f"{path} holds {spans:,} generated spans, not {args.spans:,}")
            big, medium = BIG_TRACE, MEDIUM_TRACE
            print(f"reusing {spans:,} spans generated in {path}", flush=True)
        else:
            now_ns = time.time_ns()
            print(f"generating {args.spans:,} spans (+20,100 in two large traces) in {path} …", flush=True)
            t0 = time.perf_counter()
            big, medium = generate(store, args.spans, now_ns, args.chunk)
            print(f"generated in {time.perf_counter() - t0:.0f} s", flush=True)
            marker.write_text(f"{now_ns} {args.spans}")
        load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        table = asyncio.run(bench(store, now_ns, big, medium, args.runs))
        print(f"\nexplore queries, {args.spans:,} spans, {args.runs} runs each (p50/p95 ms; baseline p95: skip indexes off)")
        print(f"load average before: {load_before}, after: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              f"({os.cpu_count()} cores)")
        print_table(("query", "p50", "p95", "cpu p50", "baseline p95", "target p95", "met", "ClickHouse features"), table)
        rows = storage(store)
        spans_rows = next((r for t, r, _ in rows if t == "spans"), 0)
        print(f"\nstorage (active parts), per million spans ({spans_rows:,} spans stored):")
        print_table(("table", "rows", "MB", "MB per 1M spans"),
                    [(t, f"{r:,}", f"{b / 1e6:.1f}", f"{b / 1e6 / max(spans_rows / 1e6, 1e-9):.1f}") for t, r, b in rows[:6]])
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
