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
KEY = "ak_e2e_bootstrap_key_0123456789abcdef"  # the default project's ingest key (AGENTSTACK_BOOTSTRAP_API_KEY)
ADMIN_EMAIL = "admin@e2e.example"
ADMIN_PASSWORD = "e2e admin password"


@dataclass
class Stack:
    """The running stack and its credentials: the ingest key agents carry, the headless-init admin
    (`login`), and a read key of the default project that `get` uses for the read API."""

    base_url: str
    api_key: str
    data_dir: Path
    http_port: int
    admin_email: str = ADMIN_EMAIL
    admin_password: str = ADMIN_PASSWORD
    admin_token: str = ""
    project_id: str = ""
    read_key: str = ""

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """One HTTP call; JSON in and out. Returns (status, parsed body or {}); a timeout is status 0."""
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", **(headers or {})} if data else dict(headers or {})
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else {}
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")
        except TimeoutError:
            return 0, {}

    def login(self, email: str | None = None, password: str | None = None) -> str:
        """Log in (the admin by default) and return the session token for `Authorization: Bearer`."""
        status, body = self.request("POST", "/api/v1/auth/login", {"email": email or self.admin_email, "password": password or self.admin_password})
        assert status == 200, body
        return body["access_token"]

    def as_admin(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        return self.request(method, path, body, {"Authorization": f"Bearer {self.admin_token}"})

    def get(self, path: str, key: str | None = None) -> tuple[int, Any]:
        """GET with a read key (`key`, default: the default project's); `/_platform/…` as the admin."""
        if key is None and path.startswith("/_platform"):
            return self.as_admin("GET", path)
        return self.request("GET", path, headers={"X-API-Key": key or self.read_key})

    def connect(self) -> None:
        """Log the admin in and make sure the default project has a read key for `get`."""
        self.admin_token = self.login()
        status, me = self.as_admin("GET", "/api/v1/auth/me")
        assert status == 200, me
        self.project_id = next(p["id"] for p in me["projects"] if p["name"] == "default")
        status, key = self.as_admin("POST", f"/api/v1/projects/{self.project_id}/keys", {"name": "e2e reads", "scope": "read"})
        assert status == 201, key
        self.read_key = key["key"]
        # /health turns green once the metadata store is bootstrapped; the platform replica may still be
        # starting its pools, and its routes answer only after that
        self.wait_for(lambda: self.as_admin("GET", "/_platform/status")[0] == 200, timeout=180)

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
        "AGENTSTACK_INIT_USER_EMAIL": ADMIN_EMAIL,
        "AGENTSTACK_INIT_USER_PASSWORD": ADMIN_PASSWORD,
        "AGENTSTACK_API_KEY_CACHE_TTL_S": "1",
    }
    saved = {name: os.environ.get(name) for name in [*overrides, "REDIS_URL", "CLICKHOUSE_URL", "DATABASE_URL"]}
    os.environ.update(overrides)  # Ray workers inherit the driver's environment
    for name in ("REDIS_URL", "CLICKHOUSE_URL", "DATABASE_URL"):
        os.environ.pop(name, None)
    start_ray(dashboard_port=None, object_store_mb=256)
    try:
        _deploy(http_port)
        base_url = f"http://127.0.0.1:{http_port}"
        wait_until_healthy(base_url, timeout=240)
        stack = Stack(base_url=base_url, api_key=KEY, data_dir=data_dir, http_port=http_port)
        stack.connect()
        yield stack
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
