"""What `make run` shows in the terminal, and where everything else goes.

By default the process's stdout and stderr (file descriptors 1 and 2, so Ray's C++ and child
processes too) are pointed at a per-run log file under `.agentstack/logs/`; the terminal gets only
AgentStack's own lines: the start-up steps with their time, the banner, then the platform's events
(pool grew/shrank, store down/back, errors) and health changes. `AGENTSTACK_LOG_LEVEL=debug`
leaves the terminal as it is, so Ray's full output shows there again.
"""

from __future__ import annotations

from collections.abc import Callable

import json
import logging
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

logger = logging.getLogger("agentstack")

#: Run logs kept in `.agentstack/logs/` (older ones are deleted at start).
KEEP_RUN_LOGS = 10


def new_run_log(logs_dir: Path, keep: int = KEEP_RUN_LOGS) -> Path:
    """A fresh `run-<time>.log` (owner-only), after deleting all but the newest `keep - 1` older ones."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    older = sorted(logs_dir.glob("run-*.log"))
    for old in older[: max(0, len(older) - (keep - 1))]:
        old.unlink(missing_ok=True)
    path = logs_dir / time.strftime("run-%Y%m%d-%H%M%S.log")
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    return path


def get_json(url: str, timeout: float = 2.0) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) of a GET; network errors raise OSError."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {}


class Console:
    """The terminal of one `make run`: steps, the banner, events. Everything else goes to `log_path`."""

    def __init__(self, log_path: Path, divert: bool) -> None:
        self.log_path = log_path
        self.diverted = divert
        sys.stdout.flush()
        sys.stderr.flush()
        if divert:
            self._term: TextIO = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
            log_fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.dup2(log_fd, 1)
            os.dup2(log_fd, 2)
            os.close(log_fd)
        else:
            self._term = sys.stdout
        self._lock = threading.Lock()

    def configure_logging(self, debug: bool) -> None:
        """Python logging: everything at INFO (DEBUG in debug mode) to the log file."""
        level = logging.DEBUG if debug else logging.INFO
        handlers: list[logging.Handler] = [logging.FileHandler(self.log_path)]
        if debug:
            handlers.append(logging.StreamHandler(sys.stderr))
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=handlers, force=True)

    def say(self, text: str = "", end: str = "\n") -> None:
        """A line for the person at the terminal (also kept in the log file)."""
        with self._lock:
            self._term.write(text + end)
            self._term.flush()
        if self.diverted and text.strip():
            logger.info("console: %s", text.strip())

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """`  <name> … 3.2s` around one start-up step (`failed after 3.2s` if it raises)."""
        started = time.monotonic()
        self.say(f"  {name} …", end="" if self.diverted else "\n")
        try:
            yield
        except BaseException:
            self.say(f" failed after {time.monotonic() - started:.1f}s")
            raise
        self.say(f" {time.monotonic() - started:.1f}s" if self.diverted else f"  {name}: done in {time.monotonic() - started:.1f}s")

    def event(self, message: str, level: str = "info", at: float | None = None) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(at))
        marker = {"error": "ERROR ", "warning": "WARN  "}.get(level, "")
        self.say(f"{stamp}  {marker}{message}")

    def close(self) -> None:
        if self.diverted:
            self._term.close()


class Watcher:
    """After the banner: print the platform's new events and every change of `/health`."""

    def __init__(
        self,
        console: Console,
        base_url: str,
        fetch_events: Callable[[int], dict[str, Any]],
        health_every_s: float = 5.0,
    ) -> None:
        """`fetch_events(after)` answers `{"events": [...], "last": seq}` (the platform's event log)."""
        self.console = console
        self.base_url = base_url
        self.fetch_events = fetch_events
        self.health_every_s = health_every_s
        self.last_seq = 0
        self.healthy = True
        self._next_health = 0.0

    def poll(self) -> None:
        """One round: new events, and `/health` when it is due. Never raises."""
        self._events()
        now = time.monotonic()
        if now >= self._next_health:
            self._next_health = now + self.health_every_s
            self._health()

    def _events(self) -> None:
        try:
            body = self.fetch_events(self.last_seq)
        except Exception:  # noqa: BLE001 - the health check reports an unreachable platform
            return
        if body.get("last", 0) < self.last_seq:  # the platform replica restarted: its numbering too
            self.console.event("the platform application restarted", "warning")
            self.last_seq = 0
            return
        for event in body.get("events", []):
            self.console.event(event["message"], event.get("level", "info"), event.get("at"))
            self.last_seq = max(self.last_seq, int(event["seq"]))

    def _health(self) -> None:
        status = 0
        try:
            status, body = get_json(f"{self.base_url}/health", timeout=10)
            ok, why = status == 200, ", ".join(f"{k}: {v}" for k, v in body.items() if k != "status" and v != "ok")
        except (OSError, ValueError) as exc:
            ok, why = False, f"no answer ({exc})"
        if ok and not self.healthy:
            self.console.event("health: ok again")
        elif not ok and self.healthy:
            self.console.event(f"health: unavailable ({why or 'HTTP ' + str(status)}); still running, retrying", "error")
        self.healthy = ok
