"""Local mode (no API key): spans land in the SQLite store; `agentstack traces` / `trace` show them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import agentstack
from agentstack.cli import build_parser, main
from agentstack.cli.traces import format_duration, render_tree
from agentstack.schema import SpanKind
from agentstack.store import SpanStore
from agentstack.testing import InMemoryExporter


def record_a_trace(store: str) -> str:
    agentstack.configure(store_path=store)

    @agentstack.observe(name="search", kind="tool")
    def search(query: str) -> list[str]:
        return [query]

    @agentstack.observe(name="research", kind="agent")
    def research(question: str) -> str:
        search(question)
        with agentstack.start_span("llm.chat", kind="llm") as span:
            span.set_llm(model="gpt-4o", provider="openai", input_tokens=12, output_tokens=3)
        try:
            with agentstack.start_span("flaky", kind="tool"):
                raise TimeoutError("tool timed out")
        except TimeoutError:
            pass
        return "done"

    research("why")
    assert agentstack.flush(5) is True
    (latest,) = SpanStore(store).traces(1)
    return str(latest["trace_id"])


def test_traces_lists_and_trace_draws_the_tree(memory: InMemoryExporter, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "local.db")
    trace_id = record_a_trace(store)
    assert main(["traces", "--store", store]) == 0
    listing = capsys.readouterr().out
    assert trace_id in listing and "research" in listing and "4" in listing

    assert main(["trace", trace_id[:10], "--store", store, "--no-color"]) == 0
    tree = capsys.readouterr().out.splitlines()
    assert tree[0].startswith(f"trace {trace_id}  4 spans") and "1 error" in tree[0]
    assert tree[1].startswith("└─ research (agent) ")
    assert any(line.startswith("   ├─ search (tool) ") for line in tree)
    assert any("llm.chat (llm)" in line and "gpt-4o 12→3 tokens" in line for line in tree)
    assert any("flaky (tool)" in line and "✗ ERROR: tool timed out" in line for line in tree)


def test_unknown_trace_and_empty_store(memory: InMemoryExporter, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = str(tmp_path / "none.db")
    assert main(["traces", "--store", store]) == 0
    assert "No local traces" in capsys.readouterr().out
    assert main(["trace", "abc", "--store", store]) == 1
    assert "No local trace" in capsys.readouterr().err


def test_errors_are_highlighted_in_colour() -> None:
    span = {
        "trace_id": "a" * 32, "span_id": "b" * 16, "parent_span_id": None, "name": "boom", "kind": "tool",
        "start_time": 10**18, "end_time": 10**18 + 2_500_000, "status": "ERROR", "status_message": "bad",
        "attributes": {},
    }  # fmt: skip
    lines = render_tree([span], colour=True)
    assert "\033[31;1m✗ ERROR: bad\033[0m" in lines[1] and "2.5 ms" in lines[1]
    assert format_duration(1_234_000_000) == "1.23 s" and format_duration(789_000) == "789 µs"


def test_every_span_kind_has_its_own_terminal_colour() -> None:
    def colour_of(kind: str) -> str:
        span = {"trace_id": "a" * 32, "span_id": "b" * 16, "parent_span_id": None, "name": "op", "kind": kind,
                "start_time": 10**18, "end_time": 10**18 + 1000, "status": "OK", "attributes": {}}
        found = re.search(rf"\033\[([0-9;]+)m{kind}\033\[0m", render_tree([span], colour=True)[1])
        assert found, kind
        return found.group(1)

    colours = {kind.value: colour_of(kind.value) for kind in SpanKind}
    assert len(set(colours.values())) == len(colours), f"two kinds share a colour: {colours}"
    assert not any(code.startswith("31") for code in colours.values()), "red is for errors"
    assert colour_of("critic") not in colours.values(), "a kind outside the list is drawn apart from the known ones"


def test_cli_has_subcommands_and_is_installed(tmp_path: Path) -> None:
    parser = build_parser()
    assert parser.parse_args(["traces", "-n", "3"]).limit == 3
    assert main([]) == 2  # no command: help, usage exit code
    out = subprocess.run(
        [sys.executable, "-m", "agentstack.cli", "traces", "--store", str(tmp_path / "x.db")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0 and "No local traces" in out.stdout
