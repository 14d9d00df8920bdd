"""Metadata tables of the Insights features: alert status, project rules and allow-lists, price
overrides, notification channels and their delivery log.

Alerts themselves stay in ClickHouse (`security_alerts`); what people decide about them (status,
who, when, a note) lives here, keyed by alert id. A status row also copies the alert's severity,
rule and time, so "open alerts by severity" is ClickHouse's count minus these rows' count, without
moving ids between the stores.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cluster.metadata.models import Base, UtcDateTime, utcnow

#: Alert statuses; an alert without a status row is `open`.
ALERT_STATUSES: tuple[str, ...] = ("open", "acknowledged", "resolved", "false_positive")


class AlertStatus(Base):
    """What a person decided about one alert (absent: open)."""

    __tablename__ = "alert_status"
    __table_args__ = (Index("ix_alert_status_project_status", "project_id", "status"),)

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    alert_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(32))
    alert_created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ProjectRuleSet(Base):
    """A project's security rules laid over `configs/security.yaml`'s defaults (JSON of ProjectRules keys)."""

    __tablename__ = "project_rules"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    rules_json: Mapped[str] = mapped_column(Text, default="{}")
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AllowListEntry(Base):
    """A value the scanner never reports again in one project: an HMAC digest of the exact value, or a regex."""

    __tablename__ = "allow_list_entries"
    __table_args__ = (UniqueConstraint("project_id", "kind", "value", name="uq_allow_list_value"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "digest" | "pattern"
    value: Mapped[str] = mapped_column(String(512))
    entity_type: Mapped[str] = mapped_column(String(64), default="")
    source_alert_id: Mapped[str] = mapped_column(String(64), default="")
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PriceOverride(Base):
    """A project's own price of a model (USD per million tokens), from `effective_from` on."""

    __tablename__ = "price_overrides"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    model_pattern: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(100), default="")
    input_per_mtok: Mapped[float] = mapped_column(Float)
    output_per_mtok: Mapped[float] = mapped_column(Float)
    cache_read_per_mtok: Mapped[float] = mapped_column(Float)
    cache_write_per_mtok: Mapped[float] = mapped_column(Float)
    reasoning_per_mtok: Mapped[float] = mapped_column(Float)
    effective_from: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class NotificationChannel(Base):
    """A webhook of a project; its URL and signing secret are stored encrypted (Fernet)."""

    __tablename__ = "notification_channels"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # "webhook" | "slack"
    url_encrypted: Mapped[str] = mapped_column(Text)
    url_hint: Mapped[str] = mapped_column(String(200))
    secret_encrypted: Mapped[str] = mapped_column(Text, default="")
    min_severity: Mapped[str] = mapped_column(String(16), default="HIGH")
    daily_budget_usd: Mapped[float | None] = mapped_column(Float, default=None)
    monthly_budget_usd: Mapped[float | None] = mapped_column(Float, default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Delivery(Base):
    """One event (alert, budget, test) sent to one channel: the delivery log, one row per (channel, event)."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (UniqueConstraint("channel_id", "event_id", name="uq_delivery_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("notification_channels.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[str] = mapped_column(String(32), index=True)
    event_id: Mapped[str] = mapped_column(String(128))
    event_kind: Mapped[str] = mapped_column(String(16))  # "alert" | "budget" | "test"
    status: Mapped[str] = mapped_column(String(16))  # "pending" | "delivered" | "failed"
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    http_status: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
