"""Cost analytics, latency, errors, top traces, prices and the overview over HTTP, on a generated workload
that went through the real ingest app and the writer and cost pools' handlers (real Redis, chDB)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from actors.consumer import StreamConsumer
from actors.handlers import HandlerContext, build_handler, entry_decoder
from actors.pricing import PriceBook
from cluster.bus import connect_redis
from cluster.streams import COST_GROUP, WRITER_GROUP, ingest_stream
from tests.integration.test_accounts_isolation import World, codes, run_world

LLAMA = ("agentstack-selfhosted-llama-70b", "self-hosted")  # priced by configs/pricing.yaml (per Mtok below)
LLAMA_PRICES = {"in": 0.20, "out": 0.40, "cache_read": 0.05, "cache_write": 0.20, "reasoning": 0.40}
PRIVATE = ("my-private-model", "acme")  # no price anywhere


def workload(seed: int, start_ns: int, n: int) -> tuple[list[dict], dict]:
    """`n` traces of one root span + one LLM span each (every 5th trace fails), and the hand-computed totals."""
    rng = random.Random(seed)
    spans, expected = [], {"llama_cost": 0.0, "llama_calls": 0, "private_in": 0, "private_out": 0, "private_calls": 0,
                           "errors": 0, "traces": n, "spans": 2 * n}
    for i in range(n):
        trace = f"{seed:08x}{i:024x}"
        t = start_ns + i * 60 * 10**9  # one trace a minute
        model, provider = LLAMA if i % 3 else PRIVATE
        inp, out = rng.randint(100, 5000), rng.randint(10, 2000)
        cache_read, cache_write, reasoning = rng.randint(0, inp // 3), rng.randint(0, inp // 4), rng.randint(0, out // 2)
        failed = i % 5 == 0
        spans.append({"trace_id": trace, "span_id": f"{i:015x}a", "name": f"agent-{i % 4}", "kind": "agent",
                      "service_name": "svc-a" if i % 2 else "svc-b", "start_time": t, "end_time": t + (100 + i) * 10**6,
                      "status": "ERROR" if failed else "OK"})
        spans.append({"trace_id": trace, "span_id": f"{i:015x}b", "parent_span_id": f"{i:015x}a", "name": "llm", "kind": "llm",
                      "service_name": "svc-a" if i % 2 else "svc-b", "start_time": t + 10**6, "end_time": t + 50 * 10**6,
                      "attributes": {"gen_ai.request.model": model, "gen_ai.provider.name": provider, "user.id": f"user-{i % 2}",
                                     "gen_ai.usage.input_tokens": inp, "gen_ai.usage.output_tokens": out,
                                     "gen_ai.usage.cache_read.input_tokens": cache_read,
                                     "gen_ai.usage.cache_creation.input_tokens": cache_write,
                                     "gen_ai.usage.reasoning.output_tokens": reasoning}})
        expected["errors"] += failed
        if model == LLAMA[0]:
            p = LLAMA_PRICES
            expected["llama_cost"] += ((inp - cache_read - cache_write) * p["in"] + cache_read * p["cache_read"]
                                       + cache_write * p["cache_write"] + (out - reasoning) * p["out"] + reasoning * p["reasoning"]) / 1e6
            expected["llama_calls"] += 1
        else:
            expected["private_in"] += inp
            expected["private_out"] += out
            expected["private_calls"] += 1
            expected.setdefault("private", []).append((inp, out, cache_read, cache_write, reasoning))
    return spans, expected


async def run_pools(w: World, redis_url: str) -> None:
    """The writer and cost pools' handlers (with configs/pricing.yaml, as the platform builds them) over every partition."""
    redis = connect_redis(redis_url)
    ctx = HandlerContext(w.settings, w.store, redis, PriceBook.from_config(w.settings.pricing_config))
    streams = [ingest_stream(p) for p in range(w.settings.partitions)]
    for group in (WRITER_GROUP, COST_GROUP):
        handler, sink = build_handler(group, ctx)
        consumer = StreamConsumer(
            redis, group, f"{group}-test", streams, handler, block_ms=20, max_spans=10_000, decode=entry_decoder(sink)
        )
        await consumer.ensure_groups()
        for _ in range(6):
            await consumer.poll_once()
    await redis.aclose()


@pytest.fixture
def settings(metadata_settings):
    return metadata_settings.model_copy(update={"partitions": 2})


def test_cost_latency_errors_prices_and_overview_match_the_workload(redis_url, store, settings):
    # well before test_accounts_isolation.NOW (an hour before collection), whose spans the shared world may send
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=6)
    spans, expected = workload(7, int(start.timestamp()) * 10**9, 90)

    async def scenario(w: World) -> None:
        alice, bob = w.people["alice"], w.people["bob"]
        A = w.ids["A"]
        for i in range(0, len(spans), 60):
            assert (await w.send(w.keys["A_ingest"], *spans[i:i + 60])).status_code == 202
        await run_pools(w, redis_url)
        window = f"project_id={A}&start={start.isoformat().replace('+00:00', 'Z')}&end={(start + timedelta(hours=2)).isoformat().replace('+00:00', 'Z')}"

        cost = await alice.get(f"/api/v1/analytics/cost?{window}")
        assert cost.status_code == 200, cost.text
        body = cost.json()
        assert body["bucket"] == "minute" and body["group_by"] == "model"  # 2 h window → per minute, automatically
        llama = next(g for g in body["groups"] if g["key"] == LLAMA[0])
        assert llama["cost_usd"] == pytest.approx(expected["llama_cost"], rel=1e-9) and llama["calls"] == expected["llama_calls"]
        assert body["totals"]["cost_usd"] == pytest.approx(expected["llama_cost"], rel=1e-9)
        assert sum(p["cost_usd"] for p in body["series"]) == pytest.approx(expected["llama_cost"], rel=1e-9)
        assert body["unpriced_models"] == [{
            "model": PRIVATE[0], "provider": PRIVATE[1], "calls": expected["private_calls"],
            "input_tokens": expected["private_in"], "output_tokens": expected["private_out"],
            "cache_read_tokens": sum(p[2] for p in expected["private"]), "cache_write_tokens": sum(p[3] for p in expected["private"]),
            "reasoning_tokens": sum(p[4] for p in expected["private"]),
        }], "an unpriced model is listed with its tokens, never as $0"
        private = next(g for g in body["groups"] if g["key"] == PRIVATE[0])
        assert private["cost_usd"] == 0 and private["unpriced_calls"] == expected["private_calls"]

        by_service = (await alice.get(f"/api/v1/analytics/cost?{window}&group_by=service&bucket=minute")).json()
        assert {g["key"] for g in by_service["groups"]} == {"svc-a", "svc-b"}
        assert by_service["totals"]["cost_usd"] == pytest.approx(expected["llama_cost"], rel=1e-9)
        assert len(by_service["series"]) == 90, "one LLM call a minute, each in its own minute bucket"
        by_user = (await alice.get(f"/api/v1/analytics/cost?{window}&group_by=user")).json()
        assert {g["key"] for g in by_user["groups"]} == {"user-0", "user-1"}
        by_name = (await alice.get(f"/api/v1/analytics/cost?{window}&group_by=trace_name")).json()
        assert {g["key"] for g in by_name["groups"]} == {f"agent-{i}" for i in range(4)}

        for query, field in (("group_by=color", "group_by"), ("bucket=week", "bucket"), ("start=soon", "start")):
            bad = await alice.get(f"/api/v1/analytics/cost?project_id={A}&{query}")
            assert bad.status_code == 422 and bad.json()["error"]["field"] == field, bad.text
        assert codes(await bob.get(f"/api/v1/analytics/cost?project_id={A}")) == (404, "project_not_found")
        assert codes(await w.read(f"/api/v1/analytics/cost?project_id={A}", w.keys["B_read"])) == (404, "project_not_found")
        assert (await w.read("/api/v1/analytics/cost", w.keys["B_read"])).json()["totals"]["calls"] == 0

        # a project price for the unpriced model applies from its effective date on
        price = await alice.post(f"/api/v1/prices/overrides?project_id={A}", json={
            "model_pattern": "my-private-*", "input_per_mtok": 1.0, "output_per_mtok": 2.0, "effective_from": start.isoformat()})
        assert price.status_code == 201, price.text
        assert codes(await bob.post(f"/api/v1/prices/overrides?project_id={w.ids['B']}", json={
            "model_pattern": "x", "input_per_mtok": 1, "output_per_mtok": 1})) == (403, "forbidden_role")
        repriced = (await alice.get(f"/api/v1/analytics/cost?{window}")).json()
        hand = sum(((i - cr - cw) * 1.0 + cr * 1.0 + cw * 1.0 + (o - r) * 2.0 + r * 2.0) / 1e6 for i, o, cr, cw, r in expected["private"])
        assert repriced["unpriced_models"] == []
        assert next(g for g in repriced["groups"] if g["key"] == PRIVATE[0])["cost_usd"] == pytest.approx(hand, rel=1e-9)
        table = (await alice.get(f"/api/v1/prices?{window}")).json()["items"]
        sources = {(p["model"], p["source"]) for p in table}
        assert ("my-private-*", "project") in sources and (LLAMA[0], "config") in sources and (PRIVATE[0], "unpriced") in sources
        assert (await alice.delete(f"/api/v1/prices/overrides/{price.json()['override_id']}?project_id={A}")).status_code == 204
        assert (await alice.get(f"/api/v1/analytics/cost?{window}")).json()["unpriced_models"][0]["model"] == PRIVATE[0]

        errors = (await alice.get(f"/api/v1/analytics/errors?{window}")).json()
        in_window = [s for s in spans if start.timestamp() * 1e9 <= s["start_time"] < (start + timedelta(hours=2)).timestamp() * 1e9]
        # the pre-aggregated counts equal the stored spans of the window (each span once, replays included)
        stored = store.query(
            "SELECT uniqExact(trace_id, span_id) AS n, uniqExactIf(trace_id, span_id, status = 'ERROR') AS e FROM spans "
            "WHERE project_id = {p:String} AND start_time >= fromUnixTimestamp64Nano({s:Int64}) "
            "AND start_time < fromUnixTimestamp64Nano({e:Int64})",
            {"p": A, "s": int(start.timestamp()) * 10**9, "e": int((start + timedelta(hours=2)).timestamp()) * 10**9},
        )[0]
        assert (errors["spans"], errors["errors"]) == (int(stored["n"]), int(stored["e"]))
        assert errors["errors"] == sum(s.get("status") == "ERROR" for s in in_window)
        latency = (await alice.get(f"/api/v1/analytics/latency?{window}&by=kind")).json()
        assert {p["key"] for p in latency["series"]} == {"agent", "llm"}
        llm = [p for p in latency["series"] if p["key"] == "llm"]
        assert all(p["p50_ms"] == pytest.approx(49.0, rel=0.01) for p in llm)
        top = (await alice.get(f"/api/v1/analytics/top-traces?{window}&by=duration&limit=3")).json()["items"]
        assert [t["duration_ms"] for t in top] == sorted((t["duration_ms"] for t in top), reverse=True) and len(top) == 3
        top_cost = (await alice.get(f"/api/v1/analytics/top-traces?{window}&by=cost&limit=1")).json()["items"][0]
        assert top_cost["cost_usd"] > 0 and top_cost["tokens"] > 0

        # the overview's cards agree with the analytics answers for the same window
        overview = await alice.get(f"/api/v1/overview?{window}")
        assert overview.status_code == 200, overview.text
        cards = overview.json()["cards"]
        assert cards["traces"] == len({s["trace_id"] for s in in_window}) and cards["spans"] == len(in_window)
        assert cards["cost_usd"] == pytest.approx(expected["llama_cost"], rel=1e-9)
        assert cards["error_rate"] == pytest.approx(errors["error_rate"])
        assert cards["p95_latency_ms"] > cards["avg_latency_ms"] * 0.9 > 0
        assert overview.json()["previous"]["traces"] == 0
        assert overview.json()["top_models"][0]["model"] == LLAMA[0]
        assert set(overview.json()["alerts_by_severity"]) == {"LOW", "MEDIUM", "HIGH", "CRITICAL"}
        assert overview.json()["pipeline"]["available"] is True
        assert codes(await bob.get(f"/api/v1/overview?project_id={A}")) == (404, "project_not_found")

    run_world(redis_url, store, settings, scenario)
