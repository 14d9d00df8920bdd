"""The `agentstack` command. Subcommands that need the platform's engines delegate to it.

`agentstack scan FILE` runs the AgentStack security engine (PII, secrets, prompt injection) on
your own files. The engine is part of the platform distribution (Presidio, Hyperscan), not of
this dependency-free SDK, so the subcommand works where the platform is installed and otherwise
says how to get it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

USAGE = """usage: agentstack <command> [args]

commands:
  scan FILE    scan JSONL ({"id", "text"} per line) or text lines ("-" = stdin) for PII,
               secrets and prompt injection; one JSON line out per input
               (`agentstack scan --help` for options)
"""

SCAN_ENGINE = "actors.security.cli"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `agentstack` console script; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "scan":
        try:
            engine = importlib.import_module(SCAN_ENGINE)
        except ImportError as exc:
            print(
                "agentstack scan: the security engine is part of the AgentStack platform, which is not "
                f"installed here ({exc}). Install it (`pip install -e .` in an AgentStack checkout, or "
                "`make install`), or run `agentstack-scan` where it is installed.",
                file=sys.stderr,
            )
            return 2
        status: int = engine.run(rest)
        return status
    print(f"agentstack: unknown command {command!r}\n\n{USAGE}", end="", file=sys.stderr)
    return 2


def console() -> None:
    """Console-script wrapper: exit with `main`'s status."""
    sys.exit(main())
