"""phone numbers out of message texts: sealed beside the inbound text; call-back window
encrypted

Existing inbound texts (and the citizen entries of ticket threads) get their phone
numbers replaced by the placeholder; the numbers are kept encrypted in
``inbound_message.numbers_enc``. Existing call-back windows are encrypted with the
contact keys. Downgrade decrypts the windows and puts the numbers back.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _keyring():  # type: ignore[no-untyped-def]
    from helpdesk.privacy.crypto import Keyring
    from helpdesk.settings import Settings

    return Keyring.from_settings(Settings())


def upgrade() -> None:
    from helpdesk.privacy.phones import PLACEHOLDER, redact_phone_numbers, seal_numbers

    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("numbers_enc", sa.Text(), nullable=True))
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.alter_column(
            "callback_window", existing_type=sa.String(length=100), type_=sa.Text()
        )
    bind = op.get_bind()
    keys = None
    for row in bind.execute(sa.text("SELECT id, text FROM inbound_message")).all():
        redacted, numbers = redact_phone_numbers(row.text)
        if not numbers:
            continue
        keys = keys or _keyring()
        bind.execute(
            sa.text("UPDATE inbound_message SET text = :t, numbers_enc = :n WHERE id = :id"),
            {"t": redacted, "n": seal_numbers(numbers, keys), "id": row.id},
        )
    for row in bind.execute(sa.text("SELECT id, text FROM ticket_message")).all():
        redacted, numbers = redact_phone_numbers(row.text)
        if numbers:
            bind.execute(
                sa.text("UPDATE ticket_message SET text = :t WHERE id = :id"),
                {"t": redacted, "id": row.id},
            )
    windows = bind.execute(
        sa.text("SELECT id, callback_window FROM ticket WHERE callback_window IS NOT NULL")
    ).all()
    for row in windows:
        keys = keys or _keyring()
        window = redact_phone_numbers(row.callback_window)[0].replace(PLACEHOLDER, "").strip(" ,")
        bind.execute(
            sa.text("UPDATE ticket SET callback_window = :w WHERE id = :id"),
            {"w": keys.encrypt(window) if window else None, "id": row.id},
        )


def downgrade() -> None:
    from helpdesk.privacy.phones import restore_numbers

    bind = op.get_bind()
    keys = None
    sealed = bind.execute(
        sa.text("SELECT id, text, numbers_enc FROM inbound_message WHERE numbers_enc IS NOT NULL")
    ).all()
    for row in sealed:
        keys = keys or _keyring()
        bind.execute(
            sa.text("UPDATE inbound_message SET text = :t WHERE id = :id"),
            {"t": restore_numbers(row.text, row.numbers_enc, keys), "id": row.id},
        )
    windows = bind.execute(
        sa.text("SELECT id, callback_window FROM ticket WHERE callback_window IS NOT NULL")
    ).all()
    for row in windows:
        keys = keys or _keyring()
        bind.execute(
            sa.text("UPDATE ticket SET callback_window = :w WHERE id = :id"),
            {"w": keys.decrypt(row.callback_window)[:100], "id": row.id},
        )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.alter_column(
            "callback_window", existing_type=sa.Text(), type_=sa.String(length=100)
        )
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_column("numbers_enc")
