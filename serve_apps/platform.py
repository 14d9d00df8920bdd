"""The platform application (`/_platform`): owns and supervises Valkey, the store and the consumer pools.

This is the composition root of the stateful side: it hands the actor pools' factory to the
`cluster.platform.Platform` that runs them (`cluster/` itself never imports `actors/`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Query
from ray import serve

from actors.pool import PoolSupervisor
from cluster.platform import Platform
from cluster.settings import PlatformSettings
from serve_apps.errors import install_error_handlers


def create_platform_app(platform: Platform) -> FastAPI:
    app = FastAPI(title="AgentStack platform", docs_url=None, redoc_url=None)
    install_error_handlers(app)

    @app.get("/status")
    async def status() -> dict[str, Any]:
        return await platform.status()

    @app.get("/events")
    async def events(after: int = Query(0, ge=0, description="Only events numbered above this.")) -> dict[str, Any]:
        """The platform's own events (pool grew/shrank, store down/back, errors), oldest first."""
        return {"events": platform.events.since(after), "last": platform.events.last_seq}

    return app


@serve.deployment(
    num_replicas=1,
    ray_actor_options={"num_cpus": 0.1},
    health_check_period_s=5,
    graceful_shutdown_timeout_s=30,
)
@serve.ingress()
class PlatformDeployment:
    """Exactly one replica: it starts the stateful parts, then supervises them."""

    async def __init__(self) -> None:
        self.platform = Platform(PlatformSettings(), PoolSupervisor.from_config)
        await self.platform.start()

    def __serve_build_asgi_app__(self) -> FastAPI:
        return create_platform_app(self.platform)

    def check_health(self) -> None:
        if not self.platform.healthy():
            raise RuntimeError("platform supervisor or embedded Valkey is down")

    async def __del__(self) -> None:
        await self.platform.stop()


app = PlatformDeployment.bind()
