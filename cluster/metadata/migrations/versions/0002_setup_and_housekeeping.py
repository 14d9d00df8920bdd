"""setup codes, login failure counters, instance state, pending project deletions

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cluster.metadata.models import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "setup_codes",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "login_failures",
        sa.Column("subject", sa.String(400), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "instance_state",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(1000), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "project_deletions",
        sa.Column("project_id", sa.String(32), primary_key=True),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("done_at", UtcDateTime(), nullable=True),
    )


def downgrade() -> None:
    for table in ("project_deletions", "instance_state", "login_failures", "setup_codes"):
        op.drop_table(table)
