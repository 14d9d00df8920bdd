"""Shared fixtures: free ports, the embedded Valkey, an external Redis when one answers, and chDB."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
EXTERNAL_REDIS = "redis://127.0.0.1:6379/15"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


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
    for table in ("spans", "projects", "api_keys", "trace_summaries", "cost_metrics", "security_alerts"):
        chdb_store.command(f"TRUNCATE TABLE IF EXISTS {table}")
