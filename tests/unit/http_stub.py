"""A tiny real HTTP server on 127.0.0.1 for tests: each POST is handed to a function that answers it.

The collector stand-ins (exporter and offline tests) and the LLM API stand-in (``llm_stub``) differ
only in what they answer; the server, the body reading (gzip included) and the reply writing live here.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["StubRequest", "StubReply", "json_reply", "serve"]


@dataclass
class StubRequest:
    """One request as received: path, headers (names lower-cased), body (gzip already undone)."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (``{}`` when empty)."""
        return json.loads(self.body) if self.body else {}


@dataclass
class StubReply:
    """What to answer: status, body bytes, content type and extra headers."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> StubReply:
    """A JSON reply."""
    return StubReply(status, json.dumps(payload).encode(), "application/json", dict(headers or {}))


@contextmanager
def serve(handle: Callable[[StubRequest], StubReply]) -> Iterator[str]:
    """Serve POSTs with ``handle`` on a free port for the ``with`` block; yields ``http://127.0.0.1:<port>``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = gzip.decompress(raw) if self.headers.get("Content-Encoding") == "gzip" else raw
            reply = handle(StubRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
