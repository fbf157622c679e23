"""Order lifecycle: per-line quantity ledgers, fulfillment orders and their lines, returns (RMAs) and their
lines.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# The quantity ledger's invariants, held by the database as well as by hub.lifecycle.quantities.
LEDGER_BUCKETS = (
    "ordered",
    "allocated",
    "backordered",
    "released",
    "shipped",
    "delivered",
    "cancelled",
    "return_requested",
    "returned",
    "restocked",
    "disposed",
)
LEDGER_NOT_NEGATIVE = " AND ".join(f"{name} >= 0" for name in LEDGER_BUCKETS)
LEDGER_NESTED = (
    "cancelled + backordered + allocated <= ordered AND released <= allocated AND shipped <= released"
    " AND delivered <= shipped AND return_requested <= delivered AND returned <= return_requested"
    " AND restocked + disposed <= returned"
)
RETURN_LINE_UNITS = (
    "received >= 0 AND cancelled >= 0 AND restocked >= 0 AND disposed >= 0"
    " AND received + cancelled <= requested AND restocked + disposed <= received"
)


def upgrade() -> None:
    op.create_table(
        "order_lifecycles",
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("validated", sa.Boolean(), nullable=False),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_lifecycles_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_lifecycles")),
    )
    with op.batch_alter_table("order_lifecycles", schema=None) as batch_op:
        batch_op.create_index("ix_order_lifecycles_state", ["state"], unique=False)

    op.create_table(
        "fulfillment_orders",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["inventory_locations.id"],
            name=op.f("fk_fulfillment_orders_location_id_inventory_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["order_lifecycles.order_id"],
            name=op.f("fk_fulfillment_orders_order_id_order_lifecycles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_orders")),
    )
    with op.batch_alter_table("fulfillment_orders", schema=None) as batch_op:
        batch_op.create_index("ix_fulfillment_orders_location_id_state", ["location_id", "state"], unique=False)
        batch_op.create_index("ix_fulfillment_orders_order_id", ["order_id"], unique=False)

    op.create_table(
        "line_quantities",
        sa.Column("id", ID, nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("ordered", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("backordered", sa.Integer(), nullable=False),
        sa.Column("released", sa.Integer(), nullable=False),
        sa.Column("shipped", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("return_requested", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("restocked", sa.Integer(), nullable=False),
        sa.Column("disposed", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            LEDGER_NESTED,
            name=op.f("ck_line_quantities_nested"),
        ),
        sa.CheckConstraint(
            LEDGER_NOT_NEGATIVE,
            name=op.f("ck_line_quantities_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["order_lifecycles.order_id"],
            name=op.f("fk_line_quantities_order_id_order_lifecycles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_quantities")),
        sa.UniqueConstraint("order_id", "line_id", name=op.f("uq_line_quantities_order_id_line_id")),
    )
    op.create_table(
        "return_authorizations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("rma_number", sa.String(length=64), nullable=True),
        sa.Column("location_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("replacements", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["inventory_locations.id"],
            name=op.f("fk_return_authorizations_location_id_inventory_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["order_lifecycles.order_id"],
            name=op.f("fk_return_authorizations_order_id_order_lifecycles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_authorizations")),
    )
    with op.batch_alter_table("return_authorizations", schema=None) as batch_op:
        batch_op.create_index("ix_return_authorizations_order_id", ["order_id"], unique=False)
        batch_op.create_index("ix_return_authorizations_rma_number", ["rma_number"], unique=False)

    op.create_table(
        "fulfillment_order_lines",
        sa.Column("id", ID, nullable=False),
        sa.Column("fulfillment_order_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("shipped", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "shipped >= 0 AND cancelled >= 0 AND shipped + cancelled <= quantity",
            name=op.f("ck_fulfillment_order_lines_units"),
        ),
        sa.ForeignKeyConstraint(
            ["fulfillment_order_id"],
            ["fulfillment_orders.id"],
            name=op.f("fk_fulfillment_order_lines_fulfillment_order_id_fulfillment_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_order_lines")),
        sa.UniqueConstraint(
            "fulfillment_order_id", "line_id", name=op.f("uq_fulfillment_order_lines_fulfillment_order_id_line_id")
        ),
    )
    op.create_table(
        "return_lines",
        sa.Column("id", ID, nullable=False),
        sa.Column("return_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=True),
        sa.Column("requested", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("restocked", sa.Integer(), nullable=False),
        sa.Column("disposed", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            RETURN_LINE_UNITS,
            name=op.f("ck_return_lines_units"),
        ),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["return_authorizations.id"],
            name=op.f("fk_return_lines_return_id_return_authorizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_lines")),
        sa.UniqueConstraint("return_id", "line_id", name=op.f("uq_return_lines_return_id_line_id")),
    )


def downgrade() -> None:
    op.drop_table("return_lines")
    op.drop_table("fulfillment_order_lines")
    with op.batch_alter_table("return_authorizations", schema=None) as batch_op:
        batch_op.drop_index("ix_return_authorizations_rma_number")
        batch_op.drop_index("ix_return_authorizations_order_id")

    op.drop_table("return_authorizations")
    op.drop_table("line_quantities")
    with op.batch_alter_table("fulfillment_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_fulfillment_orders_order_id")
        batch_op.drop_index("ix_fulfillment_orders_location_id_state")

    op.drop_table("fulfillment_orders")
    with op.batch_alter_table("order_lifecycles", schema=None) as batch_op:
        batch_op.drop_index("ix_order_lifecycles_state")

    op.drop_table("order_lifecycles")
