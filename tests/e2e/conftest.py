"""The real stack, started once per test session: Ray, Serve (configs/local.yaml), Valkey, chDB.

Everything runs on private ports and a temporary data folder, so a `make run` on the same machine
is not disturbed. Never run these under pytest-xdist: one Ray instance per session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "configs" / "local.yaml"
KEY = "ak_e2e_bootstrap_key_0123456789abcdef"


@dataclass
class Stack:
    base_url: str
    api_key: str
    data_dir: Path
    http_port: int

    def get(self, path: str, key: str | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(self.base_url + path, headers={"X-API-Key": key or self.api_key})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def agent_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(AGENTSTACK_API_KEY=self.api_key, AGENTSTACK_COLLECTOR_URL=self.base_url)
        return env

    def run_agent(self, script: str | Path, *args: str) -> subprocess.CompletedProcess[str]:
        """Run an instrumented agent in its own process, as a user would."""
        cmd = [sys.executable, str(script), *args] if isinstance(script, Path) else [sys.executable, "-c", script, *args]
        return subprocess.run(cmd, env=self.agent_env(), capture_output=True, text=True, timeout=120)

    def wait_for(self, predicate, timeout: float = 60.0, interval: float = 0.5) -> Any:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        raise AssertionError(f"condition not met within {timeout}s; last value: {last!r}")


def _deploy(http_port: int) -> None:
    from cluster.launcher import deploy, load_config

    deploy(load_config(CONFIG, http_port))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    import ray
    from ray import serve

    from cluster.launcher import start_ray, wait_until_healthy

    data_dir = tmp_path_factory.mktemp("agentstack-data")
    http_port = free_port()
    overrides = {
        "AGENTSTACK_DATA_DIR": str(data_dir),
        "AGENTSTACK_VALKEY_PORT": str(free_port()),
        "AGENTSTACK_BOOTSTRAP_API_KEY": KEY,
        "AGENTSTACK_API_KEY_CACHE_TTL_S": "1",
    }
    saved = {name: os.environ.get(name) for name in [*overrides, "REDIS_URL", "CLICKHOUSE_URL"]}
    os.environ.update(overrides)  # Ray workers inherit the driver's environment
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CLICKHOUSE_URL", None)
    start_ray(dashboard_port=None, object_store_mb=256)
    try:
        _deploy(http_port)
        base_url = f"http://127.0.0.1:{http_port}"
        wait_until_healthy(base_url, timeout=240)
        yield Stack(base_url=base_url, api_key=KEY, data_dir=data_dir, http_port=http_port)
    finally:
        try:
            serve.shutdown()
        finally:
            ray.shutdown()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def restart_serve(stack: Stack) -> None:
    """Shut every Serve application down (Valkey and chDB stop) and deploy them again."""
    from ray import serve

    from cluster.launcher import wait_until_healthy

    serve.shutdown()
    _deploy(stack.http_port)
    wait_until_healthy(stack.base_url, timeout=240)
