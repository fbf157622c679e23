"""Drop-ship suppliers: purchase orders, acknowledgments and invoices.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "supplier_purchase_orders",
        sa.Column("po_number", sa.String(length=22), nullable=False),
        sa.Column("fulfillment_order_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lines", JSON, nullable=False),
        sa.Column("interchange_control_number", sa.String(length=9), nullable=False),
        sa.Column("set_control_number", sa.String(length=9), nullable=False),
        sa.Column("ack_by", sa.String(length=3), nullable=False),
        sa.Column("ack_due_at", WHEN, nullable=True),
        sa.Column("acknowledged_at", WHEN, nullable=True),
        sa.Column("overdue_at", WHEN, nullable=True),
        sa.Column("cancel_control_number", sa.String(length=9), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_supplier_purchase_orders_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("po_number", name=op.f("pk_supplier_purchase_orders")),
        sa.UniqueConstraint("fulfillment_order_id", name=op.f("uq_supplier_purchase_orders_fulfillment_order_id")),
    )
    op.create_index("ix_supplier_purchase_orders_order_id", "supplier_purchase_orders", ["order_id"])
    op.create_index(
        "ix_supplier_purchase_orders_partner_id_status", "supplier_purchase_orders", ["partner_id", "status"]
    )
    op.create_table(
        "supplier_invoices",
        sa.Column("id", ID, nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("invoice_number", sa.String(length=80), nullable=False),
        sa.Column("po_number", sa.String(length=22), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("invoice_date", sa.String(length=10), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("exceptions", JSON, nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("inbox_message_id", ID, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("received_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], name=op.f("fk_supplier_invoices_partner_id_partners")),
        sa.ForeignKeyConstraint(
            ["po_number"],
            ["supplier_purchase_orders.po_number"],
            name=op.f("fk_supplier_invoices_po_number_supplier_purchase_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_invoices")),
        sa.UniqueConstraint(
            "partner_id", "invoice_number", name=op.f("uq_supplier_invoices_partner_id_invoice_number")
        ),
    )
    op.create_index("ix_supplier_invoices_po_number", "supplier_invoices", ["po_number"])
    op.create_index("ix_supplier_invoices_status", "supplier_invoices", ["status"])


def downgrade() -> None:
    op.drop_index("ix_supplier_invoices_status", table_name="supplier_invoices")
    op.drop_index("ix_supplier_invoices_po_number", table_name="supplier_invoices")
    op.drop_table("supplier_invoices")
    op.drop_index("ix_supplier_purchase_orders_partner_id_status", table_name="supplier_purchase_orders")
    op.drop_index("ix_supplier_purchase_orders_order_id", table_name="supplier_purchase_orders")
    op.drop_table("supplier_purchase_orders")
