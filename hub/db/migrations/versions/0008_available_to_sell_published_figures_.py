"""Available to sell: the published figures per channel account and SKU, the append-only change events,
and the runs that computed them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Change events are what a channel connector sends on, in id order: the database refuses to alter them.
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER availability_events_no_update BEFORE UPDATE ON availability_events "
        "BEGIN SELECT RAISE(ABORT, 'availability_events is append-only'); END",
        "CREATE TRIGGER availability_events_no_delete BEFORE DELETE ON availability_events "
        "BEGIN SELECT RAISE(ABORT, 'availability_events is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION availability_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'availability_events is append-only'; END $$",
        "CREATE TRIGGER availability_events_append_only BEFORE UPDATE OR DELETE ON availability_events "
        "FOR EACH ROW EXECUTE FUNCTION availability_events_append_only()",
        "CREATE TRIGGER availability_events_no_truncate BEFORE TRUNCATE ON availability_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION availability_events_append_only()",
    ],
}
DROP_APPEND_ONLY = {
    "sqlite": ["DROP TRIGGER availability_events_no_update", "DROP TRIGGER availability_events_no_delete"],
    "postgresql": [
        "DROP TRIGGER availability_events_no_truncate ON availability_events",
        "DROP TRIGGER availability_events_append_only ON availability_events",
        "DROP FUNCTION availability_events_append_only()",
    ],
}


def upgrade() -> None:
    op.create_table(
        "availability_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=False),
        sa.Column("old_quantity", sa.Integer(), nullable=True),
        sa.Column("new_quantity", sa.Integer(), nullable=False),
        sa.Column("old_preorder_quantity", sa.Integer(), nullable=True),
        sa.Column("new_preorder_quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("run_id", ID, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_events")),
    )
    with op.batch_alter_table("availability_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_availability_events_channel_account_sku_id", ["channel", "account", "sku", "id"], unique=False
        )

    op.create_table(
        "availability_published",
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("preorder_quantity", sa.Integer(), nullable=False),
        sa.Column("event_id", ID, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "account", "sku", name=op.f("pk_availability_published")),
    )
    op.create_table(
        "availability_runs",
        sa.Column("id", ID, nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("ledger_watermark", ID, nullable=False),
        sa.Column("computed", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_runs")),
    )
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    op.drop_table("availability_runs")
    op.drop_table("availability_published")
    with op.batch_alter_table("availability_events", schema=None) as batch_op:
        batch_op.drop_index("ix_availability_events_channel_account_sku_id")
    op.drop_table("availability_events")
