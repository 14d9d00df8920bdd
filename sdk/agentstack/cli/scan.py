"""``agentstack scan FILE``: the platform's security engine (PII, secrets, prompt injection) on your files.

The engine belongs to the platform distribution (Presidio, Hyperscan), not to this dependency-free
SDK, so this sub-command delegates to it where the platform is installed and otherwise says how to
get it.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any

SCAN_ENGINE = "actors.security.cli"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="scan JSONL ({'id', 'text'} per line) or text lines ('-' = stdin) for PII, secrets and prompt injection",
        description="Scan your own files with AgentStack's security engine: --format jsonl|table|sarif, a summary "
        "line, --fail-on any|pii|secret|injection for CI exit codes. "
        "All arguments are passed to the engine (see `agentstack-scan --help`).",
        add_help=False,
    )
    parser.add_argument("engine_args", nargs=argparse.REMAINDER)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        engine = importlib.import_module(SCAN_ENGINE)
    except ImportError as exc:
        print(
            "agentstack scan: the security engine is part of the AgentStack platform, which is not "
            f"installed here ({exc}). Install it (`make install` in an AgentStack checkout), or run "
            "`agentstack-scan` where it is installed.",
            file=sys.stderr,
        )
        return 2
    status: int = engine.run(list(args.engine_args))
    return status
