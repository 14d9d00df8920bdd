"""Shared fixtures: free ports, the embedded Valkey, an external Redis when one answers, chDB, Chromium.

Every test is marked with its folder (``unit``, ``integration``, ``e2e``, ``frameworks``), so
``pytest -m unit`` selects the same tests as ``pytest tests/unit``.
"""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from agentstack.testing import InMemoryExporter

TESTS = Path(__file__).resolve().parent
ARTIFACTS = TESTS.parent / "test-artifacts"
# AGENTSTACK_TEST_REDIS lets parallel checkouts use different databases; CI uses db 15.
EXTERNAL_REDIS = os.environ.get("AGENTSTACK_TEST_REDIS", "redis://127.0.0.1:6379/15")
FOLDER_MARKERS = ("unit", "integration", "e2e", "frameworks", "cluster")  # registered in pyproject.toml


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with the folder it lives in (tests/<folder>/...)."""
    for item in items:
        try:
            folder = item.path.relative_to(TESTS).parts[0]
        except ValueError:  # a test outside tests/ (none today): leave it unmarked
            continue
        if folder in FOLDER_MARKERS:
            item.add_marker(folder)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def memory(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemoryExporter]:
    """The SDK's global tracer exports into memory; every span a test produces must fit the wire schema.

    Shared by tests/unit and tests/frameworks (the framework integrations' own environment).
    """
    import agentstack
    from agentstack import tracer as tracer_module
    from agentstack.config import Settings, env_var
    from agentstack.schema import validate_span
    from agentstack.testing import InMemoryExporter

    for field in dataclasses.fields(Settings):
        monkeypatch.delenv(env_var(field.name), raising=False)
    exporter = InMemoryExporter()
    agentstack.configure(exporter=exporter, service_name="unit-tests")
    yield exporter
    previous = tracer_module.set_tracer(None)
    assert previous is not None
    previous.shutdown()
    for span in exporter.spans:
        assert validate_span(span) == span, "the SDK must emit spans already in normalised wire form"


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """The Chromium the browser tests launch (see tests/browser.py; `make test` installs one if it can)."""
    from tests.browser import find_chromium

    try:
        found = find_chromium()
    except ValueError as exc:
        pytest.fail(str(exc), pytrace=False)
    if found is None:
        pytest.fail("No Chromium for the browser tests: run `python3 -m tests.browser` (installs Debian's chromium "
                    "when it may, or says what to run), then the tests again.", pytrace=False)
    return found


@pytest.fixture(scope="session")
def embedded_valkey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from cluster.valkey import EmbeddedValkey

    server = EmbeddedValkey(tmp_path_factory.mktemp("valkey"), free_port())
    server.start()
    yield server.url
    server.stop()


def _external_redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(EXTERNAL_REDIS, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["embedded-valkey", "external-redis"])
def redis_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each integration test runs against the embedded Valkey and the machine's Redis 7 (db 15)."""
    import redis

    if request.param == "embedded-valkey":
        url = request.getfixturevalue("embedded_valkey")
    else:
        if not _external_redis_available():
            pytest.skip(f"no Redis answers at {EXTERNAL_REDIS}")
        url = EXTERNAL_REDIS
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def chdb_store(tmp_path_factory: pytest.TempPathFactory):
    """One chDB store per test process (chDB allows one data path per process)."""
    import asyncio

    from cluster.migrations import apply_migrations
    from cluster.store import DirectStoreClient, Store

    store = Store(f"chdb://{tmp_path_factory.mktemp('chdb')}")
    asyncio.run(apply_migrations(DirectStoreClient(store)))
    yield store
    store.close()


@pytest.fixture
def store(chdb_store):
    """A clean store for one test: every data table is emptied afterwards."""
    yield chdb_store
    for table in ("spans", "projects", "api_keys", "trace_summaries", "cost_metrics", "security_alerts", "span_metrics_minute"):
        chdb_store.command(f"TRUNCATE TABLE IF EXISTS {table}")
