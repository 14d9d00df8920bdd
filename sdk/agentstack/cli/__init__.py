"""The ``agentstack`` console command: one sub-command per module listed in :data:`COMMAND_MODULES`.

Each command module defines ``register(subparsers)``, which adds its parser(s) and sets
``run=<function taking the parsed args and returning an exit code>``. To add a command (say
``agentstack scan``), write ``agentstack/cli/scan.py`` with a ``register`` function and list it
here; nothing else changes.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

COMMAND_MODULES: tuple[str, ...] = ("agentstack.cli.traces", "agentstack.cli.scan")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every registered sub-command."""
    from agentstack._version import __version__

    parser = argparse.ArgumentParser(prog="agentstack", description="AgentStack SDK command line.")
    parser.add_argument("--version", action="version", version=f"agentstack-sdk {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 not found / failed, 2 usage error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(run(args))
    except BrokenPipeError:  # `agentstack traces | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
