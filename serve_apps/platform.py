"""The platform application (`/_platform`): owns and supervises Valkey, the store and the consumer pools.

This is the composition root of the stateful side: it hands the actor pools' factory to the
`cluster.platform.Platform` that runs them (`cluster/` itself never imports `actors/`).
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Query
from ray import serve

from actors.notifier_actor import with_notifier
from actors.pool import PoolSupervisor
from cluster.metadata import MetadataDB
from cluster.platform import Platform
from cluster.settings import PlatformSettings
from serve_apps.access import Accounts, Caller, install_accounts, instance_admin
from serve_apps.errors import error_docs, install_error_handlers


def platform_events(platform: Platform, after: int) -> dict[str, Any]:
    """The platform's events numbered above `after`, and the newest number."""
    return {"events": platform.events.since(after), "last": platform.events.last_seq}


def create_platform_app(platform: Platform, metadata: MetadataDB | None = None) -> FastAPI:
    """`/_platform`: the supervisor's status and events, for instance admins only."""
    app = FastAPI(title="AgentStack platform", docs_url=None, redoc_url=None)
    install_error_handlers(app)
    install_accounts(app, Accounts(platform.settings, metadata or MetadataDB.from_settings(platform.settings)))

    @app.get("/status", responses=error_docs(401, 403))
    async def status(_: Caller = Depends(instance_admin)) -> dict[str, Any]:
        return await platform.status()

    @app.get("/events", responses=error_docs(401, 403))
    async def events(
        after: int = Query(0, ge=0, description="Only events numbered above this."),
        _: Caller = Depends(instance_admin),
    ) -> dict[str, Any]:
        """The platform's own events (pool grew/shrank, store down/back, errors), oldest first."""
        return platform_events(platform, after)

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
        self.platform = Platform(PlatformSettings(), with_notifier(PoolSupervisor.from_config))
        await self.platform.start()

    def __serve_build_asgi_app__(self) -> FastAPI:
        return create_platform_app(self.platform)

    def ready(self) -> bool:
        """For the launcher (through a Ray handle): the constructor, i.e. the start, has finished."""
        return True

    def events(self, after: int = 0) -> dict[str, Any]:
        """For the launcher (through a Ray handle): the platform's events numbered above `after`."""
        return platform_events(self.platform, after)

    def check_health(self) -> None:
        if not self.platform.healthy():
            raise RuntimeError("platform supervisor or embedded Valkey is down")

    async def __del__(self) -> None:
        await self.platform.stop()


app = PlatformDeployment.bind()
