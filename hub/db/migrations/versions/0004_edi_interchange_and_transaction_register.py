"""edi interchange and transaction register

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "edi_interchanges",
        sa.Column("id", ID, nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("inbox_message_id", ID, nullable=True),
        sa.Column("control_number", sa.String(length=9), nullable=False),
        sa.Column("sender", sa.String(length=20), nullable=False),
        sa.Column("receiver", sa.String(length=20), nullable=False),
        sa.Column("usage", sa.String(length=1), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ta1_code", sa.String(length=3), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("transport", sa.String(length=16), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["edi_interchanges.id"], name=op.f("fk_edi_interchanges_answer_id_edi_interchanges")
        ),
        sa.ForeignKeyConstraint(
            ["inbox_message_id"],
            ["inbox_messages.id"],
            name=op.f("fk_edi_interchanges_inbox_message_id_inbox_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_edi_interchanges_partner_id_partners"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edi_interchanges")),
    )
    with op.batch_alter_table("edi_interchanges", schema=None) as batch_op:
        batch_op.create_index("ix_edi_interchanges_direction_status", ["direction", "status"], unique=False)
        batch_op.create_index("ix_edi_interchanges_inbox_message_id", ["inbox_message_id"], unique=False)
        batch_op.create_index(
            "ix_edi_interchanges_partner_id_direction_control_number",
            ["partner_id", "direction", "control_number"],
            unique=False,
        )

    op.create_table(
        "edi_transactions",
        sa.Column("id", ID, nullable=False),
        sa.Column("interchange_id", ID, nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("functional_id", sa.String(length=2), nullable=False),
        sa.Column("group_control_number", sa.String(length=9), nullable=False),
        sa.Column("gs_version", sa.String(length=12), nullable=False),
        sa.Column("set_id", sa.String(length=3), nullable=False),
        sa.Column("control_number", sa.String(length=9), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ack_status", sa.String(length=24), nullable=True),
        sa.Column("ack_codes", JSON, nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ack_interchange_id", ID, nullable=True),
        sa.Column("document", JSON, nullable=True),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ack_interchange_id"],
            ["edi_interchanges.id"],
            name=op.f("fk_edi_transactions_ack_interchange_id_edi_interchanges"),
        ),
        sa.ForeignKeyConstraint(
            ["interchange_id"],
            ["edi_interchanges.id"],
            name=op.f("fk_edi_transactions_interchange_id_edi_interchanges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_edi_transactions_partner_id_partners"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edi_transactions")),
    )
    with op.batch_alter_table("edi_transactions", schema=None) as batch_op:
        batch_op.create_index("ix_edi_transactions_interchange_id", ["interchange_id"], unique=False)
        batch_op.create_index("ix_edi_transactions_order_id", ["order_id"], unique=False)
        batch_op.create_index(
            "ix_edi_transactions_partner_id_direction_group_control_number",
            ["partner_id", "direction", "group_control_number", "control_number"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("edi_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_edi_transactions_partner_id_direction_group_control_number")
        batch_op.drop_index("ix_edi_transactions_order_id")
        batch_op.drop_index("ix_edi_transactions_interchange_id")

    op.drop_table("edi_transactions")
    with op.batch_alter_table("edi_interchanges", schema=None) as batch_op:
        batch_op.drop_index("ix_edi_interchanges_partner_id_direction_control_number")
        batch_op.drop_index("ix_edi_interchanges_inbox_message_id")
        batch_op.drop_index("ix_edi_interchanges_direction_status")

    op.drop_table("edi_interchanges")
