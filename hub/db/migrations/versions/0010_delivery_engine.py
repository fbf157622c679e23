"""Delivery engine: connector accounts, delivery destinations (pause and circuit breaker), shipments, who
fulfils each location, and the outbox's lease, publish mark, queue and order columns.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "connector_accounts",
        sa.Column("id", ID, nullable=False),
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("secrets", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connector_accounts")),
        sa.UniqueConstraint("connector", "account", name=op.f("uq_connector_accounts_connector_account")),
    )
    op.create_table(
        "delivery_destinations",
        sa.Column("destination", sa.String(length=200), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("paused_reason", sa.Text(), nullable=True),
        sa.Column("breaker", sa.String(length=16), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("open_until", WHEN, nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("destination", name=op.f("pk_delivery_destinations")),
    )
    op.create_table(
        "shipments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("fulfillment_order_id", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("carrier", sa.String(length=128), nullable=True),
        sa.Column("service", sa.String(length=128), nullable=True),
        sa.Column("tracking_numbers", JSON, nullable=False),
        sa.Column("tracking_url", sa.String(length=1024), nullable=True),
        sa.Column("shipped_at", WHEN, nullable=True),
        sa.Column("units", JSON, nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["fulfillment_order_id"],
            ["fulfillment_orders.id"],
            name=op.f("fk_shipments_fulfillment_order_id_fulfillment_orders"),
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_shipments_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint("source", "key", name=op.f("uq_shipments_source_key")),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index("ix_shipments_fulfillment_order_id", ["fulfillment_order_id"], unique=False)
        batch_op.create_index("ix_shipments_order_id", ["order_id"], unique=False)

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("queue", sa.String(length=32), nullable=False, server_default="deliver.3pl"))
        batch_op.add_column(sa.Column("lease_until", WHEN, nullable=True))
        batch_op.add_column(sa.Column("published_at", WHEN, nullable=True))
        batch_op.add_column(sa.Column("external_id", sa.String(length=255), nullable=True))
        batch_op.alter_column(
            "destination", existing_type=sa.String(length=64), type_=sa.String(length=200), existing_nullable=False
        )
        batch_op.create_index("ix_deliveries_destination_status", ["destination", "status"], unique=False)
        batch_op.create_index("ix_deliveries_order_id", ["order_id"], unique=False)

    with op.batch_alter_table("inventory_locations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fulfilled_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inventory_locations", schema=None) as batch_op:
        batch_op.drop_column("fulfilled_by")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_order_id")
        batch_op.drop_index("ix_deliveries_destination_status")
        batch_op.alter_column(
            "destination", existing_type=sa.String(length=200), type_=sa.String(length=64), existing_nullable=False
        )
        for column in ("external_id", "published_at", "lease_until", "queue", "order_id"):
            batch_op.drop_column(column)
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_order_id")
        batch_op.drop_index("ix_shipments_fulfillment_order_id")
    op.drop_table("shipments")
    op.drop_table("delivery_destinations")
    op.drop_table("connector_accounts")
