"""knowledge: feedback per article, unanswered questions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("article_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_feedback")),
        sa.UniqueConstraint(
            "day",
            "article_id",
            "channel",
            "helpful",
            name=op.f("uq_article_feedback_day_article_id_channel_helpful"),
        ),
    )
    with op.batch_alter_table("article_feedback", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_article_feedback_article_id"), ["article_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_article_feedback_day"), ["day"], unique=False)
    op.create_table(
        "unanswered_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_hash", sa.String(length=64), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unanswered_question")),
        sa.UniqueConstraint("question_hash", name=op.f("uq_unanswered_question_question_hash")),
    )
    with op.batch_alter_table("unanswered_question", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unanswered_question_last_seen"), ["last_seen"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("unanswered_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unanswered_question_last_seen"))
    op.drop_table("unanswered_question")
    with op.batch_alter_table("article_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_feedback_day"))
        batch_op.drop_index(batch_op.f("ix_article_feedback_article_id"))
    op.drop_table("article_feedback")
