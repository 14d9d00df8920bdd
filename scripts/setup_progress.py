"""One set-up step of `make run` / `make test`: named, timed, quiet, its noise kept in a log file.

Run by the system Python before any virtualenv exists, so it uses the standard library only::

    python3 scripts/setup_progress.py --log .agentstack/logs/setup.log "platform packages" -- pip install -e .

The terminal gets one line per step (``✓ platform packages  41.2 s``; on a terminal a ticking
``… platform packages  12 s`` while it runs). The command's own output (pip, npm, apt) is appended to
the log; when the step fails the line names the log and the last lines of the output follow.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

FAILURE_TAIL_LINES = 15


def _elapsed(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {seconds % 60:02.0f} s"


class _Ticker:
    """Rewrites one terminal line with the running time until stopped (only on a terminal)."""

    def __init__(self, name: str, out: TextIO) -> None:
        self._name, self._out = name, out
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._started = time.monotonic()

    def __enter__(self) -> _Ticker:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._out.write("\r\033[K")

    def _tick(self) -> None:
        while True:
            seconds = int(time.monotonic() - self._started)
            self._out.write(f"\r\033[K  … {self._name}  {seconds} s")
            self._out.flush()
            if self._stop.wait(1.0):
                return


def run_step(name: str, command: Sequence[str], log: Path, *, env: dict[str, str] | None = None,
             out: TextIO = sys.stdout, tail: int = FAILURE_TAIL_LINES) -> int:
    """Run ``command`` as the set-up step ``name``; its output goes to ``log``.

    Args:
        name: what the step does, as a newcomer reads it ("platform packages", "UI build").
        command: the program and its arguments.
        log: file the command's stdout and stderr are appended to (created with its folder).
        env: environment for the command (default: this process's).
        out: where the progress line goes.
        tail: how many of the command's last output lines to show when it fails.

    Returns:
        The command's exit status (0 on success).
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("a", encoding="utf-8") as sink:
        sink.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {name}: {' '.join(command)}\n")
        sink.flush()
        offset = sink.tell()
        if out.isatty():
            with _Ticker(name, out):
                status = _call(command, sink, env)
        else:
            out.write(f"  … {name}\n")
            out.flush()
            status = _call(command, sink, env)
    took = _elapsed(time.monotonic() - started)
    if status == 0:
        out.write(f"  ✓ {name}  {took}\n")
        out.flush()
        return 0
    out.write(f"  ✗ {name} failed after {took} (exit {status}); full output in {log}\n")
    lines = _read_from(log, offset).splitlines()[-tail:]
    out.write("".join(f"    {line}\n" for line in lines))
    out.flush()
    return status


def _call(command: Sequence[str], sink: TextIO, env: dict[str, str] | None) -> int:
    try:
        return subprocess.call(list(command), stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               env=env)
    except OSError as exc:  # the program itself is missing: say so in the log, fail like a shell would
        sink.write(f"cannot start {command[0]}: {exc}\n")
        return 127


def _read_from(log: Path, offset: int) -> str:
    with log.open("rb") as source:
        source.seek(offset)
        return source.read().decode("utf-8", errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``setup_progress.py --log FILE NAME -- COMMAND [ARGS...]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--log", type=Path, required=True, help="file the command's output is appended to")
    parser.add_argument("--tail", type=int, default=FAILURE_TAIL_LINES, help="output lines shown on failure")
    parser.add_argument("name", help="the step's name, as the user reads it")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command to run")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given after the step name")
    return run_step(args.name, command, args.log, env=dict(os.environ), tail=args.tail)


if __name__ == "__main__":
    sys.exit(main())
