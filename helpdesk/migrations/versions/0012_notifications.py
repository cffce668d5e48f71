"""notifications: staff e-mail addresses and the sent-once table of ticket e-mails

Revision ID: 0012_notifications
Revises: 0011_abuse_limits
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_notifications"
down_revision = "0011_abuse_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "notification_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
            name=op.f("fk_notification_sent_ticket_id_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_sent")),
        sa.UniqueConstraint(
            "ticket_id", "event", name=op.f("uq_notification_sent_ticket_id_event")
        ),
    )
    with op.batch_alter_table("notification_sent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_sent_ticket_id"), ["ticket_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notification_sent_sent_at"), ["sent_at"], unique=False)


def downgrade() -> None:
    op.drop_table("notification_sent")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("email")
