"""A three-node Ray cluster on one machine, each node its own network host, running AgentStack.

Nodes (network namespaces, see `netns.py`): `head` (10.77.15.10: GCS, dashboard, Serve controller, the
platform replica with the embedded Valkey bound to its address with a password, the chDB store owner;
resource `agentstack_head`) and two workers `w1`, `w2` (resource `agentstack_consumer`: the pool actors).
Metadata: the machine's PostgreSQL, a fresh database per run (reached through its Unix socket, which
namespaces share). AgentStack is deployed with `serve deploy configs/production.yaml` through the head's
dashboard, exactly as an operator would. `make test-cluster` runs this under the machine's Ray lock; the
fixture removes every namespace and kills every process it started, also when a test fails.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.cluster.netns import Host, Hosts
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, KEY, Stack

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"
RAY = str(VENV_BIN / "ray")
SERVE = str(VENV_BIN / "serve")
GCS_PORT = 6379  # inside the head's namespace: the machine's own Redis on 6379 is in another network stack
DASHBOARD_PORT = 8265
HTTP_PORT = 8000
PG_ADMIN_URL = os.environ.get("AGENTSTACK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_SOCKET_DIR = os.environ.get("AGENTSTACK_TEST_POSTGRES_SOCKET", "/var/run/postgresql")


@dataclass
class Cluster:
    hosts: Hosts
    env: dict[str, str]
    stack: Stack
    tmp: Path
    node_urls: dict[str, str] = field(default_factory=dict)

    @property
    def head(self) -> Host:
        return self.hosts["head"]

    def start_workers(self, *names: str) -> None:
        """`ray start --address=<head>` on each worker host, in parallel."""
        procs = {}
        for name in names:
            host = self.hosts[name]
            argv = [RAY, "start", f"--address={self.head.address}:{GCS_PORT}", f"--node-ip-address={host.address}",
                    "--num-cpus=4", "--resources", '{"agentstack_consumer": 100}', "--object-store-memory=150000000",
                    "--disable-usage-stats", *node_temp_dir(self.tmp, name)]
            procs[name] = subprocess.Popen(host.command(argv), env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for name, proc in procs.items():
            out, _ = proc.communicate(timeout=180)
            assert proc.returncode == 0, f"ray start on {name} failed:\n{out[-3000:]}"

    def kill_node(self, name: str) -> int:
        """SIGKILL the node's raylet and every process on it."""
        return self.hosts[name].kill_all()


def node_temp_dir(tmp: Path, name: str) -> list[str]:
    """A Ray temp folder per node (and per start): the namespaces share one filesystem, so nodes must not share
    session folders and their Unix sockets. Short paths: a Unix socket path has at most 107 characters."""
    folder = tmp / f"{name}-{str(time.monotonic_ns())[-6:]}"
    return [f"--temp-dir={folder}"]


def http_status(url: str, timeout: float = 5) -> int:
    """Status of a GET (0 when nothing answers); bodies of a starting Serve proxy are not JSON."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, TimeoutError):
        return 0


def _node_env(tmp: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "AGENTSTACK_")) and k not in ("REDIS_URL", "CLICKHOUSE_URL", "DATABASE_URL")}
    env.update(
        PATH=f"{VENV_BIN}:{env.get('PATH', '')}",
        # token auth (Ray 2.60's default) with one token every node and the CLI share
        RAY_AUTH_MODE="token",
        RAY_AUTH_TOKEN=secrets.token_hex(32),
        # notice a dead node within seconds (defaults: ~30 s)
        RAY_health_check_period_ms="1000",
        RAY_health_check_timeout_ms="1000",
        RAY_health_check_failure_threshold="3",
        AGENTSTACK_DATA_DIR=str(tmp / "data"),
        AGENTSTACK_VALKEY_HOST="10.77.15.10",
        AGENTSTACK_VALKEY_PASSWORD=secrets.token_urlsafe(24),
        AGENTSTACK_SECRET_KEY=secrets.token_urlsafe(48),  # one signing key on every node
        AGENTSTACK_POOLS_CONFIG=str(ROOT / "configs" / "pools.cluster.yaml"),
        AGENTSTACK_BOOTSTRAP_API_KEY=KEY,
        AGENTSTACK_INIT_USER_EMAIL=ADMIN_EMAIL,
        AGENTSTACK_INIT_USER_PASSWORD=ADMIN_PASSWORD,
        AGENTSTACK_API_KEY_CACHE_TTL_S="1",
        DATABASE_URL=database_url,
        PYTHONPATH=str(ROOT),
    )
    return env


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    import psycopg

    name = f"agentstack_cluster_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@/{name}?host={PG_SOCKET_DIR}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _deploy(env: dict[str, str], head: Host, tmp: Path) -> None:
    """`serve deploy configs/production.yaml` against the head's dashboard, as an operator does."""
    config = yaml.safe_load((ROOT / "configs" / "production.yaml").read_text())
    assert config["http_options"]["port"] == HTTP_PORT
    result = subprocess.run(
        [SERVE, "deploy", str(ROOT / "configs" / "production.yaml"), "-a", f"http://{head.address}:{DASHBOARD_PORT}"],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp,
    )
    assert result.returncode == 0, f"serve deploy failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def _serve_status(env: dict[str, str], head: Host) -> str:
    result = subprocess.run([SERVE, "status", "-a", f"http://{head.address}:{DASHBOARD_PORT}"], env=env, capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


def _wait_until_up(env: dict[str, str], head: Host, base_url: str, timeout: float = 300) -> None:
    """Until /health is 200; fails at once with Serve's message when an application failed to deploy."""
    deadline = time.monotonic() + timeout
    next_status = time.monotonic() + 20
    while time.monotonic() < deadline:
        if http_status(base_url + "/health") == 200:
            return
        if time.monotonic() > next_status:
            status = _serve_status(env, head)
            assert "DEPLOY_FAILED" not in status, status[-4000:]
            next_status = time.monotonic() + 20
        time.sleep(2)
    raise AssertionError(f"AgentStack did not become healthy in {timeout:.0f}s:\n{_serve_status(env, head)[-4000:]}")


def _save_logs(env: dict[str, str], head: Host, tmp: Path) -> None:
    """Keep Ray's and Serve's logs of a failed run under test-artifacts/cluster-logs (the temp folder goes)."""
    target = ROOT / "test-artifacts" / "cluster-logs"
    shutil.rmtree(target, ignore_errors=True)
    for logs in tmp.glob("*/session_latest/logs"):  # each node's
        shutil.copytree(logs, target / logs.parent.parent.name, ignore=shutil.ignore_patterns("*.so", "*.pb"), dirs_exist_ok=True)
    try:
        target.mkdir(parents=True, exist_ok=True)
        (target / "serve-status.txt").write_text(_serve_status(env, head))
    except Exception:  # noqa: BLE001 - best effort: the head may be gone
        pass


@pytest.fixture(scope="session")
def cluster(postgres_url: str) -> Iterator[Cluster]:
    tmp = Path(tempfile.mkdtemp(prefix="ags-"))
    hosts = Hosts(["head", "w1", "w2"])
    env = _node_env(tmp, postgres_url)
    try:
        hosts.create()
        head = hosts["head"]
        started = head.run(
            [RAY, "start", "--head", f"--node-ip-address={head.address}", f"--port={GCS_PORT}", "--num-cpus=4",
             "--resources", '{"agentstack_head": 1}', "--dashboard-host=0.0.0.0", f"--dashboard-port={DASHBOARD_PORT}",
             "--object-store-memory=200000000", "--disable-usage-stats", *node_temp_dir(tmp, "head")],
            env,
        )
        assert started.returncode == 0, f"ray start --head failed:\n{started.stdout[-3000:]}\n{started.stderr[-3000:]}"
        stack = Stack(base_url=f"http://{head.address}:{HTTP_PORT}", api_key=KEY, data_dir=tmp / "data", http_port=HTTP_PORT)
        cluster = Cluster(hosts, env, stack, tmp)
        cluster.start_workers("w1", "w2")
        cluster.node_urls = {name: f"http://{host.address}:{HTTP_PORT}" for name, host in hosts.hosts.items()}
        _deploy(env, head, tmp)
        stack = cluster.stack
        _wait_until_up(env, head, stack.base_url)
        stack.connect()
        yield cluster
    except BaseException:
        _save_logs(env, hosts["head"], tmp)
        raise
    finally:
        hosts.close()
        shutil.rmtree(tmp, ignore_errors=True)
