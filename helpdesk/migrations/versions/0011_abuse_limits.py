"""channels: abuse limits (rate_limit per keyed hash, open_poll per long poll)

Revision ID: 0011_abuse_limits
Revises: 0010_staff_totp
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_abuse_limits"
down_revision = "0010_staff_totp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("full_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("noticed_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_rate_limit")),
    )
    with op.batch_alter_table("rate_limit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_limit_full_at"), ["full_at"], unique=False)
    op.create_table(
        "open_poll",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_key", sa.String(length=64), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_poll")),
    )
    with op.batch_alter_table("open_poll", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_open_poll_session_key"), ["session_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_open_poll_address_key"), ["address_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_open_poll_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_table("open_poll")
    op.drop_table("rate_limit")
