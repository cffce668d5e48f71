"""analytics: pseudonymous demand events and their monthly counts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "demand_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("stadtbezirk", sa.String(length=32), nullable=True),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("competence_area", sa.String(length=8), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("level_needed", sa.SmallInteger(), nullable=True),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("conversation_ref", sa.String(length=64), nullable=False),
        sa.Column("generated", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "level_needed IS NULL OR level_needed BETWEEN 1 AND 4",
            name=op.f("ck_demand_event_level"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_event")),
    )
    with op.batch_alter_table("demand_event", schema=None) as batch_op:
        batch_op.create_index("ix_demand_event_day", ["day"])
        batch_op.create_index("ix_demand_event_month", ["month"])
    op.create_table(
        "demand_month",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("stadtbezirk", sa.String(length=32), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("competence_area", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("level_needed", sa.SmallInteger(), nullable=False),
        sa.Column("generated", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "channel",
            "stadtbezirk",
            "topic",
            "competence_area",
            "outcome",
            "level_needed",
            "generated",
            name=op.f("pk_demand_month"),
        ),
    )


def downgrade() -> None:
    op.drop_table("demand_month")
    with op.batch_alter_table("demand_event", schema=None) as batch_op:
        batch_op.drop_index("ix_demand_event_month")
        batch_op.drop_index("ix_demand_event_day")
    op.drop_table("demand_event")
