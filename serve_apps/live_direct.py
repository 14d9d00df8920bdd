"""A live replica's own WebSocket server: `/ws/traces` without Serve's HTTP proxy in the way.

Through Serve, every frame to every socket crosses the replica's user loop, a Ray streaming-generator item and
the single Python ProxyActor, which also carries ingest's POSTs: at 200 sockets the proxy relays ~50 MB/s and
takes the CPU ingest needs (bench/live.py `--via proxy`). So each live replica also serves the same ASGI app
on its own port (uvicorn, in the replica's event loop, beside the hub); `GET /ws/endpoint` (through the proxy,
same origin as the UI) tells a page that port, and the proxy route stays for everything else (https pages,
browsers that cannot reach the replica's node, tools).

Why not Serve's own direct ingress (`RAY_SERVE_ENABLE_DIRECT_INGRESS=1`, Ray 2.60)? It does the same per
replica, but it is one process-wide flag for every application (platform, ingest, query get ports too) and
it floors every ingress deployment's graceful shutdown at 35 s (its draining period for load balancers).

The session cookie reaches the direct port (cookies are per host, not per port), but the page's `Origin`
names the proxy's port, not this one, so the cookie handshake's Origin check (serve_apps/access.py) would
refuse it. `/ws/endpoint` therefore hands a page a ticket: an HMAC of its session cookie, the site's host
(the Host it was asked on) and an expiry under a secret of this replica. Only a page of this site can read
that answer (same-origin policy), so a handshake whose ticket matches its cookie and its Origin comes from
this site's page, and its Origin counts as this site.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from serve_apps.access import SESSION_COOKIE

logger = logging.getLogger(__name__)

TICKET_TTL_S = 300.0


@dataclass
class Tickets:
    """Short-lived proofs that a page of this site asked for the direct port: bound to the page's session cookie
    and to the site's host (what the page's Origin names)."""

    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    ttl_s: float = TICKET_TTL_S

    def _mac(self, session: str, site: str, expires: int) -> str:
        return hmac.new(self.secret, f"{expires}|{site}|{session}".encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, session: str, site: str, now: float | None = None) -> str:
        """A ticket for the page of `site` (host[:port]) holding the session cookie `session`."""
        expires = int((now or time.time()) + self.ttl_s)
        return f"{expires}.{self._mac(session, site, expires)}"

    def valid(self, ticket: str, session: str, site: str, now: float | None = None) -> bool:
        expires_text, _, mac = ticket.partition(".")
        if not expires_text.isdigit() or not session or not site:
            return False
        expires = int(expires_text)
        return expires >= (now or time.time()) and hmac.compare_digest(mac, self._mac(session, site, expires))


def _cookie(headers: list[tuple[bytes, bytes]], name: str) -> str:
    for key, value in headers:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return ""


class DirectIngress:
    """The ASGI app of the direct server: WebSocket handshakes to `/ws/traces` (and `/ws/health`) go to the live
    app, with a ticketed cookie handshake's Origin accepted as this site's; everything else is 404."""

    def __init__(self, app: Any, tickets: Tickets, prefix: str = "/ws") -> None:
        self.app = app
        self.tickets = tickets
        self.prefix = prefix

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] not in ("websocket", "http") or not path.startswith(self.prefix + "/"):
            if scope["type"] == "http":
                await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
                await send({"type": "http.response.body", "body": b"not found: this port serves /ws/traces only"})
            return
        scope = dict(scope, root_path=self.prefix)
        headers = [(k, v) for k, v in scope.get("headers", []) if k != b"x-forwarded-host"]  # only this server says it
        if scope["type"] == "websocket":
            ticket = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("ticket", [""])[0]
            origin = urlsplit(next((v.decode("latin-1") for k, v in headers if k == b"origin"), "")).netloc
            if ticket and self.tickets.valid(ticket, _cookie(headers, SESSION_COOKIE), origin):
                headers.append((b"x-forwarded-host", origin.encode("latin-1")))  # check_origin: this site's page
        scope["headers"] = headers
        await self.app(scope, receive, send)


async def start_direct_server(app: Any, host: str, port: int, deflate: bool = False) -> tuple[Any, int]:
    """Serve `app` (a DirectIngress) with uvicorn in the running loop; returns (server, bound port).

    Raises:
        RuntimeError: the port could not be bound (the reason from the OS)."""
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise RuntimeError(f"the live replica's WebSocket server cannot bind {host}:{port}: {exc}") from exc
    sock.listen(1024)
    sock.setblocking(False)
    config = uvicorn.Config(
        app, lifespan="off", access_log=False, log_level="warning", log_config=None, http="httptools",
        ws="websockets-sansio", ws_per_message_deflate=deflate, ws_ping_interval=None,  # the app has its own heartbeats
        ws_max_size=1 << 16,  # clients send small control messages only
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # not the main thread
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    task.add_done_callback(_log_end)
    return server, sock.getsockname()[1]


def _log_end(task: asyncio.Task[None]) -> None:
    """The server ended (it only does on shutdown): say so, with its error; browsers fall back to the proxy."""
    if not task.cancelled() and task.exception() is not None:
        logger.error("the live replica's WebSocket server ended: %r; sockets go through Serve's proxy", task.exception())
