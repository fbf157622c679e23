"""channel accounts, compliance requests, inbox enqueued_at

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "channel_accounts",
        sa.Column("id", ID, nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_accounts")),
        sa.UniqueConstraint("channel", "account", name=op.f("uq_channel_accounts_channel_account")),
    )
    op.create_table(
        "compliance_requests",
        sa.Column("id", ID, nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("inbox_message_id", ID, nullable=False),
        sa.Column("subject", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbox_message_id"],
            ["inbox_messages.id"],
            name=op.f("fk_compliance_requests_inbox_message_id_inbox_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_requests")),
        sa.UniqueConstraint("inbox_message_id", name=op.f("uq_compliance_requests_inbox_message_id")),
    )
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_inbox_messages_enqueued_at", ["enqueued_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_messages_enqueued_at")
        batch_op.drop_column("enqueued_at")

    op.drop_table("compliance_requests")
    op.drop_table("channel_accounts")
