"""order routings and the SKUs waiting orders need

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "order_routings",
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("rule", sa.String(length=128), nullable=True),
        sa.Column("waiting", sa.Boolean(), nullable=False),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reroute_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ledger_mark", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_routings_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_routings")),
    )
    with op.batch_alter_table("order_routings", schema=None) as batch_op:
        batch_op.create_index("ix_order_routings_waiting_cancel_at", ["waiting", "cancel_at"], unique=False)
        batch_op.create_index("ix_order_routings_waiting_reroute_at", ["waiting", "reroute_at"], unique=False)

    op.create_table(
        "order_routing_skus",
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["order_routings.order_id"],
            name=op.f("fk_order_routing_skus_order_id_order_routings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", "sku", name=op.f("pk_order_routing_skus")),
    )
    with op.batch_alter_table("order_routing_skus", schema=None) as batch_op:
        batch_op.create_index("ix_order_routing_skus_sku", ["sku"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("order_routing_skus", schema=None) as batch_op:
        batch_op.drop_index("ix_order_routing_skus_sku")
    op.drop_table("order_routing_skus")
    with op.batch_alter_table("order_routings", schema=None) as batch_op:
        batch_op.drop_index("ix_order_routings_waiting_reroute_at")
        batch_op.drop_index("ix_order_routings_waiting_cancel_at")
    op.drop_table("order_routings")
