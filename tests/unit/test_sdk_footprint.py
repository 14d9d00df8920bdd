"""The SDK's footprint: no dependencies, a light import, and spans saved at exit without a flush."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from agentstack.store import SpanStore

SDK = Path(__file__).resolve().parents[2] / "sdk"


def test_the_sdk_distribution_has_no_dependencies_and_a_console_command() -> None:
    project = tomllib.loads((SDK / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == []
    assert project["scripts"] == {"agentstack": "agentstack.cli:main"}


def test_import_agentstack_loads_no_framework_network_or_database_module() -> None:
    code = "import sys, json, agentstack; print(json.dumps(sorted(sys.modules)))"
    loaded = set(json.loads(subprocess.check_output([sys.executable, "-c", code], text=True)))
    heavy = {"openai", "anthropic", "langchain_core", "crewai", "autogen_agentchat", "ray", "numpy", "sqlite3", "urllib.request", "http.client"}
    assert loaded & heavy == set()


def test_spans_ended_just_before_exit_are_saved_without_an_explicit_flush(tmp_path: Path) -> None:
    store = tmp_path / "local.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTSTACK_")}
    env["AGENTSTACK_STORE_PATH"] = str(store)
    code = "import agentstack\nwith agentstack.start_span('last-words', kind='agent'): pass\n"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60, capture_output=True)
    (trace,) = SpanStore(str(store)).traces()
    assert trace["name"] == "last-words"
