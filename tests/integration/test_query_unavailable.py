"""A store that cannot answer a read gives 503 with the configured `Retry-After` (real Valkey and chDB)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from cluster.bus import connect_redis
from cluster.settings import PlatformSettings
from cluster.store import DirectStoreClient, StoreUnavailable
from serve_apps.query import create_query_app
from tests.integration.accounts_helpers import seed_project

INGEST_KEY = "ak_unavailable_test_ingest_0123"
READ_KEY = "ak_unavailable_test_read_key_0123"


class TraceReadsDown(DirectStoreClient):
    """The real store, except that reads of trace data fail the way an unreachable store does."""

    async def query(self, sql: str, params: dict[str, Any] | None = None, *, small: bool = False) -> list[dict[str, Any]]:
        if "FROM trace_summaries" in sql or "FROM spans" in sql:
            raise StoreUnavailable("the embedded store actor is unavailable (test)")
        return await super().query(sql, params, small=small)


def test_store_unavailable_answers_503_with_retry_after_from_settings(redis_url, store, tmp_path):
    settings = PlatformSettings(data_dir=tmp_path, api_key_cache_ttl_s=0, retry_after_s=7)

    db, _ = seed_project(settings, INGEST_KEY, READ_KEY)

    async def main() -> list[httpx.Response]:
        client = TraceReadsDown(store)
        redis = connect_redis(redis_url)
        app = create_query_app(settings, client, redis, tmp_path / "no-ui", metadata=db)
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as query:
                headers = {"X-API-Key": READ_KEY}
                return [await query.get("/api/v1/traces", headers=headers),
                        await query.get("/api/v1/traces/" + "ab" * 16, headers=headers)]
        finally:
            await redis.aclose()

    try:
        responses = asyncio.run(main())
    finally:
        db.dispose()
    for response in responses:
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "7"
        assert response.json()["error"]["code"] == "store_unavailable"
