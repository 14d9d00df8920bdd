"""AgentStack across three network hosts: pools spread over both workers, one worker lost mid-load, it comes back.

Load goes through the OTLP endpoint of the head's and the second worker's Serve proxies (every node takes
ingest traffic). A request is retried with the same spans until it is accepted (200), as OTLP exporters do, so a
span can reach the bus twice but must be stored once; a trace counts as sent once its 200 arrived.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from typing import Any

SPANS_PER_TRACE = 4
TRACES_PER_REQUEST = 5


def otlp_request(trace_ids: list[str]) -> bytes:
    now = time.time_ns()
    spans = []
    for trace_id in trace_ids:
        root = f"{random.getrandbits(64):016x}"
        for i in range(SPANS_PER_TRACE):
            span_id = root if i == 0 else f"{random.getrandbits(64):016x}"
            spans.append({
                "traceId": trace_id, "spanId": span_id, "parentSpanId": "" if i == 0 else root,
                "name": "agent" if i == 0 else f"llm-{i}", "kind": 1,
                "startTimeUnixNano": str(now + i * 1000), "endTimeUnixNano": str(now + i * 1000 + 10**6),
                "attributes": [{"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
                               {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "120"}},
                               {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "30"}}],
            })
    doc = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "cluster-load"}}]},
                              "scopeSpans": [{"scope": {"name": "cluster-test"}, "spans": spans}]}]}
    return json.dumps(doc).encode()


class Load(threading.Thread):
    """Steady OTLP load over several nodes' proxies; `acked` holds every trace whose request was accepted."""

    def __init__(self, urls: list[str], api_key: str, interval_s: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.urls, self.api_key, self.interval_s = urls, api_key, interval_s
        self.acked: list[str] = []
        self.retries = 0
        self.stopping = threading.Event()

    def post(self, url: str, body: bytes) -> int:
        request = urllib.request.Request(f"{url}/v1/traces", data=body, method="POST",
                                         headers={"X-API-Key": self.api_key, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            trace_ids = [f"{random.getrandbits(128):032x}" for _ in range(TRACES_PER_REQUEST)]
            body = otlp_request(trace_ids)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:  # the same spans again until accepted
                n += 1
                if self.post(self.urls[n % len(self.urls)], body) == 200:  # OTLP/HTTP's success answer
                    self.acked.extend(trace_ids)
                    break
                self.retries += 1
                time.sleep(0.5)
            time.sleep(self.interval_s)


def pools(cluster) -> dict[str, Any]:
    """Each pool's status ({} while the status call fails, e.g. during a node loss)."""
    status, body = cluster.stack.get("/_platform/status")
    return body["pools"] if status == 200 else {}


def writer_actors(cluster) -> list[dict[str, Any]]:
    return pools(cluster).get("writer", {}).get("actors", [])


def nodes_of(pool: dict[str, Any]) -> list[str | None]:
    return [a.get("node_ip") for a in pool["actors"]]


def every_pool(cluster, predicate) -> dict[str, Any] | None:
    # the consumer pools (writer, security, cost); the notifier is one actor, not a pool of them
    found = {name: pool for name, pool in pools(cluster).items() if "actors" in pool}
    return found if found and all(predicate(pool) for pool in found.values()) else None


def test_pools_span_workers_survive_losing_one_and_use_it_again(cluster):
    stack = cluster.stack
    head, w1, w2 = (cluster.hosts[n].address for n in ("head", "w1", "w2"))

    # 1. every pool has actors on both workers, none on the head (it has no consumer resource)
    placed = stack.wait_for(lambda: every_pool(cluster, lambda p: all(a["running"] for a in p["actors"])
                                               and set(nodes_of(p)) == {w1, w2}), timeout=180, interval=2)
    status, body = stack.get("/_platform/status")
    node_ids = {n["ip"]: n["node_id"] for n in body["nodes"]}
    assert set(node_ids) == {head, w1, w2}
    assert all(a["node_id"] in (node_ids[w1], node_ids[w2]) for p in placed.values() for a in p["actors"])

    load = Load([cluster.node_urls["head"], cluster.node_urls["w2"]], stack.api_key)
    load.start()
    try:
        stack.wait_for(lambda: len(load.acked) >= 300, timeout=120)
        writer_before = {a["name"]: a.get("node_ip") for a in stack.wait_for(lambda: pools(cluster))["writer"]["actors"]}

        # 2. worker w1 loses power mid-load: its raylet and every process on it, SIGKILL
        assert cluster.kill_node("w1") > 0
        killed_at = len(load.acked)
        survivors = stack.wait_for(lambda: every_pool(cluster, lambda p: all(a["running"] for a in p["actors"])
                                                      and set(nodes_of(p)) == {w2}), timeout=180, interval=2)
        moved = [name for name, ip in writer_before.items() if ip == w1]
        assert moved and all(a.get("node_ip") == w2 for a in survivors["writer"]["actors"] if a["name"] in moved)
        stack.wait_for(lambda: len(load.acked) >= killed_at + 300, timeout=120)  # ingest kept going

        # 3. w1 comes back (a new Ray node on the same host): the pools move work onto it again
        cluster.start_workers("w1")
        stack.wait_for(lambda: every_pool(cluster, lambda p: w1 in nodes_of(p) and w2 in nodes_of(p)), timeout=180, interval=2)
        busy_before = {a["name"]: a.get("spans", 0) for a in writer_actors(cluster) if a.get("node_ip") == w1}
        stack.wait_for(lambda: any(a.get("spans", 0) > busy_before.get(a["name"], 0) for a in writer_actors(cluster)
                                   if a.get("node_ip") == w1), timeout=120, interval=2)
    finally:
        load.stopping.set()
        load.join(timeout=150)

    # 4. every acknowledged trace is queryable with all its spans, none twice
    sent = set(load.acked)
    assert len(sent) == len(load.acked) and len(sent) >= 600

    def stored() -> dict[str, int] | None:
        counts: dict[str, int] = {}
        page = 1
        while True:
            status, body = stack.get(f"/api/v1/traces?page_size=500&page={page}")
            if status != 200:
                return None
            counts.update({t["trace_id"]: t["span_count"] for t in body["items"]})
            if page * 500 >= body["total"]:
                break
            page += 1
        complete = sent <= counts.keys() and all(counts[t] == SPANS_PER_TRACE for t in sent)
        return counts if complete else None

    try:
        counts = stack.wait_for(stored, timeout=240, interval=3)
    except AssertionError:
        counts = stored() or {}
        missing = [t for t in sent if counts.get(t, 0) < SPANS_PER_TRACE]
        raise AssertionError(f"{len(missing)} of {len(sent)} acknowledged traces incomplete, e.g. {missing[:5]}") from None
    assert set(counts) == sent  # nothing that was not sent
    sample = random.sample(sorted(sent), 60)
    for trace_id in sample:  # the span rows themselves: each span once
        status, trace = stack.get(f"/api/v1/traces/{trace_id}")
        assert status == 200
        ids = [s["span_id"] for s in trace["spans"]]
        assert len(ids) == len(set(ids)) == SPANS_PER_TRACE, trace_id
    reclaimed = sum(a.get("reclaimed", 0) for p in pools(cluster).values() for a in p.get("actors", []))
    print(f"\nsent {len(sent)} traces ({len(sent) * SPANS_PER_TRACE} spans), {load.retries} retried requests, "
          f"{reclaimed} entries reclaimed; all stored once")
