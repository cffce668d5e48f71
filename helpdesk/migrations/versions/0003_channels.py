"""channels: SMS state and sent SMS

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 16:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"  # the lead re-chains at merge; two heads would break `upgrade head`
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_state",
        sa.Column("conversation_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stop_confirmation_id", sa.Integer(), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("more_pages", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_sms_state_conversation_id_conversation"),
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_sms_state")),
    )
    op.create_table(
        "sms_message",
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("outbound_message_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_sms_message_conversation_id_conversation"),
        ),
        sa.ForeignKeyConstraint(
            ["outbound_message_id"],
            ["outbound_message.id"],
            name=op.f("fk_sms_message_outbound_message_id_outbound_message"),
        ),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_sms_message")),
    )
    with op.batch_alter_table("sms_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sms_message_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sms_message_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sms_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_message_created_at"))
        batch_op.drop_index(batch_op.f("ix_sms_message_conversation_id"))
    op.drop_table("sms_message")
    op.drop_table("sms_state")
