"""The query application (`/`): health, the `/api/v1` query API and the web UI's static files."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from ray import serve

from cluster.bus import connect_redis
from cluster.metadata import ApiKeyCache
from cluster.settings import PROJECT_ROOT, PlatformSettings
from cluster.store import StoreClient, connect_store
from serve_apps.errors import error_response, install_error_handlers
from serve_apps.traces import traces_router

DASHBOARD_DIST = PROJECT_ROOT / "dashboard" / "dist"


async def check_health(store: StoreClient, redis: Any) -> dict[str, str]:
    """Whether the system can take spans: the bus answers and the store has a project to take them."""
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(redis.ping(), timeout=2)
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["redis"] = f"unavailable: {type(exc).__name__}"
    try:
        rows = await asyncio.wait_for(store.query("SELECT count() AS n FROM projects", small=True), timeout=5)
        checks["clickhouse"] = "ok" if rows[0]["n"] > 0 else "starting: no project yet"
    except Exception as exc:  # noqa: BLE001
        checks["clickhouse"] = f"unavailable: {type(exc).__name__}: {str(exc)[:200]}"
    return checks


def mount_dashboard(app: FastAPI, dist: Path) -> None:
    """Serve the built UI: `/assets/*` as files, every other non-API path as `index.html` (SPA routes)."""
    index = dist / "index.html"
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str) -> Any:
        if path.startswith(("api/", "v1/")):
            return error_response(404, "not_found", f"no route /{path}")
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and dist.resolve() in candidate.parents:
            return FileResponse(candidate)
        if not index.is_file():
            return error_response(
                503, "ui_not_built", f"the web UI is not built ({index} is missing); run 'make install'"
            )
        return FileResponse(index)


def create_query_app(settings: PlatformSettings, store: StoreClient, redis: Any, dist: Path = DASHBOARD_DIST) -> FastAPI:
    app = FastAPI(title="AgentStack API", version="0.1.0")
    install_error_handlers(app)
    keys = ApiKeyCache(store, settings.api_key_cache_ttl_s)

    @app.get("/health")
    async def health() -> JSONResponse:
        checks = await check_health(store, redis)
        ok = all(value == "ok" for value in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", **checks}, status_code=200 if ok else 503)

    app.include_router(traces_router(store, keys))
    mount_dashboard(app, dist)
    return app


@serve.deployment(ray_actor_options={"num_cpus": 0.1}, max_ongoing_requests=64)
@serve.ingress()
class QueryDeployment:
    """Stateless query replica over the shared store."""

    def __init__(self) -> None:
        self.settings = PlatformSettings()
        self.store = connect_store(self.settings)
        self.redis = connect_redis(self.settings.effective_redis_url)

    def __serve_build_asgi_app__(self) -> FastAPI:
        return create_query_app(self.settings, self.store, self.redis)


app = QueryDeployment.bind()
