"""The query application (`/`): health, the `/api/v1` query API and the web UI's static files."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from ray import serve

from cluster.bus import connect_redis
from cluster.metadata import MetadataDB
from cluster.metadata.bootstrap import bootstrapped
from cluster.settings import PROJECT_ROOT, PlatformSettings
from cluster.store import StoreClient, connect_store
from serve_apps import auth, projects, users, views
from serve_apps.access import Accounts, install_accounts
from serve_apps.errors import allowed_methods, error_response, install_error_handlers, method_not_allowed
from serve_apps.sessions import sessions_router
from serve_apps.spans import spans_router
from serve_apps.traces import traces_router
from serve_apps.analytics import analytics_router
from serve_apps.notifications import notifications_router
from serve_apps.overview import overview_router
from serve_apps.security import security_router

DASHBOARD_DIST = PROJECT_ROOT / "dashboard" / "dist"


async def check_health(store: StoreClient, redis: Any, db: MetadataDB) -> dict[str, str]:
    """Whether the system can take spans: the bus and ClickHouse answer, the metadata store is bootstrapped."""
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(redis.ping(), timeout=2)
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["redis"] = f"unavailable: {type(exc).__name__}"
    try:
        await asyncio.wait_for(store.query("SELECT 1 AS one", small=True), timeout=5)
        checks["clickhouse"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["clickhouse"] = f"unavailable: {type(exc).__name__}: {str(exc)[:200]}"
    try:
        ready = await asyncio.wait_for(asyncio.to_thread(bootstrapped, db), timeout=5)
        checks["metadata"] = "ok" if ready else "starting: the platform has not finished its first start"
    except Exception as exc:  # noqa: BLE001 - e.g. tables not migrated yet while the platform starts
        checks["metadata"] = f"unavailable: {type(exc).__name__}: {str(exc)[:200]}"
    return checks


def mount_dashboard(app: FastAPI, dist: Path) -> None:
    """Serve the built UI: `/assets/*` as files, every other non-API path as `index.html` (SPA routes)."""
    index = dist / "index.html"
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str, request: Request) -> Any:
        if path.startswith(("api/", "v1/")):
            if allowed_methods(request):  # an API path that takes other methods (e.g. GET on a POST route)
                return method_not_allowed(request)
            return error_response(404, "not_found", f"no route /{path}")
        candidate = (dist / path).resolve()
        if path and candidate.is_file() and dist.resolve() in candidate.parents:
            return FileResponse(candidate)
        if not index.is_file():
            return error_response(
                503, "ui_not_built", f"the web UI is not built ({index} is missing); run 'make install'"
            )
        return FileResponse(index)


def create_query_app(
    settings: PlatformSettings, store: StoreClient, redis: Any, dist: Path = DASHBOARD_DIST, metadata: MetadataDB | None = None
) -> FastAPI:
    """The query HTTP app: accounts (`auth`, `users`, `projects`), trace reads, health and the UI.

    `metadata` defaults to the store the settings name (SQLite file or DATABASE_URL).
    """
    app = FastAPI(title="AgentStack API", version="0.1.0")
    install_error_handlers(app)
    db = metadata or MetadataDB.from_settings(settings)
    install_accounts(app, Accounts(settings, db, store))

    @app.get("/health", responses={503: {"description": "Not ready: a check is not 'ok' (same body)"}})
    async def health() -> JSONResponse:
        checks = await check_health(store, redis, db)
        ok = all(value == "ok" for value in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", **checks}, status_code=200 if ok else 503)

    app.include_router(auth.router)
    app.include_router(users.router)
    app.include_router(projects.router)
    app.include_router(views.router)
    app.include_router(traces_router(store, settings.retry_after_s))
    app.include_router(spans_router(store, settings.retry_after_s))
    app.include_router(sessions_router(store, settings.retry_after_s))
    app.include_router(security_router(store, redis, settings.retry_after_s))
    app.include_router(analytics_router(store, settings.retry_after_s, settings.pricing_config))
    app.include_router(notifications_router())
    app.include_router(overview_router(store, redis, settings.retry_after_s, settings.partitions))
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
