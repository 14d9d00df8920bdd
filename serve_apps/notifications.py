"""The notifications resource: a project's webhook channels, their delivery log and "send test".

Viewers may read the channels (never a URL or secret: a hint only) and the log; admins create,
change, delete and test channels. The signing secret is returned once, when the channel is made.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from cluster.metadata import notifications as logic
from cluster.metadata.insights import Delivery, NotificationChannel
from serve_apps.access import ProjectAccess, accounts_of, read_access
from serve_apps.errors import error_docs
from serve_apps.insights_common import iso, require_role, who

Severity = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]


class ChannelIn(BaseModel):
    name: str = Field("webhook", max_length=100)
    kind: Literal["webhook", "slack"] = Field("webhook", description="webhook: generic JSON; slack: a Slack-compatible body")
    url: str = Field(max_length=2000, description="stored encrypted; never returned")
    secret: str | None = Field(None, min_length=16, max_length=200, description="signing secret (default: generated, shown once)")
    min_severity: Severity = "HIGH"
    daily_budget_usd: float | None = Field(None, gt=0, description="notify once a day when the day's cost passes this")
    monthly_budget_usd: float | None = Field(None, gt=0, description="notify once a month when the month's cost passes this")


class ChannelPatch(BaseModel):
    name: str | None = Field(None, max_length=100)
    url: str | None = Field(None, max_length=2000)
    min_severity: Severity | None = None
    daily_budget_usd: float | None = Field(None, ge=0, description="0 removes the budget")
    monthly_budget_usd: float | None = Field(None, ge=0, description="0 removes the budget")
    enabled: bool | None = None


class ChannelOut(BaseModel):
    id: str
    name: str
    kind: Literal["webhook", "slack"]
    url_hint: str = Field(description="scheme and host only; the URL itself is never returned")
    min_severity: Severity
    daily_budget_usd: float | None
    monthly_budget_usd: float | None
    enabled: bool
    created_by: str
    created_at: str

    @classmethod
    def of(cls, c: NotificationChannel) -> ChannelOut:
        return cls(id=c.id, name=c.name, kind=c.kind, url_hint=c.url_hint, min_severity=c.min_severity,  # type: ignore[arg-type]
                   daily_budget_usd=c.daily_budget_usd, monthly_budget_usd=c.monthly_budget_usd, enabled=c.enabled,
                   created_by=c.created_by, created_at=iso(c.created_at) or "")


class ChannelCreated(ChannelOut):
    signing_secret: str = Field(description="shown this once: verify X-AgentStack-Signature = sha256=HMAC-SHA256(secret, body)")


class ChannelList(BaseModel):
    items: list[ChannelOut]


class DeliveryOut(BaseModel):
    id: int
    channel_id: str
    event_id: str
    event_kind: Literal["alert", "budget", "test"]
    status: Literal["pending", "retrying", "delivered", "failed"]
    attempts: int
    http_status: int | None
    error: str
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        return cls(id=d.id, channel_id=d.channel_id, event_id=d.event_id, event_kind=d.event_kind, status=d.status,  # type: ignore[arg-type]
                   attempts=d.attempts, http_status=d.http_status, error=d.error, created_at=iso(d.created_at) or "",
                   updated_at=iso(d.updated_at) or "")


class DeliveryList(BaseModel):
    items: list[DeliveryOut]


def notifications_router() -> APIRouter:
    """Channels, deliveries and test sends of one project (`?project_id=`)."""
    router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])
    errors = error_docs(401, 403, 404, 422, 503)

    @router.get("/channels", responses=errors)
    async def list_channels(request: Request, access: ProjectAccess = Depends(read_access)) -> ChannelList:
        with accounts_of(request).db.session() as db:
            return ChannelList(items=[ChannelOut.of(c) for c in logic.channels(db, access.project_id)])

    @router.post("/channels", status_code=201, responses=errors)
    async def create(request: Request, body: ChannelIn, access: ProjectAccess = Depends(read_access)) -> ChannelCreated:
        require_role(access, "admin")
        accounts = accounts_of(request)
        with accounts.db.session() as db:
            channel, secret = logic.create_channel(
                db, accounts.settings, access.project_id, body.name, body.kind, body.url, body.min_severity,
                body.daily_budget_usd, body.monthly_budget_usd, who(access), body.secret,
            )
            return ChannelCreated(**ChannelOut.of(channel).model_dump(), signing_secret=secret)

    @router.patch("/channels/{channel_id}", responses=errors)
    async def change(request: Request, channel_id: str, body: ChannelPatch, access: ProjectAccess = Depends(read_access)) -> ChannelOut:
        require_role(access, "admin")
        accounts = accounts_of(request)
        with accounts.db.session() as db:
            channel = logic.channel_of(db, access.project_id, channel_id)
            if body.name is not None:
                channel.name = body.name.strip()[:100] or channel.name
            if body.url is not None:
                url = logic.check_url(body.url)
                channel.url_encrypted = logic.cipher(accounts.settings).encrypt(url.encode()).decode()
                channel.url_hint = logic.url_hint(url)
            if body.min_severity is not None:
                channel.min_severity = body.min_severity
            if body.daily_budget_usd is not None:
                channel.daily_budget_usd = body.daily_budget_usd or None
            if body.monthly_budget_usd is not None:
                channel.monthly_budget_usd = body.monthly_budget_usd or None
            if body.enabled is not None:
                channel.enabled = body.enabled
            return ChannelOut.of(channel)

    @router.delete("/channels/{channel_id}", status_code=204, responses=errors)
    async def delete(request: Request, channel_id: str, access: ProjectAccess = Depends(read_access)) -> None:
        require_role(access, "admin")
        with accounts_of(request).db.session() as db:
            db.delete(logic.channel_of(db, access.project_id, channel_id))

    @router.get("/deliveries", responses=errors)
    async def deliveries(
        request: Request,
        channel_id: str | None = Query(None, max_length=64),
        limit: int = Query(100, ge=1, le=1000),
        access: ProjectAccess = Depends(read_access),
    ) -> DeliveryList:
        with accounts_of(request).db.session() as db:
            return DeliveryList(items=[DeliveryOut.of(d) for d in logic.deliveries(db, access.project_id, channel_id, limit)])

    @router.post("/channels/{channel_id}/test", responses=errors)
    async def send_test(request: Request, channel_id: str, access: ProjectAccess = Depends(read_access)) -> DeliveryOut:
        """Send a test event now (one attempt, 10 s timeout); the answer is its delivery log entry."""
        from actors.notifier import deliver_test

        require_role(access, "admin")
        accounts = accounts_of(request)
        with accounts.db.session() as db:
            channel = logic.channel_of(db, access.project_id, channel_id)
        row: Any = await deliver_test(accounts.settings, accounts.db, channel)
        return DeliveryOut.of(row)

    return router
