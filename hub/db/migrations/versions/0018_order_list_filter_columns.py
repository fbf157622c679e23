"""Order list filters on columns with indexes: the customer's email and the requested ship date as columns,
filled from the stored documents, and an index per filter ending in ``id`` (the list's sort order); order lines
by (sku, order_id) for the SKU filter.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

DONE = ("shipped", "delivered", "closed", "cancelled")
OPEN_WITH_SHIP_BY = sa.and_(sa.column("ship_by").is_not(None), sa.column("status").not_in(DONE))
INDEXES = {
    "ix_orders_channel_id": ["channel", "id"],
    "ix_orders_status_id": ["status", "id"],
    "ix_orders_customer_email_id": ["customer_email", "id"],
    "ix_orders_placed_at_id": ["placed_at", "id"],
}
BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("ship_by", sa.Date(), nullable=True))
    _backfill()
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
        batch_op.create_index(
            "ix_orders_open_id_ship_by",
            ["id", "ship_by"],
            unique=False,
            postgresql_where=OPEN_WITH_SHIP_BY,
            sqlite_where=OPEN_WITH_SHIP_BY,
        )
    with op.batch_alter_table("order_routings", schema=None) as batch_op:
        batch_op.create_index("ix_order_routings_outcome_order_id", ["outcome", "order_id"], unique=False)
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index("ix_order_lines_sku_order_id", ["sku", "order_id"], unique=False)
        batch_op.drop_index("ix_order_lines_sku")  # the new index serves every look-up by SKU it served


def _backfill() -> None:
    """The new columns of the orders already stored, from their documents."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "UPDATE orders SET customer_email = lower(document -> 'customer' ->> 'email'),"
            " ship_by = (document ->> 'requested_ship_date')::date"
        )
        return
    # SQLite's lower() folds ASCII only; the hub lower-cases in Python when it writes, so the backfill does too.
    rows = bind.execute(
        sa.text(
            "SELECT id, json_extract(document, '$.customer.email'), json_extract(document, '$.requested_ship_date')"
            " FROM orders"
        )
    ).all()
    update = sa.text("UPDATE orders SET customer_email = :email, ship_by = :ship_by WHERE id = :id")
    values = [{"id": i, "email": e.lower() if isinstance(e, str) else None, "ship_by": d} for i, e, d in rows]
    for start in range(0, len(values), BATCH):
        bind.execute(update, values[start : start + BATCH])


def downgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index("ix_order_lines_sku", ["sku"], unique=False)
        batch_op.drop_index("ix_order_lines_sku_order_id")
    with op.batch_alter_table("order_routings", schema=None) as batch_op:
        batch_op.drop_index("ix_order_routings_outcome_order_id")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_open_id_ship_by")
        for name in INDEXES:
            batch_op.drop_index(name)
        batch_op.drop_column("ship_by")
        batch_op.drop_column("customer_email")
