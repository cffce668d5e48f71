"""privacy: encrypted contacts, pseudonym key id, notice/erasure state, audit log

Existing contacts are encrypted with the configured keys (DIODO_CONTACT_KEYS,
DIODO_CONTACT_INDEX_KEY); the plaintext column is dropped. Downgrade decrypts them back.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 19:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _keyring():  # type: ignore[no-untyped-def]
    from helpdesk.privacy.crypto import Keyring
    from helpdesk.settings import Settings

    return Keyring.from_settings(Settings())


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("address_index", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, channel, address FROM contact")).all()
    if rows:
        keys = _keyring()
        for row in rows:
            bind.execute(
                sa.text(
                    "UPDATE contact SET address_enc = :enc, address_index = :ix WHERE id = :id"
                ),
                {
                    "enc": keys.encrypt(row.address),
                    "ix": keys.index(row.channel, row.address),
                    "id": row.id,
                },
            )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_constraint("uq_contact_channel_address", type_="unique")
        batch_op.drop_column("address")
        batch_op.alter_column("address_enc", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("address_index", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_contact_channel_address_index"), ["channel", "address_index"]
        )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pseudonym_key_id", sa.String(length=16), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("notice_sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("erase_asked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.alter_column("pseudonym_key_id", server_default=None)
    op.create_table(
        "privacy_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_audit")),
    )
    with op.batch_alter_table("privacy_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_audit_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("privacy_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_audit_at"))
    op.drop_table("privacy_audit")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("erase_asked_at")
        batch_op.drop_column("notice_sent_at")
        batch_op.drop_column("pseudonym_key_id")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=255), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, address_enc FROM contact")).all()
    if rows:
        keys = _keyring()
        for row in rows:
            bind.execute(
                sa.text("UPDATE contact SET address = :address WHERE id = :id"),
                {"address": keys.decrypt(row.address_enc), "id": row.id},
            )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_constraint("uq_contact_channel_address_index", type_="unique")
        batch_op.drop_column("address_index")
        batch_op.drop_column("address_enc")
        batch_op.alter_column("address", existing_type=sa.String(length=255), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_contact_channel_address"), ["channel", "address"]
        )
