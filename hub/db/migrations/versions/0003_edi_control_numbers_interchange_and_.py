"""edi control numbers, interchange and document receipts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "edi_control_numbers",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_edi_control_numbers_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("partner_id", "kind", name=op.f("pk_edi_control_numbers")),
    )
    op.create_table(
        "edi_document_receipts",
        sa.Column("id", ID, nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("set_id", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("interchange_control_number", sa.String(length=9), nullable=False),
        sa.Column("transaction_control_number", sa.String(length=9), nullable=False),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        sa.Column("first_received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_edi_document_receipts_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edi_document_receipts")),
        sa.UniqueConstraint("partner_id", "set_id", "reference", name="uq_edi_document_receipts_key"),
    )
    op.create_table(
        "edi_interchange_receipts",
        sa.Column("id", ID, nullable=False),
        sa.Column("sender_qualifier", sa.String(length=2), nullable=False),
        sa.Column("sender_id", sa.String(length=15), nullable=False),
        sa.Column("receiver_qualifier", sa.String(length=2), nullable=False),
        sa.Column("receiver_id", sa.String(length=15), nullable=False),
        sa.Column("control_number", sa.String(length=9), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        sa.Column("first_received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_edi_interchange_receipts_partner_id_partners"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_edi_interchange_receipts")),
        sa.UniqueConstraint(
            "sender_qualifier",
            "sender_id",
            "receiver_qualifier",
            "receiver_id",
            "control_number",
            name="uq_edi_interchange_receipts_key",
        ),
    )


def downgrade() -> None:
    op.drop_table("edi_interchange_receipts")
    op.drop_table("edi_document_receipts")
    op.drop_table("edi_control_numbers")
