"""The live feed on the real stack: ingest → writer (durable insert, then spans.live) → the `live` Serve
deployment → WebSocket clients. Alerts arrive live; project B sees nothing of A; a SIGKILLed live replica's
client reconnects with its cursor and gets everything written while it was away."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

SECRET = "AKIAQ3EGTRZNL4PX7W2M"


def post_spans(stack, spans: list[dict[str, Any]], key: str | None = None) -> None:
    request = urllib.request.Request(
        f"{stack.base_url}/v1/traces", data=json.dumps({"spans": spans}).encode(), method="POST",
        headers={"X-API-Key": key or stack.api_key, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202


def make_trace(name: str, n: int, leaky: bool = False) -> tuple[str, list[dict[str, Any]]]:
    now = time.time_ns()
    trace = f"{now:032x}"[-32:]
    spans = []
    for i in range(n):
        span = {"trace_id": trace, "span_id": f"{i + 1:016x}", "name": f"{name}-{i}", "kind": "tool",
                "start_time": now + i, "end_time": now + i + 10**6}
        if leaky:
            span["input"] = json.dumps({"aws_key": SECRET})
        spans.append(span)
    return trace, spans


class WsClient:
    """A real WebSocket client collecting messages in a thread (answers pings, keeps the last cursor)."""

    def __init__(self, stack, key: str, project_id: str | None = None, cursor: str | None = None, port: int | None = None) -> None:
        query = f"project_id={project_id or stack.project_id}" + (f"&cursor={cursor}" if cursor else "")
        self.ws = connect(f"ws://127.0.0.1:{port or stack.http_port}/ws/traces?{query}", additional_headers={"X-API-Key": key},
                          open_timeout=10)
        self.messages: list[dict[str, Any]] = []
        self.controls: list[dict[str, Any]] = []
        self.cursor = cursor
        self.closed = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        try:
            for raw in self.ws:
                frame = json.loads(raw)
                if isinstance(frame.get("cursor"), str):
                    self.cursor = frame["cursor"]
                if frame["type"] == "batch":
                    self.messages.extend(frame["messages"])
                else:
                    if frame["type"] == "ping":
                        self.ws.send(json.dumps({"type": "pong"}))
                    self.controls.append(frame)
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()

    def span_ids(self, trace: str) -> set[str]:
        return {m["span_id"] for m in self.messages if m["type"] == "span" and m["trace_id"] == trace}

    def close(self) -> None:
        self.ws.close()


def wait_hello(stack, client: WsClient) -> dict[str, Any]:
    return stack.wait_for(lambda: next((c for c in client.controls if c["type"] == "hello"), None), timeout=15, interval=0.05)


def test_an_ingest_key_is_refused_with_1008_through_serve(stack):
    with connect(f"ws://127.0.0.1:{stack.http_port}/ws/traces?project_id={stack.project_id}",
                 additional_headers={"X-API-Key": stack.api_key}, open_timeout=10) as ws:
        try:
            ws.recv(timeout=10)
            raise AssertionError("an ingest key must not be given the live feed")
        except ConnectionClosed:
            pass
        assert ws.close_code == 1008 and (ws.close_reason or "").startswith("insufficient_scope"), (ws.close_code, ws.close_reason)


def test_spans_arrive_live_and_project_b_sees_none_of_them(stack):
    status, made = stack.as_admin("POST", "/api/v1/projects", {"name": "live-b"})
    assert status == 201, made
    project_b = made["project"]["id"]
    status, key_b = stack.as_admin("POST", f"/api/v1/projects/{project_b}/keys", {"name": "live reads", "scope": "read"})
    assert status == 201, key_b
    a = WsClient(stack, stack.read_key)
    b = WsClient(stack, key_b["key"], project_b)
    wait_hello(stack, a)
    wait_hello(stack, b)
    trace, spans = make_trace("live-a", 5)
    started = time.monotonic()
    post_spans(stack, spans)
    stack.wait_for(lambda: len(a.span_ids(trace)) == 5, timeout=20, interval=0.02)
    print(f"5 spans: ingest accepted → at the client in {time.monotonic() - started:.2f}s")
    b_trace, b_spans = make_trace("live-b", 2)
    post_spans(stack, b_spans, made["api_key"]["key"])
    stack.wait_for(lambda: len(b.span_ids(b_trace)) == 2, timeout=20, interval=0.05)
    time.sleep(1)
    assert not [m for m in b.messages if m.get("trace_id") == trace]
    assert not [m for m in a.messages if m.get("trace_id") == b_trace]
    a.close()
    b.close()


def test_alerts_appear_live(stack):
    client = WsClient(stack, stack.read_key)
    wait_hello(stack, client)
    trace, spans = make_trace("live-leak", 1, leaky=True)
    started = time.monotonic()
    post_spans(stack, spans)
    alert = stack.wait_for(
        lambda: next((m for m in client.messages if m["type"] == "alert" and m["trace_id"] == trace), None), timeout=30, interval=0.05
    )
    print(f"alert at the client {time.monotonic() - started:.2f}s after ingest accepted the span")
    assert alert["rule"] == "secret" and alert["severity"] == "CRITICAL" and SECRET not in json.dumps(alert)
    client.close()


def _live_replicas() -> list[str]:
    import ray

    return [a["name"] for a in ray.util.list_named_actors(all_namespaces=True) if "LiveDeployment" in a["name"]]


def test_the_live_replica_serves_sockets_on_its_own_port_too(stack):
    """What the web UI uses: `GET /ws/endpoint` through the proxy names the replica's own port; spans arrive there."""
    request = urllib.request.Request(f"{stack.base_url}/ws/endpoint", headers={"X-API-Key": stack.read_key})
    with urllib.request.urlopen(request, timeout=10) as response:
        endpoint = json.loads(response.read())
    assert endpoint["port"] and endpoint["port"] != stack.http_port and endpoint["path"] == "/ws/traces", endpoint
    direct = WsClient(stack, stack.read_key, port=endpoint["port"])
    proxied = WsClient(stack, stack.read_key)
    for client in (direct, proxied):
        wait_hello(stack, client)
    trace, spans = make_trace("direct-port", 3)
    post_spans(stack, spans)
    for client in (direct, proxied):
        stack.wait_for(lambda c=client: len(c.span_ids(trace)) == 3, timeout=20, interval=0.05)
        client.close()


def test_a_killed_live_replica_clients_resume_without_losing_spans(stack):
    client = WsClient(stack, stack.read_key)
    wait_hello(stack, client)
    before, spans = make_trace("before-kill", 3)
    post_spans(stack, spans)
    stack.wait_for(lambda: len(client.span_ids(before)) == 3, timeout=20, interval=0.05)
    cursor = client.cursor
    assert cursor
    import ray

    replicas = _live_replicas()
    assert len(replicas) == 1, replicas
    ray.kill(ray.get_actor(replicas[0], namespace="serve"), no_restart=True)  # the process is killed at once
    assert client.closed.wait(15), "the socket of a killed replica must close"

    during, missed = make_trace("while-down", 4)
    post_spans(stack, missed)  # written while no live replica runs

    def reconnect() -> WsClient | None:
        try:
            fresh = WsClient(stack, stack.read_key, cursor=cursor)
        except (OSError, InvalidStatus, TimeoutError):
            return None
        try:
            wait_hello(stack, fresh)
        except AssertionError:
            fresh.close()
            return None
        return fresh

    back = stack.wait_for(reconnect, timeout=120, interval=1)
    hello = next(c for c in back.controls if c["type"] == "hello")
    assert hello["resumed"] is True, back.controls
    stack.wait_for(lambda: len(back.span_ids(during)) == 4, timeout=30, interval=0.05)
    assert not [c for c in back.controls if c["type"] == "reset"]
    assert _live_replicas() and _live_replicas()[0] != replicas[0]
    after, more = make_trace("after-restart", 2)
    post_spans(stack, more)
    stack.wait_for(lambda: len(back.span_ids(after)) == 2, timeout=20, interval=0.05)
    back.close()


def test_a_client_that_never_reads_is_cut_off_while_the_others_get_everything(stack):
    """Serve queues whatever a replica sends without pushing back; the replica's own byte budget per socket
    (confirmed by pongs) is what bounds it: a socket that takes nothing is dropped for, then closed."""
    fast = WsClient(stack, stack.read_key)
    wait_hello(stack, fast)
    stalled = connect(f"ws://127.0.0.1:{stack.http_port}/ws/traces?project_id={stack.project_id}",
                      additional_headers={"X-API-Key": stack.read_key}, open_timeout=10, max_queue=1)
    status, health = stack.request("GET", "/ws/health")
    assert status == 200 and health["sockets"] >= 2, health
    budget = health["socket_budget_bytes"]
    largest = 0
    traces = []
    for i in range(60):  # ~2.5 MB of summaries: more than the budget of the socket that never reads
        trace, spans = make_trace(f"flood-{i}-{'x' * 40}", 100)
        post_spans(stack, spans)
        traces.append(trace)
        if i % 5 == 0:
            largest = max(largest, stack.request("GET", "/ws/health")[1]["largest_in_flight_bytes"])
    def fast_accounted() -> bool:  # every span of the flood arrived or was reported dropped
        lost = sum(m["count"] for m in fast.messages if m["type"] == "dropped")
        return sum(len(fast.span_ids(t)) for t in traces) + lost >= 6000

    stack.wait_for(fast_accounted, timeout=60, interval=0.2)
    assert sum(len(fast.span_ids(t)) for t in traces) >= 5400  # the reader kept up (all but a burst at most)
    assert largest <= budget + 512 * 1024, (largest, budget)  # at most one frame past the budget
    frames = []
    try:
        while True:
            frames.append(stalled.recv(timeout=30))
    except ConnectionClosed:
        pass
    assert stalled.close_code == 1013 and (stalled.close_reason or "").startswith("slow_client"), (stalled.close_code, stalled.close_reason)
    got = sum(1 for f in frames for m in json.loads(f).get("messages", []) if m["type"] == "span")
    assert got < 6000  # it was given only part of the flood
    stack.wait_for(lambda: stack.request("GET", "/ws/health")[1]["sockets"] == 1, timeout=30)
    after, more = make_trace("after-cut", 2)  # the other socket still gets data
    post_spans(stack, more)
    stack.wait_for(lambda: len(fast.span_ids(after)) == 2, timeout=20, interval=0.05)
    fast.close()
