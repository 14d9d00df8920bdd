"""A store that cannot answer a read gives 503 with the configured `Retry-After` (real Valkey and chDB)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from cluster.bus import connect_redis
from cluster.metadata import bootstrap_default_project
from cluster.settings import PlatformSettings
from cluster.store import DirectStoreClient, StoreUnavailable
from serve_apps.query import create_query_app

KEY = "ak_unavailable_test_key_0123"


class TraceReadsDown(DirectStoreClient):
    """The real store, except that reads of trace data fail the way an unreachable store does."""

    async def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        if "FROM trace_summaries" in sql or "FROM spans" in sql:
            raise StoreUnavailable("the embedded store actor is unavailable (test)")
        return await super().query(sql, params)


def test_store_unavailable_answers_503_with_retry_after_from_settings(redis_url, store, tmp_path):
    settings = PlatformSettings(data_dir=tmp_path, api_key_cache_ttl_s=0, retry_after_s=7)

    async def main() -> list[httpx.Response]:
        client = TraceReadsDown(store)
        await bootstrap_default_project(client, KEY)
        redis = connect_redis(redis_url)
        app = create_query_app(settings, client, redis, tmp_path / "no-ui")
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as query:
                headers = {"X-API-Key": KEY}
                return [await query.get("/api/v1/traces", headers=headers),
                        await query.get("/api/v1/traces/" + "ab" * 16, headers=headers)]
        finally:
            await redis.aclose()

    for response in asyncio.run(main()):
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "7"
        assert response.json()["error"]["code"] == "store_unavailable"
