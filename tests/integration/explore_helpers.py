"""Seeding explore-API tests: spans written through the real ingest path (validate → normalise → writer)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from actors.writer import SpanWriter
from agentstack.schema import validate_span
from cluster.metadata.projects import add_key, create_project
from cluster.settings import PlatformSettings
from cluster.store import DirectStoreClient
from serve_apps.conventions import normalise
from serve_apps.query import create_query_app
from tests.integration.accounts_helpers import seed_project

READ_KEY = "ak_explore_read_key_0123456789"
INGEST_KEY = "ak_explore_ingest_key_012345678"
OTHER_READ_KEY = "ak_explore_other_read_key_0123456"
NOW = time.time_ns() - 3_600 * 10**9  # an hour ago: inside the default 24 h window


def span(trace: str, span_id: str, name: str, *, parent: str | None = None, at_ms: float = 0, dur_ms: float = 10,
         **extra: Any) -> dict[str, Any]:
    start = NOW + int(at_ms * 1e6)
    return {"trace_id": trace, "span_id": span_id, "parent_span_id": parent, "name": name,
            "start_time": start, "end_time": start + int(dur_ms * 1e6), **extra}


def write(store, project_id: str, spans: list[dict[str, Any]]) -> None:
    """Store spans as ingest would (validated, normalised, written by the span writer)."""
    rows = [{**normalise(validate_span(dict(s))), "project_id": project_id} for s in spans]
    asyncio.run(SpanWriter(DirectStoreClient(store)).write(rows))


def make_app(store, tmp_path) -> tuple[Any, str, str, PlatformSettings]:
    """The query app over `store`; projects `default` (read key READ_KEY) and `other` (OTHER_READ_KEY)."""
    settings = PlatformSettings(data_dir=tmp_path, api_key_cache_ttl_s=0)
    db, project = seed_project(settings, INGEST_KEY, READ_KEY)
    with db.session() as session:
        other = create_project(session, "Other", None, "test")[0].id
        add_key(session, other, "reader", "read", "test", OTHER_READ_KEY)
    app = create_query_app(settings, DirectStoreClient(store), None, tmp_path / "no-ui", db)
    return app, project, other, settings


def client(app, key: str = READ_KEY) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t", headers={"X-API-Key": key})
