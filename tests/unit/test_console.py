"""`make run`'s terminal: only AgentStack's lines reach it; the platform's events and health changes are relayed."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cluster.console import Console, Watcher, new_run_log
from cluster.events import EventLog

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def fake_platform(answers: dict[str, Any]) -> Iterator[str]:
    """A real HTTP server answering GETs from `answers[path-without-query]` = (status, body); mutable."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            status, body = answers[self.path.split("?")[0]]
            if callable(body):
                body = body(self.path)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_diverted_output_keeps_every_foreign_line_out_of_the_terminal(tmp_path):
    """What Ray's C++ core, its child processes and Python logging write goes to the log file only."""
    log = tmp_path / "run.log"
    code = f"""
import logging, os, subprocess, sys
sys.path.insert(0, {str(ROOT)!r})
from cluster.console import Console
from pathlib import Path
console = Console(Path({str(log)!r}), divert=True)
console.configure_logging(debug=False)
os.write(1, b"raw fd1 noise\\n"); os.write(2, b"raw fd2 noise\\n")
print("print noise"); logging.getLogger("ray").warning("ray logger noise")
subprocess.run(["sh", "-c", "echo child noise; echo child err noise >&2"])
with console.step("Starting Ray"):
    pass
console.say("the banner")
console.close()
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "noise" not in out.stdout + out.stderr
    assert out.stdout.startswith("  Starting Ray … ") and out.stdout.endswith("s\nthe banner\n")
    logged = log.read_text()
    for line in ("raw fd1 noise", "raw fd2 noise", "print noise", "ray logger noise", "child noise", "child err noise", "the banner"):
        assert line in logged


def test_run_logs_are_owner_only_and_only_the_newest_are_kept(tmp_path):
    for i in range(12):
        (tmp_path / f"run-20260101-0000{i:02d}.log").write_text("old")
    path = new_run_log(tmp_path, keep=5)
    logs = sorted(p.name for p in tmp_path.glob("run-*.log"))
    assert len(logs) == 5 and path.name in logs and "run-20260101-000011.log" in logs
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_watcher_prints_new_events_once_and_health_changes(tmp_path):
    events = EventLog()
    events.record("info", "pool writer grew: 1 → 2 actors (backlog 900 entries)")
    answers: dict[str, Any] = {
        "/health": (200, {"status": "ok", "redis": "ok", "clickhouse": "ok"}),
    }
    lines: list[str] = []
    console = Console(tmp_path / "run.log", divert=False)
    console.say = lambda text="", end="\n": lines.append(text)  # type: ignore[method-assign]
    with fake_platform(answers) as base:
        watcher = Watcher(
            console, base, lambda after: {"events": events.since(after), "last": events.last_seq}, health_every_s=0
        )
        watcher.poll()
        watcher.poll()  # nothing new: nothing printed
        events.record("error", "store unavailable: the embedded store did not answer a query within 5s")
        answers["/health"] = (503, {"status": "unavailable", "redis": "ok", "clickhouse": "unavailable: StoreUnavailable"})
        watcher.poll()
        watcher.poll()  # still down: said once
        events.record("info", "store is back")
        answers["/health"] = (200, {"status": "ok", "redis": "ok", "clickhouse": "ok"})
        watcher.poll()
    text = [line.split("  ", 1)[1] for line in lines]  # drop the time stamp
    assert text == [
        "pool writer grew: 1 → 2 actors (backlog 900 entries)",
        "ERROR store unavailable: the embedded store did not answer a query within 5s",
        "ERROR health: unavailable (clickhouse: unavailable: StoreUnavailable); still running, retrying",
        "store is back",
        "health: ok again",
    ]


def test_the_event_log_numbers_events_and_keeps_the_newest():
    log = EventLog(keep=3)
    for i in range(5):
        log.record("info", f"e{i}")
    assert [e["message"] for e in log.since(0)] == ["e2", "e3", "e4"]
    assert [e["message"] for e in log.since(4)] == ["e4"] and log.last_seq == 5
