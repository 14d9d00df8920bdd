"""The live feed end to end without Ray: LiveFeed (the writer's hook) → real Redis → create_live_app under
uvicorn → real WebSocket clients. Handshake auth, project isolation, filters, alerts, resume, reset, drops."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis as sync_redis
import uvicorn
import websockets
from websockets.exceptions import ConnectionClosed

from actors.live_feed import LiveFeed
from actors.pricing import PriceBook
from actors.security.alerts import Alert
from cluster.bus import connect_redis
from cluster.metadata.accounts import create_user, open_session
from cluster.metadata.credentials import signing_secret
from cluster.metadata.projects import add_key, create_project
from cluster.settings import PlatformSettings
from cluster.streams import ALERT_FIELD, ALERTS_STREAM
from serve_apps.live import LiveOptions, create_live_app
from tests.conftest import EXTERNAL_REDIS, free_port
from tests.integration.accounts_helpers import seed_project

KEY_A = "ak_live_project_a_ingest_0123456789abcdef"
READ_A = "ak_live_project_a_read_0123456789abcdefgh"
READ_B = "ak_live_project_b_read_0123456789abcdefgh"


@dataclass
class LiveWorld:
    url: str
    host: str
    project_a: str
    project_b: str
    session_token: str
    settings: PlatformSettings
    hub: Any = None

    def ws_url(self, **params: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"{self.url}/traces" + (f"?{query}" if query else "")


def _serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, int]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    return server, thread, port


@pytest.fixture
def live_redis() -> Iterator[str]:
    client = sync_redis.Redis.from_url(EXTERNAL_REDIS)
    client.flushdb()
    yield EXTERNAL_REDIS
    client.flushdb()
    client.close()


def make_world(live_redis: str, tmp_path, options: LiveOptions | None = None, **settings_overrides: Any) -> Iterator[LiveWorld]:
    settings = PlatformSettings(data_dir=tmp_path, redis_url=live_redis, api_key_cache_ttl_s=0, **settings_overrides)
    db, project_a = seed_project(settings, KEY_A, READ_A)
    with db.session() as session:
        project_b, _, _ = create_project(session, "B", None, "test")
        add_key(session, project_b.id, "reader", "read", "test", READ_B)
        user = create_user(session, "viewer@example.com", "a long enough password")
        from cluster.metadata.models import Member

        session.add(Member(project_id=project_a, user_id=user.id, role="viewer"))
        token = open_session(session, settings, signing_secret(settings), user)
        b_id = project_b.id
    app = create_live_app(settings, connect_redis(live_redis), db, options or LiveOptions(coalesce_s=0.1, heartbeat_s=1.0, idle_timeout_s=30))
    server, thread, port = _serve(app)
    try:
        yield LiveWorld(f"ws://127.0.0.1:{port}", f"127.0.0.1:{port}", project_a, b_id, token, settings, app.state.live_hub)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


@pytest.fixture
def world(live_redis: str, tmp_path) -> Iterator[LiveWorld]:
    yield from make_world(live_redis, tmp_path)


def span(project: str, trace: str, span_id: str, parent: str | None = None, kind: str = "llm", status: str = "OK") -> dict[str, Any]:
    now = time.time_ns()
    return {
        "project_id": project, "trace_id": trace, "span_id": span_id, "parent_span_id": parent, "name": f"op-{span_id[:4]}",
        "kind": kind, "status": status, "start_time": now - 5_000_000, "end_time": now,
        "attributes": {"gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 20} if kind == "llm" else {},
        "input": "secret prompt text", "output": "secret completion",
    }


async def publish(redis_url: str, spans: list[dict[str, Any]]) -> None:
    redis = connect_redis(redis_url)
    try:
        assert await LiveFeed(redis, PriceBook()).publish(spans) == len(spans)
    finally:
        await redis.aclose()


class Reader:
    """A connected client collecting every message (and the cursor) in the background."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.messages: list[dict[str, Any]] = []
        self.controls: list[dict[str, Any]] = []
        self.cursor: str | None = None
        self.closed: tuple[int, str] | None = None
        self.task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame["type"] == "batch":
                    self.cursor = frame["cursor"]
                    self.messages.extend(frame["messages"])
                else:
                    if frame["type"] == "ping":
                        await self.ws.send(json.dumps({"type": "pong"}))
                    self.controls.append(frame)
        except ConnectionClosed:
            pass
        self.closed = (self.ws.close_code, self.ws.close_reason)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == kind]

    async def wait(self, predicate: Any, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self):
            assert time.monotonic() < deadline, f"not met in {timeout}s; messages: {self.messages[-5:]} controls: {self.controls[-5:]}"
            await asyncio.sleep(0.02)


async def connect(url: str, **headers: str) -> Reader:
    ws = await websockets.connect(url, additional_headers=headers, open_timeout=5)
    reader = Reader(ws)
    await reader.wait(lambda r: any(c["type"] == "hello" for c in r.controls))
    return reader


async def refused(url: str, **headers: str) -> tuple[int, str]:
    async with websockets.connect(url, additional_headers=headers, open_timeout=5) as ws:
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), timeout=5)
        assert ws.close_code is not None
        return ws.close_code, ws.close_reason or ""


def test_handshake_refusals_close_with_1008_and_a_reason(world: LiveWorld) -> None:
    async def main() -> None:
        a = world.project_a
        assert (await refused(world.ws_url(project_id=a)))[0] == 1008
        code, reason = await refused(world.ws_url(project_id=a))
        assert (code, reason.split(":")[0]) == (1008, "not_authenticated")
        assert (await refused(world.ws_url(project_id=a), **{"X-API-Key": KEY_A}))[1].startswith("insufficient_scope")
        assert (await refused(world.ws_url(project_id=world.project_b), **{"X-API-Key": READ_A}))[1].startswith("project_not_found")
        assert (await refused(world.ws_url(project_id=a), **{"X-API-Key": "ak_nope_0123456789abcdefghijkl"}))[1].startswith("invalid_api_key")
        # the session cookie needs an Origin of this site (cross-site WebSocket hijacking)
        cookie = {"Cookie": f"agentstack_session={world.session_token}"}
        assert (await refused(world.ws_url(project_id=a), **cookie))[1].startswith("csrf_origin")
        evil = {**cookie, "Origin": "http://evil.example"}
        assert (await refused(world.ws_url(project_id=a), **evil))[1].startswith("csrf_origin")
        # the viewer of A cannot watch B
        good = {**cookie, "Origin": f"http://{world.host}"}
        assert (await refused(world.ws_url(project_id=world.project_b), **good))[1].startswith("project_not_found")
        assert (await refused(world.ws_url(project_id=a, trace_id="xyz"), **good))[1].startswith("invalid_trace_id")
        assert (await refused(world.ws_url(project_id=a, format="xml"), **good))[1].startswith("invalid_format")
        reader = await connect(world.ws_url(project_id=a), **good)
        hello = reader.controls[0]
        assert hello["project_id"] == a and hello["heartbeat_s"] == 1.0
        bearer = await connect(world.ws_url(project_id=a), Authorization=f"Bearer {world.session_token}")
        for r in (reader, bearer):
            await r.ws.close()

    asyncio.run(main())


def test_project_b_never_receives_project_a_data(world: LiveWorld, live_redis: str) -> None:
    async def main() -> None:
        a = await connect(world.ws_url(), **{"X-API-Key": READ_A})  # a read key implies its project
        b = await connect(world.ws_url(project_id=world.project_b), **{"X-API-Key": READ_B})
        one_trace = await connect(world.ws_url(trace_id="a1" * 16), **{"X-API-Key": READ_A})
        compact = await connect(world.ws_url(format="compact"), **{"X-API-Key": READ_A})
        columns = compact.controls[0]["span_columns"]
        spans_a = [span(world.project_a, "a1" * 16, f"{i:016x}") for i in range(5)] + [span(world.project_a, "a2" * 16, "f" * 16)]
        spans_b = [span(world.project_b, "b1" * 16, f"{i + 100:016x}") for i in range(3)]
        await publish(live_redis, spans_a + spans_b)
        await a.wait(lambda r: len(r.of("span")) == 6)
        await b.wait(lambda r: len(r.of("span")) == 3)
        await one_trace.wait(lambda r: len(r.of("span")) == 5)
        await compact.wait(lambda r: sum(len(t["spans"]) for t in r.of("trace")) == 6)
        assert not compact.of("span") and {t["trace_id"] for t in compact.of("trace")} == {"a1" * 16, "a2" * 16}
        rows = [dict(zip(columns, row)) for t in compact.of("trace") for row in t["spans"]]
        assert {r["span_id"] for r in rows} == {m["span_id"] for m in a.of("span")}
        assert rows[0]["model"] == "gpt-4o-mini" and rows[0]["duration"] == 5_000_000
        assert {m["trace_id"] for m in b.messages if "trace_id" in m} == {"b1" * 16}
        assert {m["trace_id"] for m in a.messages if "trace_id" in m} == {"a1" * 16, "a2" * 16}
        assert {m["trace_id"] for m in one_trace.messages if "trace_id" in m} == {"a1" * 16}
        first = a.of("span")[0]
        assert first["model"] == "gpt-4o-mini" and first["input_tokens"] == 100 and first["cost_usd"] > 0
        assert "input" not in first and "attributes" not in first and "project_id" not in first
        traces = {t["trace_id"]: t for t in a.of("trace")}
        assert traces["a1" * 16]["new_spans"] == 5 and traces["a1" * 16]["tokens"] == 600
        # an alert of A reaches A only
        alert = Alert(world.project_a, "a1" * 16, "0" * 16, "pii", ["EMAIL_ADDRESS"], 50, "mail <EMAIL_ADDRESS>")
        redis = connect_redis(live_redis)
        await redis.xadd(ALERTS_STREAM, {ALERT_FIELD: alert.to_json()})
        await redis.aclose()
        await a.wait(lambda r: len(r.of("alert")) == 1)
        assert a.of("alert")[0]["severity"] == "MEDIUM" and a.of("alert")[0]["excerpt"] == "mail <EMAIL_ADDRESS>"
        await asyncio.sleep(0.5)
        assert not b.of("alert") and len(b.of("span")) == 3
        for r in (a, b, one_trace, compact):
            await r.ws.close()

    asyncio.run(main())


def test_subscribe_filters_ping_pong_and_heartbeat(world: LiveWorld, live_redis: str) -> None:
    async def main() -> None:
        r = await connect(world.ws_url(project_id=world.project_a, kinds="tool"), **{"X-API-Key": READ_A})
        await publish(live_redis, [span(world.project_a, "c" * 32, "1" * 16, kind="llm"), span(world.project_a, "c" * 32, "2" * 16, kind="tool")])
        await r.wait(lambda r: len(r.of("span")) == 1)
        assert r.of("span")[0]["kind"] == "tool"
        await r.ws.send(json.dumps({"type": "subscribe", "statuses": ["ERROR"]}))
        await r.wait(lambda r: any(c["type"] == "subscribed" for c in r.controls))
        await r.ws.send(json.dumps({"type": "subscribe", "severities": ["URGENT"]}))
        await r.wait(lambda r: any(c["type"] == "error" and c["field"] == "severities" for c in r.controls))
        await publish(live_redis, [span(world.project_a, "c" * 32, "3" * 16), span(world.project_a, "c" * 32, "4" * 16, status="ERROR")])
        await r.wait(lambda r: len(r.of("span")) == 2)
        assert r.of("span")[1]["span_id"] == "4" * 16
        await r.ws.send(json.dumps({"type": "ping"}))
        await r.wait(lambda r: any(c["type"] == "pong" for c in r.controls))
        await r.wait(lambda r: any(c["type"] == "ping" for c in r.controls), timeout=3)  # server heartbeat (1 s here)
        await r.ws.close()

    asyncio.run(main())


def test_resume_replays_what_was_missed_and_resets_when_too_far_behind(live_redis: str, tmp_path) -> None:
    for world in make_world(live_redis, tmp_path, live_resume_max_entries=3):
        async def main() -> None:
            url = world.ws_url(project_id=world.project_a)
            r = await connect(url, **{"X-API-Key": READ_A})
            await publish(live_redis, [span(world.project_a, "d" * 32, "1" * 16)])
            await r.wait(lambda r: len(r.of("span")) == 1)
            cursor = r.cursor
            await r.ws.close()
            missed = [span(world.project_a, "d" * 32, f"{i + 2:016x}") for i in range(2)]
            for s in missed:  # two entries: within the bound of 3
                await publish(live_redis, [s])
            back = await connect(url + f"&cursor={cursor}", **{"X-API-Key": READ_A})
            await back.wait(lambda r: len(r.of("span")) == 2)
            assert [m["span_id"] for m in back.of("span")] == [s["span_id"] for s in missed]
            assert back.controls[0]["resumed"] is True
            await publish(live_redis, [span(world.project_a, "d" * 32, "9" * 16)])  # live again after the replay
            await back.wait(lambda r: len(r.of("span")) == 3)
            await back.ws.close()
            for i in range(5):  # five entries: more than the bound
                await publish(live_redis, [span(world.project_a, "e" * 32, f"{i + 20:016x}")])
            late = await connect(url + f"&cursor={cursor}", **{"X-API-Key": READ_A})
            await late.wait(lambda r: any(c["type"] == "reset" for c in r.controls))
            assert "too far behind" in next(c for c in late.controls if c["type"] == "reset")["reason"]
            assert not late.of("span")
            garbage = await connect(url + "&cursor=nonsense", **{"X-API-Key": READ_A})
            await garbage.wait(lambda r: any(c["type"] == "reset" for c in r.controls))
            for c in (late, garbage):
                await c.ws.close()

        asyncio.run(main())


def test_a_slow_client_is_told_what_it_lost_and_others_are_not_affected(live_redis: str, tmp_path) -> None:
    for world in make_world(live_redis, tmp_path, live_max_queue=10):
        async def main() -> None:
            url = world.ws_url(project_id=world.project_a)
            stalled_ws = await websockets.connect(url, additional_headers={"X-API-Key": READ_A}, max_queue=1)
            fast = await connect(url, **{"X-API-Key": READ_A})
            await publish(live_redis, [span(world.project_a, "f" * 32, f"{i:016x}") for i in range(8)])
            await fast.wait(lambda r: len(r.of("span")) == 8)
            await publish(live_redis, [span(world.project_a, "f" * 32, f"{i + 50:016x}") for i in range(30)])
            # the fast client gets everything it can hold; the overflow is dropped and it is told
            await fast.wait(lambda r: any(m["type"] == "dropped" for m in r.messages))
            lost = sum(m["count"] for m in fast.messages if m["type"] == "dropped")
            assert len(fast.of("span")) + lost >= 38 and lost > 0
            await publish(live_redis, [span(world.project_a, "f" * 32, "e" * 16)])
            await fast.wait(lambda r: r.of("span")[-1]["span_id"] == "e" * 16)
            await stalled_ws.close()
            await fast.ws.close()

        asyncio.run(main())


def test_a_client_that_never_reads_is_cut_off_and_bounded_while_the_others_get_everything(live_redis: str, tmp_path) -> None:
    budget = 256 * 1024
    options = LiveOptions(coalesce_s=0.1, heartbeat_s=1.0, idle_timeout_s=30, send_timeout_s=2.0)
    for world in make_world(live_redis, tmp_path, options, live_socket_budget_bytes=budget):
        async def main() -> None:
            url = world.ws_url(project_id=world.project_a)
            # never reads: its TCP buffers fill, it answers no ping, so nothing it was sent is ever confirmed
            stalled = await websockets.connect(url, additional_headers={"X-API-Key": READ_A}, max_queue=1,
                                               ping_interval=None)
            fast = await connect(url, **{"X-API-Key": READ_A})
            sent, most_in_flight = 0, 0
            for round_ in range(80):  # ~3 MB of summaries, far more than the stalled socket's budget
                spans = [span(world.project_a, f"{round_:032x}", f"{round_:08x}{i:08x}") for i in range(100)]
                await publish(live_redis, spans)
                sent += len(spans)
                for _ in range(5):
                    await asyncio.sleep(0.01)
                    most_in_flight = max(most_in_flight, *(c.in_flight for cs in world.hub.clients.values() for c in cs))
            await fast.wait(lambda r: len(r.of("span")) + sum(m["count"] for m in r.of("dropped")) >= sent, timeout=15)
            assert len(fast.of("span")) >= 0.9 * sent  # the reader kept up (all but a burst at most)
            # the bound: never more than the budget (plus the one frame that crossed it) held for any socket
            assert most_in_flight < budget + 200_000
            # the stalled socket was told it lost data (dropped) and then closed with a reason
            deadline = time.monotonic() + 15
            while sum(len(c) for c in world.hub.clients.values()) > 1:
                assert time.monotonic() < deadline, "the stalled socket was not cut off"
                await asyncio.sleep(0.1)
            frames = []
            with pytest.raises(ConnectionClosed):
                while True:
                    frames.append(await asyncio.wait_for(stalled.recv(), timeout=10))
            assert stalled.close_code == 1013 and (stalled.close_reason or "").startswith("slow_client")
            assert sum(len(json.loads(f).get("messages", [])) for f in frames) < sent  # it got only part
            # the fast client still gets data after the cut
            await publish(live_redis, [span(world.project_a, "9" * 32, "e" * 16)])
            await fast.wait(lambda r: r.of("span")[-1]["span_id"] == "e" * 16)
            await fast.ws.close()

        asyncio.run(main())


# --- the replica's own WebSocket server (serve_apps/live_direct.py) ---------------------------------------


@pytest.fixture
def direct_world(live_redis: str, tmp_path) -> Iterator[tuple[LiveWorld, int, Any]]:
    """The live app served like in a replica: on a "proxy" port and on its own direct port, in one event loop."""
    from serve_apps.live import start_direct

    for world in make_world(live_redis, tmp_path):
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()
        settings = world.settings.model_copy(update={"live_direct_host": "127.0.0.1", "live_direct_port": 0})
        app = create_live_app(settings, connect_redis(live_redis), None, LiveOptions(coalesce_s=0.1, heartbeat_s=1.0))

        async def both() -> tuple[int, int]:
            proxy = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="off"))
            loop.create_task(proxy.serve())
            while not proxy.started:
                await asyncio.sleep(0.02)
            direct = await start_direct(app, settings)
            assert direct is not None
            return proxy.config.port, direct

        proxy_port, direct_port = asyncio.run_coroutine_threadsafe(both(), loop).result(timeout=20)
        try:
            yield LiveWorld(f"ws://127.0.0.1:{proxy_port}", f"127.0.0.1:{proxy_port}", world.project_a, world.project_b,
                            world.session_token, settings, app.state.live_hub), direct_port, app
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)


def test_the_direct_port_serves_sockets_and_a_ticket_stands_in_for_the_origin(direct_world: tuple[LiveWorld, int, Any], live_redis: str) -> None:
    world, port, app = direct_world
    site = f"http://{world.host}"  # the page's origin: the proxy's host and port, not the direct port
    cookie = f"agentstack_session={world.session_token}"
    endpoint = httpx.get(f"{site}/endpoint", headers={"Cookie": cookie}, timeout=10).json()
    assert endpoint["port"] == port and endpoint["ticket"] and endpoint["path"] == "/ws/traces"
    assert httpx.get(f"{site}/endpoint", timeout=10).status_code == 401
    keyed = httpx.get(f"{site}/endpoint", headers={"X-API-Key": READ_A}, timeout=10).json()
    assert keyed["port"] == port and keyed["ticket"] is None  # no cookie: no Origin check to stand in for
    direct = f"ws://127.0.0.1:{port}/ws/traces?project_id={world.project_a}"

    async def main() -> None:
        page = {"Cookie": cookie, "Origin": site}
        assert (await refused(direct, **page))[1].startswith("csrf_origin")  # the site's origin, but no ticket
        other = app.state.tickets.issue("another session", world.host)
        assert (await refused(f"{direct}&ticket={other}", **page))[1].startswith("csrf_origin")
        # a ticket names the site it was asked on: useless to another origin even if it leaked
        assert (await refused(f"{direct}&ticket={endpoint['ticket']}", Cookie=cookie, Origin="http://evil.example"))[1].startswith("csrf_origin")
        reader = await connect(f"{direct}&ticket={endpoint['ticket']}&format=compact", **page)
        keyed_reader = await connect(direct, **{"X-API-Key": READ_A})
        await publish(live_redis, [span(world.project_a, "d" * 32, f"{i:016x}") for i in range(3)])
        await reader.wait(lambda r: sum(len(t["spans"]) for t in r.of("trace")) == 3)
        await keyed_reader.wait(lambda r: len(r.of("span")) == 3)
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/projects", timeout=10).status_code == 404  # sockets only
        for r in (reader, keyed_reader):
            await r.ws.close()

    asyncio.run(main())
