"""``agentstack traces`` and ``agentstack trace <id>``: the local store's traces in the terminal.

Local mode (no API key) keeps every span in the SQLite store; these commands list the latest
traces and draw one as a tree with durations and kinds, errors highlighted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections import defaultdict
from typing import Any, TextIO

from agentstack.config import resolve_settings
from agentstack.schema import SpanKind
from agentstack.store import SpanStore

__all__ = ["register", "render_tree", "format_duration"]

#: ANSI colour of each span kind on a terminal (red is kept for errors); other kinds are white.
_KIND_COLOURS: dict[str, str] = {
    SpanKind.AGENT: "35",
    SpanKind.LLM: "36",
    SpanKind.TOOL: "33",
    SpanKind.MEMORY: "34",
    SpanKind.CHAIN: "95",
    SpanKind.RETRIEVER: "32",
    SpanKind.EMBEDDING: "93",
    SpanKind.SPAN: "90",
}
_OTHER_COLOUR = "37"


def register(subparsers: Any) -> None:
    """Add ``traces`` and ``trace`` to the ``agentstack`` command."""
    listing = subparsers.add_parser("traces", help="list the latest local traces")
    listing.add_argument("-n", "--limit", type=int, default=20, help="how many traces (default 20)")
    _common(listing)
    listing.set_defaults(run=_run_traces)
    single = subparsers.add_parser("trace", help="show one local trace as a tree")
    single.add_argument("trace_id", help="the trace id, or its first few characters")
    _common(single)
    single.set_defaults(run=_run_trace)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="the SQLite store (default: AGENTSTACK_STORE_PATH or ~/.agentstack/spans.db)")
    parser.add_argument("--no-color", action="store_true", help="plain text, no ANSI colours")


def format_duration(ns: int) -> str:
    """``1.23 s``, ``45.6 ms``, ``789 µs``."""
    if ns >= 1_000_000_000:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1_000_000:
        return f"{ns / 1e6:.1f} ms"
    return f"{ns / 1e3:.0f} µs"


class _Style:
    def __init__(self, stream: TextIO, disabled: bool) -> None:
        self.on = not disabled and stream.isatty() and "NO_COLOR" not in os.environ

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.on else text


def _store(args: argparse.Namespace) -> SpanStore:
    return SpanStore(args.store or resolve_settings().store_file)


def _run_traces(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    store = _store(args)
    traces = store.traces(limit=max(1, args.limit))
    if not traces:
        print(f"No local traces in {store.path}. Run an agent without AGENTSTACK_API_KEY to record some.", file=out)
        return 0
    style = _Style(out, args.no_color)
    print(f"{'TRACE ID':<32}  {'STARTED':<19}  {'DURATION':>9}  {'SPANS':>5}  {'ERRORS':>6}  ROOT", file=out)
    for t in traces:
        started = dt.datetime.fromtimestamp(t["start_time"] / 1e9).strftime("%Y-%m-%d %H:%M:%S")
        errors = style(f"{t['errors']:>6}", "31;1") if t["errors"] else f"{0:>6}"
        print(
            f"{t['trace_id']}  {started}  {format_duration(t['duration_ns']):>9}  {t['spans']:>5}  {errors}  "
            f"{t['name']} [{t['service_name']}]",
            file=out,
        )
    return 0


def _run_trace(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    store = _store(args)
    spans = store.trace(args.trace_id)
    if not spans:
        print(f"No local trace whose id starts with {args.trace_id!r} in {store.path}.", file=sys.stderr)
        return 1
    for line in render_tree(spans, colour=_Style(out, args.no_color).on):
        print(line, file=out)
    return 0


def render_tree(spans: list[dict[str, Any]], *, colour: bool = False) -> list[str]:
    """Lines drawing ``spans`` (wire dicts of one trace) as a tree: name, kind, duration, errors.

    Spans whose parent is not in the trace are drawn as roots, so a partial trace still shows.
    """
    style = _Style(sys.stdout, disabled=True)
    style.on = colour
    ids = {s["span_id"] for s in spans}
    children: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for span in sorted(spans, key=lambda s: (s["start_time"], s["span_id"])):
        parent = span.get("parent_span_id")
        children[parent if parent in ids else None].append(span)
    start, end = min(s["start_time"] for s in spans), max(s["end_time"] for s in spans)
    errors = sum(s["status"] == "ERROR" for s in spans)
    header = f"trace {spans[0]['trace_id']}  {len(spans)} spans  {format_duration(end - start)}"
    lines = [header + (style(f"  {errors} error{'s' * (errors != 1)}", "31;1") if errors else "")]

    def draw(span: dict[str, Any], prefix: str, last: bool) -> None:
        kind = style(span["kind"], _KIND_COLOURS.get(span["kind"], _OTHER_COLOUR))
        line = f"{prefix}{'└─ ' if last else '├─ '}{span['name']} ({kind}) {format_duration(span['end_time'] - span['start_time'])}"
        model = span["attributes"].get("gen_ai.request.model")
        if model:
            tokens = [span["attributes"].get(k) for k in ("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens")]
            line += f"  {model}" + (f" {tokens[0]}→{tokens[1]} tokens" if None not in tokens else "")
        if span["status"] == "ERROR":
            line += "  " + style(f"✗ ERROR: {span['status_message'][:200]}", "31;1")
        lines.append(line)
        kids = children.get(span["span_id"], [])
        for i, child in enumerate(kids):
            draw(child, prefix + ("   " if last else "│  "), i == len(kids) - 1)

    roots = children.get(None, [])
    for i, root in enumerate(roots):
        draw(root, "", i == len(roots) - 1)
    return lines
