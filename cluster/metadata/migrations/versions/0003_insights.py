"""alert status, project rules and allow-lists, price overrides, notification channels, delivery log

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cluster.metadata.models import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

def _project() -> sa.ForeignKey:
    return sa.ForeignKey("projects.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "alert_status",
        sa.Column("project_id", sa.String(32), _project(), primary_key=True),
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("alert_created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_alert_status_project_status", "alert_status", ["project_id", "status"])
    op.create_table(
        "project_rules",
        sa.Column("project_id", sa.String(32), _project(), primary_key=True),
        sa.Column("rules_json", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "allow_list_entries",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("project_id", sa.String(32), _project(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(512), nullable=False),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("source_alert_id", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("project_id", "kind", "value", name="uq_allow_list_value"),
    )
    op.create_index("ix_allow_list_entries_project_id", "allow_list_entries", ["project_id"])
    op.create_table(
        "price_overrides",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("project_id", sa.String(32), _project(), nullable=False),
        sa.Column("model_pattern", sa.String(200), nullable=False),
        sa.Column("provider", sa.String(100), nullable=False),
        *(sa.Column(f"{kind}_per_mtok", sa.Float(), nullable=False)
          for kind in ("input", "output", "cache_read", "cache_write", "reasoning")),
        sa.Column("effective_from", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_price_overrides_project_id", "price_overrides", ["project_id"])
    op.create_table(
        "notification_channels",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("project_id", sa.String(32), _project(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("url_encrypted", sa.Text(), nullable=False),
        sa.Column("url_hint", sa.String(200), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("min_severity", sa.String(16), nullable=False),
        sa.Column("daily_budget_usd", sa.Float(), nullable=True),
        sa.Column("monthly_budget_usd", sa.Float(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_notification_channels_project_id", "notification_channels", ["project_id"])
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel_id", sa.String(32), sa.ForeignKey("notification_channels.id", ondelete="CASCADE"), nullable=False),
        sa.Column("project_id", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("event_kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("channel_id", "event_id", name="uq_delivery_event"),
    )
    op.create_index("ix_notification_deliveries_channel_id", "notification_deliveries", ["channel_id"])
    op.create_index("ix_notification_deliveries_project_id", "notification_deliveries", ["project_id"])


def downgrade() -> None:
    for table in ("notification_deliveries", "notification_channels", "price_overrides", "allow_list_entries",
                  "project_rules", "alert_status"):
        op.drop_table(table)
