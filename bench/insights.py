"""Insights read benchmark: alert list, security summary, cost analytics and the overview at scale.

    flock /tmp/agentstack-ray.lock .venv/bin/python bench/insights.py                  # 10 M spans, 100 k alerts
    flock /tmp/agentstack-ray.lock .venv/bin/python bench/insights.py --spans 2000000  # smaller

Generates a project's data in an embedded chDB with `INSERT … SELECT` from `numbers()` (30 days of
spans, one LLM call in three; the cost pool's per-minute `cost_metrics`; alerts over the same
traces), a second project's data beside it (so every query has to filter), and a few hundred alert
statuses in a SQLite metadata store. Then it times the query functions behind each endpoint (the
same code the API runs, without HTTP) against baselines measured in the same run: the same
question answered by scanning `spans`. Target (issue 12): p95 ≤ 200 ms each. Timings never gate tests.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cluster.metadata import MetadataDB  # noqa: E402
from cluster.metadata.insights import AlertStatus  # noqa: E402
from cluster.metadata.models import Project  # noqa: E402
from cluster.migrations import apply_migrations  # noqa: E402
from cluster.query import analytics, overview, security  # noqa: E402
from cluster.query.filters import TraceFilter  # noqa: E402
from cluster.query.traces import list_traces  # noqa: E402
from cluster.query.windows import TimeWindow  # noqa: E402
from cluster.store import DirectStoreClient, Store  # noqa: E402

PROJECT, OTHER = "a" * 32, "b" * 32
DAYS = 30


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))


def generate(store: Store, spans: int, alerts: int, end: datetime) -> dict[str, float]:
    """Fill spans (→ trace_summaries, span_metrics_minute via their views), cost_metrics and security_alerts."""
    start_s = int((end - timedelta(days=DAYS)).timestamp())
    span_s = DAYS * 86_400
    timings: dict[str, float] = {}
    chunk = 1_000_000
    began = time.perf_counter()
    for project, count in ((PROJECT, spans), (OTHER, spans // 10)):
        for offset in range(0, count, chunk):
            n = min(chunk, count - offset)
            # 10 spans per trace; a trace's spans share its start second; every third span is an LLM call
            store.command(
                f"""
                INSERT INTO spans (project_id, trace_id, span_id, parent_span_id, name, kind, service_name, start_time,
                    end_time, duration_ms, status, status_message, attributes, events, input, output, model, provider,
                    input_tokens, output_tokens, cost_usd, cost_status)
                SELECT '{project}', lower(hex(intDiv(number, 10) + 1)) AS tid, lower(hex(number + 1)),
                    if(number % 10 = 0, '', lower(hex(number - number % 10 + 1))),
                    concat('step-', toString(number % 7)), if(number % 3 = 0, 'llm', 'tool'), concat('svc-', toString(number % 5)),
                    toDateTime64({start_s} + intDiv(number, 10) * {span_s} / {count // 10 + 1}, 9, 'UTC') AS st,
                    st + toIntervalMillisecond(10 + number % 900), 10 + number % 900,
                    if(number % 50 = 0, 'ERROR', 'OK'), '', map(), '[]', '', '',
                    if(number % 3 = 0, ['gpt-4o', 'claude-sonnet-4', 'llama-70b', 'private-x'][number % 4 + 1], ''),
                    if(number % 3 = 0, 'p', ''), if(number % 3 = 0, 500 + number % 1000, 0), if(number % 3 = 0, 50 + number % 300, 0),
                    if(number % 3 = 0 AND number % 4 != 3, (500 + number % 1000) * 2.5e-6, 0),
                    if(number % 3 = 0, if(number % 4 = 3, 'unpriced', 'priced'), '')
                FROM numbers({offset}, {n})
                """
            )
    timings["spans (with their views)"] = time.perf_counter() - began
    began = time.perf_counter()
    for project in (PROJECT, OTHER):
        store.command(
            f"""
            INSERT INTO cost_metrics
            SELECT '{project}', toDateTime({start_s} + intDiv(number, 4) * 60, 'UTC'), 'p',
                ['gpt-4o', 'claude-sonnet-4', 'llama-70b', 'private-x'][number % 4 + 1], 7, if(number % 4 = 3, 7, 0),
                7000, 1400, 100, 0, 0, if(number % 4 = 3, 0, 0.0175)
            FROM numbers({DAYS * 1440 * 4})
            """
        )
    timings["cost_metrics"] = time.perf_counter() - began
    began = time.perf_counter()
    store.command(
        f"""
        INSERT INTO security_alerts (alert_id, project_id, trace_id, span_id, rule, entity_types, severity, score, excerpt, created_at)
        SELECT lower(hex(MD5(toString(number)))), if(number % 10 = 9, '{OTHER}', '{PROJECT}'),
            lower(hex(intDiv(number * 37, 10) % {max(1, spans // 10)} + 1)), lower(hex(number * 37 + 1)),
            ['pii', 'secret', 'prompt_injection', 'loop', 'runaway_trace', 'anomaly'][number % 6 + 1],
            if(number % 6 < 2, ['EMAIL_ADDRESS'], []), ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'][number % 4 + 1],
            20 + number % 80, 'contact <EMAIL_ADDRESS> now',
            toDateTime64({start_s} + number * {span_s} / {alerts}, 3, 'UTC')
        FROM numbers({alerts})
        """
    )
    timings["security_alerts"] = time.perf_counter() - began
    return timings


def seed_statuses(db: MetadataDB, store: Store) -> int:
    rows = store.query(
        "SELECT alert_id, severity, rule, toUnixTimestamp64Milli(created_at) AS ms FROM security_alerts "
        "WHERE project_id = {p:String} ORDER BY alert_id LIMIT 500", {"p": PROJECT})
    with db.session() as s:
        s.add_all([Project(id=PROJECT, name="bench"), Project(id=OTHER, name="other")])
        s.flush()
        for i, r in enumerate(rows):
            s.add(AlertStatus(project_id=PROJECT, alert_id=r["alert_id"], status=["acknowledged", "resolved", "false_positive"][i % 3],
                              note="", severity=r["severity"], rule=r["rule"],
                              alert_created_at=datetime.fromtimestamp(int(r["ms"]) / 1000, tz=UTC), updated_by="bench"))
    return len(rows)


async def timed(fn: Callable[[], Awaitable[Any]], runs: int) -> list[float]:
    await fn()  # warm-up (caches, first parse)
    out = []
    for _ in range(runs):
        began = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - began) * 1000)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) >= 2 else values[0]


async def measure(store: Store, db: MetadataDB, end: datetime, runs: int) -> list[list[str]]:
    client = DirectStoreClient(store)
    month = TimeWindow(end - timedelta(days=DAYS), end)
    day = TimeWindow(end - timedelta(days=1), end)
    flt = security.AlertFilter(PROJECT, month)
    p = {"p": PROJECT, **month.params()}

    async def with_session(fn: Callable[[Any], Awaitable[Any]]) -> Any:
        with db.session() as s:
            return await fn(s)

    cases: list[tuple[str, Callable[[], Awaitable[Any]], str]] = [
        ("alert list (30 d, newest 50)", lambda: with_session(lambda s: security.list_alerts(client, s, flt)), "target"),
        ("alert list, status=open & CRITICAL", lambda: with_session(lambda s: security.list_alerts(
            client, s, security.AlertFilter(PROJECT, month, ("CRITICAL",), statuses=("open",)))), "target"),
        ("security summary (30 d, daily)", lambda: with_session(lambda s: security.summary(client, s, flt, "day")), "target"),
        ("cost analytics (30 d, hourly, by model)", lambda: analytics.cost(client, PROJECT, month, "hour", "model"), "target"),
        ("overview cards + sparklines (24 h)", lambda: overview.overview(client, PROJECT, day, "hour"), "target"),
        ("overview cards + sparklines (30 d)", lambda: overview.overview(client, PROJECT, month, "day"), "target"),
        # what GET /overview runs for its recent traces: the trace list's query over the window
        ("overview recent traces (10)", lambda: list_traces(client, TraceFilter(
            PROJECT, int(day.start.timestamp() * 1e9), int(day.end.timestamp() * 1e9)), page_size=10), "target"),
        ("overview open alerts by severity (30 d)", lambda: with_session(lambda s: security.open_by_severity(client, s, flt)), "target"),
        ("baseline: cost by model & hour from spans", lambda: client.query(
            "SELECT toStartOfHour(start_time) AS t, model, sum(cost_usd), sum(input_tokens), count() FROM spans "
            "WHERE project_id = {p:String} AND start_time >= {ws:DateTime64(3)} AND start_time < {we:DateTime64(3)} "
            "AND cost_status != '' GROUP BY t, model", p), "baseline"),
        ("baseline: overview cards from spans (30 d)", lambda: client.query(
            "SELECT uniqExact(trace_id), countIf(status = 'ERROR') / count(), avgIf(duration_ms, parent_span_id = ''), "
            "quantileIf(0.95)(duration_ms, parent_span_id = '') FROM spans WHERE project_id = {p:String} "
            "AND start_time >= {ws:DateTime64(3)} AND start_time < {we:DateTime64(3)}", p), "baseline"),
    ]
    rows = []
    for name, fn, kind in cases:
        values = await timed(fn, runs)
        ok = "" if kind == "baseline" else ("✓" if p95(values) <= 200 else "✗ > 200 ms")
        rows.append([name, f"{statistics.median(values):.1f}", f"{p95(values):.1f}", f"{max(values):.1f}", ok])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", type=int, default=10_000_000, help="spans of the measured project (default 10 M)")
    parser.add_argument("--alerts", type=int, default=100_000, help="security alerts (default 100 k)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query (after one warm-up)")
    args = parser.parse_args()
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    with tempfile.TemporaryDirectory(prefix="agentstack-bench-insights-") as tmp:
        store = Store(f"chdb://{tmp}/chdb")
        asyncio.run(apply_migrations(DirectStoreClient(store)))
        timings = generate(store, args.spans, args.alerts, end)
        store.command("OPTIMIZE TABLE security_alerts FINAL")
        db = MetadataDB(f"sqlite:///{tmp}/metadata.db")
        db.migrate()
        statuses = seed_statuses(db, store)
        counts = {t: store.query(f"SELECT count() AS n FROM {t}")[0]["n"] for t in
                  ("spans", "trace_summaries", "span_metrics_minute", "cost_metrics", "security_alerts")}
        table("Generated (INSERT … SELECT; two projects, the second a tenth of the first)", ["table", "rows", "seconds"],
              [[t, f"{n:,}", f"{timings.get(t, timings.get('spans (with their views)', 0)) if t == 'spans' else timings.get(t, 0):.1f}"
                if t in ("spans", "cost_metrics", "security_alerts") else ""] for t, n in counts.items()]
              + [["alert statuses (SQLite)", str(statuses), ""]])
        rows = asyncio.run(measure(store, db, end, args.runs))
        table(f"Query latency, ms ({args.runs} runs each; {args.spans:,} spans, {args.alerts:,} alerts; target p95 ≤ 200 ms)",
              ["query", "p50", "p95", "max", "target"], rows)
        db.dispose()
        store.close()


if __name__ == "__main__":
    main()
