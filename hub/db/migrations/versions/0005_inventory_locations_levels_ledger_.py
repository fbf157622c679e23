"""Inventory: locations, stock levels, the append-only inventory ledger, allocations, reservations, incoming
stock and counts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# The inventory ledger explains every stock figure: the database itself refuses to change or delete a row.
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER inventory_ledger_no_update BEFORE UPDATE ON inventory_ledger "
        "BEGIN SELECT RAISE(ABORT, 'inventory_ledger is append-only'); END",
        "CREATE TRIGGER inventory_ledger_no_delete BEFORE DELETE ON inventory_ledger "
        "BEGIN SELECT RAISE(ABORT, 'inventory_ledger is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION inventory_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'inventory_ledger is append-only'; END $$",
        "CREATE TRIGGER inventory_ledger_append_only BEFORE UPDATE OR DELETE ON inventory_ledger "
        "FOR EACH ROW EXECUTE FUNCTION inventory_ledger_append_only()",
        # TRUNCATE skips row triggers; a statement trigger refuses it too.
        "CREATE TRIGGER inventory_ledger_no_truncate BEFORE TRUNCATE ON inventory_ledger "
        "FOR EACH STATEMENT EXECUTE FUNCTION inventory_ledger_append_only()",
    ],
}
DROP_APPEND_ONLY = {
    "sqlite": ["DROP TRIGGER inventory_ledger_no_update", "DROP TRIGGER inventory_ledger_no_delete"],
    "postgresql": [
        "DROP TRIGGER inventory_ledger_no_truncate ON inventory_ledger",
        "DROP TRIGGER inventory_ledger_append_only ON inventory_ledger",
        "DROP FUNCTION inventory_ledger_append_only()",
    ],
}


def upgrade() -> None:
    op.create_table(
        "inventory_locations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("can_ship", sa.Boolean(), nullable=False),
        sa.Column("can_pickup", sa.Boolean(), nullable=False),
        sa.Column("can_ship_from_store", sa.Boolean(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("postal_region", sa.String(length=32), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("partner_id", sa.String(length=64), nullable=True),
        sa.Column("external_id", sa.String(length=80), nullable=True),
        sa.Column("profile", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_inventory_locations_partner_id_partners"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_locations")),
    )
    with op.batch_alter_table("inventory_locations", schema=None) as batch_op:
        batch_op.create_index("ix_inventory_locations_active_priority", ["active", "priority"], unique=False)
        batch_op.create_index(
            "ix_inventory_locations_partner_id_external_id", ["partner_id", "external_id"], unique=False
        )

    op.create_table(
        "inventory_allocations",
        sa.Column("id", ID, nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("line_id", sa.String(length=64), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("shipped", sa.Integer(), nullable=False),
        sa.Column("released", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_inventory_allocations_quantity_not_negative")),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["inventory_locations.id"],
            name=op.f("fk_inventory_allocations_location_id_inventory_locations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_allocations")),
        sa.UniqueConstraint(
            "order_id", "line_id", "location_id", name=op.f("uq_inventory_allocations_order_id_line_id_location_id")
        ),
    )
    with op.batch_alter_table("inventory_allocations", schema=None) as batch_op:
        batch_op.create_index("ix_inventory_allocations_sku_location_id", ["sku", "location_id"], unique=False)

    op.create_table(
        "inventory_counts",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("reported", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ledger_value", sa.Integer(), nullable=True),
        sa.Column("adjustment", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["inventory_locations.id"],
            name=op.f("fk_inventory_counts_location_id_inventory_locations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_counts")),
        sa.UniqueConstraint("key", name=op.f("uq_inventory_counts_key")),
    )
    with op.batch_alter_table("inventory_counts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inventory_counts_sku_location_id_as_of", ["sku", "location_id", "as_of"], unique=False
        )

    op.create_table(
        "inventory_incoming",
        sa.Column("id", ID, nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("expected_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_inventory_incoming_quantity_not_negative")),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["inventory_locations.id"],
            name=op.f("fk_inventory_incoming_location_id_inventory_locations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_incoming")),
        sa.UniqueConstraint(
            "location_id",
            "sku",
            "source_type",
            "reference",
            name=op.f("uq_inventory_incoming_location_id_sku_source_type_reference"),
        ),
    )
    with op.batch_alter_table("inventory_incoming", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inventory_incoming_sku_location_id_status", ["sku", "location_id", "status"], unique=False
        )

    op.create_table(
        "inventory_ledger",
        sa.Column("id", ID, nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.String(length=16), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("line_id", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("key", sa.String(length=255), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["inventory_locations.id"],
            name=op.f("fk_inventory_ledger_location_id_inventory_locations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_ledger")),
        sa.UniqueConstraint("key", name=op.f("uq_inventory_ledger_key")),
    )
    with op.batch_alter_table("inventory_ledger", schema=None) as batch_op:
        batch_op.create_index("ix_inventory_ledger_order_id_line_id", ["order_id", "line_id"], unique=False)
        batch_op.create_index("ix_inventory_ledger_reference", ["reference"], unique=False)
        batch_op.create_index(
            "ix_inventory_ledger_sku_location_id_effective_at", ["sku", "location_id", "effective_at"], unique=False
        )
        batch_op.create_index("ix_inventory_ledger_sku_location_id_id", ["sku", "location_id", "id"], unique=False)

    for statement in APPEND_ONLY[op.get_bind().dialect.name]:
        op.execute(statement)

    op.create_table(
        "inventory_levels",
        sa.Column("sku", sa.String(length=128), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("committed", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("safety_stock", sa.Integer(), nullable=False),
        sa.Column("incoming", sa.Integer(), nullable=False),
        sa.Column("last_count_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("committed >= 0", name=op.f("ck_inventory_levels_committed_not_negative")),
        sa.CheckConstraint("incoming >= 0", name=op.f("ck_inventory_levels_incoming_not_negative")),
        sa.CheckConstraint("on_hand >= 0", name=op.f("ck_inventory_levels_on_hand_not_negative")),
        sa.CheckConstraint("reserved >= 0", name=op.f("ck_inventory_levels_reserved_not_negative")),
        sa.CheckConstraint("safety_stock >= 0", name=op.f("ck_inventory_levels_safety_stock_not_negative")),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["inventory_locations.id"],
            name=op.f("fk_inventory_levels_location_id_inventory_locations"),
        ),
        sa.PrimaryKeyConstraint("sku", "location_id", name=op.f("pk_inventory_levels")),
    )
    with op.batch_alter_table("inventory_levels", schema=None) as batch_op:
        batch_op.create_index("ix_inventory_levels_location_id", ["location_id"], unique=False)

    op.create_table(
        "inventory_reservations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=True),
        sa.Column("sku", sa.String(length=128), nullable=False),
        sa.Column("location_id", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("line_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["inventory_locations.id"],
            name=op.f("fk_inventory_reservations_location_id_inventory_locations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_reservations")),
        sa.UniqueConstraint("key", name=op.f("uq_inventory_reservations_key")),
    )
    with op.batch_alter_table("inventory_reservations", schema=None) as batch_op:
        batch_op.create_index("ix_inventory_reservations_sku_location_id", ["sku", "location_id"], unique=False)
        batch_op.create_index("ix_inventory_reservations_status_expires_at", ["status", "expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inventory_reservations", schema=None) as batch_op:
        batch_op.drop_index("ix_inventory_reservations_status_expires_at")
        batch_op.drop_index("ix_inventory_reservations_sku_location_id")

    op.drop_table("inventory_reservations")
    with op.batch_alter_table("inventory_levels", schema=None) as batch_op:
        batch_op.drop_index("ix_inventory_levels_location_id")

    op.drop_table("inventory_levels")
    with op.batch_alter_table("inventory_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_inventory_ledger_sku_location_id_id")
        batch_op.drop_index("ix_inventory_ledger_sku_location_id_effective_at")
        batch_op.drop_index("ix_inventory_ledger_reference")
        batch_op.drop_index("ix_inventory_ledger_order_id_line_id")

    for statement in DROP_APPEND_ONLY[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_table("inventory_ledger")
    with op.batch_alter_table("inventory_incoming", schema=None) as batch_op:
        batch_op.drop_index("ix_inventory_incoming_sku_location_id_status")

    op.drop_table("inventory_incoming")
    with op.batch_alter_table("inventory_counts", schema=None) as batch_op:
        batch_op.drop_index("ix_inventory_counts_sku_location_id_as_of")

    op.drop_table("inventory_counts")
    with op.batch_alter_table("inventory_allocations", schema=None) as batch_op:
        batch_op.drop_index("ix_inventory_allocations_sku_location_id")

    op.drop_table("inventory_allocations")
    with op.batch_alter_table("inventory_locations", schema=None) as batch_op:
        batch_op.drop_index("ix_inventory_locations_partner_id_external_id")
        batch_op.drop_index("ix_inventory_locations_active_priority")

    op.drop_table("inventory_locations")
