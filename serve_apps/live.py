"""The live application (`/ws`): `GET /ws/traces`, a WebSocket pushing spans, traces and alerts as they are written.

Its own Serve deployment (configs/local.yaml, app `live`): long-lived sockets count as ongoing requests, so
they must not take the ingest or query replicas' slots; `max_ongoing_requests` is sized for hundreds of
sockets and Serve's end-to-end `request_timeout_s` must stay unset (it would cut every socket).

Protocol (docs/live-feed.md): authorised at the handshake like every read (session cookie with an Origin
of this site, `Authorization: Bearer <session token>`, or a `read` API key); refused → closed with 1008 and
a reason. `?project_id=…` (optional with a read key), optional `trace_id`, `kinds`, `statuses`,
`severities`, and `cursor` to resume. Server → client: `hello`, `batch` (≤ one per `coalesce_s`, carrying
`span`/`trace`/`alert` messages, `dropped` notices and the resume `cursor`), `ping` (every `heartbeat_s`),
`pong`, `subscribed`, `reset`, `error`. Client → server: `subscribe` (new filters), `ping`, `pong`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from ray import serve
from starlette.websockets import WebSocketState

from cluster.bus import connect_redis
from cluster.metadata import MetadataDB
from cluster.settings import PlatformSettings
from serve_apps.access import SESSION_COOKIE, Accounts, ProjectAccess, caller, install_accounts, read_access
from serve_apps.live_direct import DirectIngress, Tickets, start_direct_server
from serve_apps.errors import ApiError, install_error_handlers
from serve_apps.live_hub import LiveClient, LiveHub, LiveMetrics
from serve_apps.live_messages import FORMATS, SPAN_COLUMNS, FilterError, LiveFilters, control

logger = logging.getLogger(__name__)

POLICY_VIOLATION = 1008
GOING_AWAY = 1001
TRY_AGAIN_LATER = 1013


@dataclass(frozen=True)
class LiveOptions:
    """Timing of one live replica's sockets."""

    coalesce_s: float = 0.25  # at most one batch frame per client per this interval
    heartbeat_s: float = 25.0  # server ping interval (the seeds' 25 s)
    idle_timeout_s: float = 75.0  # nothing heard from the client for this long → closed
    send_timeout_s: float = 10.0  # a client over its byte budget (or a send not taken) this long → closed
    recheck_s: float = 60.0  # the caller's access is checked again this often (revoked keys, ended sessions)


def _reason(text: str) -> str:
    """A close reason within the protocol's 123 bytes."""
    encoded = text.encode()
    return text if len(encoded) <= 123 else encoded[:120].decode(errors="ignore") + "…"


async def authorize(ws: WebSocket, project_id: str | None) -> ProjectAccess:
    """The read access of the handshake (serve_apps.access; cookie sessions need an Origin of this site)."""
    return await asyncio.to_thread(read_access, ws, project_id)  # type: ignore[arg-type]  # an HTTPConnection


class LiveSocket:
    """One accepted socket: a receiver (this coroutine) and a sender task draining the client's queue."""

    def __init__(self, ws: WebSocket, hub: LiveHub, client: LiveClient, access: ProjectAccess, options: LiveOptions) -> None:
        self.ws = ws
        self.hub = hub
        self.client = client
        self.access = access
        self.options = options
        self.last_heard = time.monotonic()
        self.closing: tuple[int, str] | None = None

    async def serve(self) -> None:
        sender = asyncio.get_running_loop().create_task(self._send_loop())
        try:
            while True:
                receive = asyncio.ensure_future(self.ws.receive_text())
                done, _ = await asyncio.wait({receive, sender}, return_when=asyncio.FIRST_COMPLETED)
                if sender in done:
                    receive.cancel()
                    break
                self.last_heard = time.monotonic()
                self._handle(receive.result())
        except WebSocketDisconnect:
            pass
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
            self.hub.detach(self.client)
        if self.closing is not None and self.ws.client_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.options.send_timeout_s):  # a stuck socket must not hold the handler
                    await self.ws.close(self.closing[0], _reason(self.closing[1]))

    def _handle(self, text: str) -> None:
        try:
            message = json.loads(text)
            kind = message.get("type") if isinstance(message, dict) else None
        except ValueError:
            kind, message = None, {}
        if kind == "ping":
            self.client.say(control("pong", cursor=self.hub.sent_cursor()))
        elif kind == "pong":
            self.client.pong()
        elif kind == "subscribe":
            try:
                self.client.filters = LiveFilters.parse(message)
            except FilterError as exc:
                self.client.say(control("error", code="invalid_filter", field=exc.field, message=exc.message))
                return
            self.client.say(control("subscribed", filters=self.client.filters.to_dict()))
        else:
            self.client.say(control("error", code="unknown_message", message="expected a JSON object of type subscribe, ping or pong"))

    async def _send_loop(self) -> None:
        """Sends what the hub queued for this client; heartbeats, access re-checks, and the slow-client cut."""
        options, client = self.options, self.client
        next_ping = time.monotonic() + options.heartbeat_s
        next_check = time.monotonic() + options.recheck_s
        while True:
            if not client.outbox:
                timeout = max(0.0, min(next_ping - time.monotonic(), 1.0))
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):  # (no task per wait, unlike wait_for)
                        await client.wake.wait()
            client.wake.clear()
            now = time.monotonic()
            if client.behind_since is not None and now - client.behind_since > options.send_timeout_s:
                self.closing = (TRY_AGAIN_LATER, f"slow_client: {client.in_flight} bytes not taken for "
                                f"{options.send_timeout_s:.0f}s; reconnect with the cursor")
                return
            if now >= next_ping:
                if now - self.last_heard > options.idle_timeout_s:
                    # Silent with frames unconfirmed: it is not reading (a slow client); silent with nothing owed: gone.
                    self.closing = ((TRY_AGAIN_LATER, f"slow_client: {client.in_flight} bytes not taken and nothing heard "
                                     f"for {options.idle_timeout_s:.0f}s; reconnect with the cursor") if client.in_flight
                                    else (GOING_AWAY, f"heartbeat_timeout: nothing heard for {options.idle_timeout_s:.0f}s"))
                    return
                client.ping(self.hub.sent_cursor())
                next_ping = now + options.heartbeat_s
            if now >= next_check:
                next_check = now + options.recheck_s
                try:
                    await authorize(self.ws, self.access.project_id)
                except ApiError as exc:
                    self.closing = (POLICY_VIOLATION, f"{exc.code}: {exc.message}")
                    return
            while client.outbox:
                frame = client.outbox.popleft()
                try:
                    async with asyncio.timeout(options.send_timeout_s):
                        await self.ws.send_text(frame)
                except TimeoutError:
                    self.closing = (TRY_AGAIN_LATER, "slow_client: a frame was not taken in time; reconnect with the cursor")
                    return


def create_live_app(
    settings: PlatformSettings, redis: Any, metadata: MetadataDB | None = None, options: LiveOptions | None = None,
    replica: str = "",
) -> FastAPI:
    """The live HTTP app: `GET /traces` (WebSocket), `GET /endpoint` (the replica's own port) and `GET /health`.

    `app.state.direct_port` is the port of the replica's own WebSocket server once `start_direct` ran (None: off)."""
    app = FastAPI(title="AgentStack live feed", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.direct_port = None
    app.state.tickets = Tickets()
    install_error_handlers(app)
    install_accounts(app, Accounts(settings, metadata or MetadataDB.from_settings(settings)))
    opts = options or LiveOptions(coalesce_s=settings.live_coalesce_s)
    hub = LiveHub(redis, LiveMetrics(replica or str(os.getpid())), settings.live_max_queue, settings.live_resume_max_entries,
                  coalesce_s=opts.coalesce_s, budget_bytes=settings.live_socket_budget_bytes)
    app.state.live_hub = hub

    @app.websocket("/traces")
    async def traces(ws: WebSocket) -> None:
        await ws.accept()
        params = ws.query_params
        try:
            access = await authorize(ws, params.get("project_id") or None)
            filters = LiveFilters.parse(params)
            fmt = params.get("format") or "full"
            if fmt not in FORMATS:
                raise FilterError("format", f"{fmt[:20]!r} is not one of {list(FORMATS)}")
        except ApiError as exc:
            await ws.close(POLICY_VIOLATION, _reason(f"{exc.code}: {exc.message}"))
            return
        except FilterError as exc:
            await ws.close(POLICY_VIOLATION, _reason(f"invalid_{exc.field}: {exc.message}"))
            return
        try:
            await hub.ensure_running()
        except TimeoutError:
            await ws.close(TRY_AGAIN_LATER, "live_unavailable: the span bus cannot be reached; retry")
            return
        cursor = params.get("cursor")
        compact = fmt == "compact"
        client = hub.attach(access.project_id, filters, resuming=bool(cursor), compact=compact)
        resumed, replay = await hub.resume(client, cursor) if cursor else (False, [])
        client.say(control(
            "hello", project_id=access.project_id, filters=filters.to_dict(), cursor=hub.cursor(),
            heartbeat_s=opts.heartbeat_s, coalesce_ms=int(opts.coalesce_s * 1000), resumed=resumed, format=fmt,
            **({"span_columns": list(SPAN_COLUMNS)} if compact else {}),
        ))
        for frame in replay:
            client.say(frame)
        await LiveSocket(ws, hub, client, access, opts).serve()

    @app.get("/health")
    async def health() -> dict[str, Any]:
        total, largest = hub.in_flight()
        return {"status": "ok", "sockets": hub.metrics.sockets, "reader_restarts": hub.restarts,
                "in_flight_bytes": total, "largest_in_flight_bytes": largest, "socket_budget_bytes": hub.budget_bytes,
                "direct_port": app.state.direct_port}

    @app.get("/endpoint")
    async def endpoint(request: Request) -> dict[str, Any]:
        """Where this replica serves `/ws/traces` itself (`port`: null when it does not), and for a cookie session
        the `ticket` to add to that URL (it stands in for the Origin check there: serve_apps/live_direct.py)."""
        await asyncio.to_thread(caller, request)  # 401 without credentials, like every read
        port = app.state.direct_port
        session = request.cookies.get(SESSION_COOKIE)
        site = request.headers.get("x-forwarded-host") or request.headers.get("host") or ""
        ticket = app.state.tickets.issue(session, site) if port and session else None
        return {"port": port, "ticket": ticket, "path": "/ws/traces"}

    return app


async def start_direct(app: FastAPI, settings: PlatformSettings) -> int | None:
    """Serve `app`'s sockets on the replica's own port too (settings `live_direct_*`); the port, or None (off, or
    the port could not be bound: then every socket goes through Serve's proxy, and the log says why)."""
    if not settings.live_direct_host:
        return None
    try:
        _server, port = await start_direct_server(DirectIngress(app, app.state.tickets), settings.live_direct_host,
                                                  settings.live_direct_port, settings.live_direct_deflate)
    except RuntimeError as exc:
        logger.error("%s; live sockets go through Serve's proxy only", exc)
        return None
    app.state.direct_port = port
    logger.info("live replica: own WebSocket server on %s:%d", settings.live_direct_host, port)
    return port


@serve.deployment(ray_actor_options={"num_cpus": 0.1}, max_ongoing_requests=1000)
@serve.ingress()
class LiveDeployment:
    """A live replica: one stream reader fanning out to its sockets, reached through Serve's proxy and on its own
    port (serve_apps/live_direct.py; replicas and sizing: configs/local.yaml)."""

    async def __init__(self) -> None:
        self.settings = PlatformSettings()
        self.redis = connect_redis(self.settings.effective_redis_url)
        replica = serve.get_replica_context().replica_id.unique_id
        self.live_app = create_live_app(self.settings, self.redis, replica=replica)
        await start_direct(self.live_app, self.settings)  # in this (the user code's) event loop, beside the hub

    def __serve_build_asgi_app__(self) -> FastAPI:
        return self.live_app


app = LiveDeployment.bind()
