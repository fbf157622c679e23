"""Accounting: journal entries and lines (append-only), the export ledger, closed periods, export runs.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)
AMOUNT = sa.Numeric(18, 4)
APPEND_ONLY_TABLES = ("journal_entries", "journal_lines")


def _append_only(table: str) -> dict[str, list[str]]:
    """The journal is a book of record: the database itself refuses to change or delete a row of it."""
    message = f"'{table} is append-only: post an adjusting entry instead'"
    return {
        "sqlite": [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, {message}); END",
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, {message}); END",
        ],
        "postgresql": [
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION {message}; END $$",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        ],
    }


def _drop_append_only(table: str) -> dict[str, list[str]]:
    return {
        "sqlite": [f"DROP TRIGGER {table}_no_update", f"DROP TRIGGER {table}_no_delete"],
        "postgresql": [f"DROP TRIGGER {table}_append_only ON {table}", f"DROP FUNCTION {table}_append_only()"],
    }


def upgrade() -> None:
    op.create_table(
        "journal_entries",
        sa.Column("id", ID, nullable=False),
        sa.Column("destination", sa.String(length=200), nullable=False),
        sa.Column("entry_id", sa.String(length=200), nullable=False),
        sa.Column("fact", sa.String(length=200), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("channel", sa.String(length=200), nullable=True),
        sa.Column("total", AMOUNT, nullable=False),
        sa.Column("reverses", sa.String(length=200), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("context", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entries")),
        sa.UniqueConstraint("destination", "entry_id", name=op.f("uq_journal_entries_destination_entry_id")),
    )
    op.create_index("ix_journal_entries_destination_fact", "journal_entries", ["destination", "fact"])
    op.create_index("ix_journal_entries_destination_entry_date", "journal_entries", ["destination", "entry_date"])
    op.create_index("ix_journal_entries_order_id", "journal_entries", ["order_id"])
    op.create_table(
        "journal_lines",
        sa.Column("id", ID, nullable=False),
        sa.Column("entry_pk", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("debit", AMOUNT, nullable=False),
        sa.Column("credit", AMOUNT, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sku", sa.String(length=128), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("unit_price", AMOUNT, nullable=True),
        sa.Column("tax_name", sa.String(length=128), nullable=True),
        sa.Column("tax_rate", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_pk"], ["journal_entries.id"], name=op.f("fk_journal_lines_entry_pk_journal_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_lines")),
        sa.UniqueConstraint("entry_pk", "position", name=op.f("uq_journal_lines_entry_pk_position")),
    )
    op.create_table(
        "accounting_exports",
        sa.Column("id", ID, nullable=False),
        sa.Column("destination", sa.String(length=200), nullable=False),
        sa.Column("entry_pk", ID, nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=True),
        sa.Column("delivery_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("planned_at", WHEN, nullable=False),
        sa.Column("posted_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_pk"], ["journal_entries.id"], name=op.f("fk_accounting_exports_entry_pk_journal_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_exports")),
        sa.UniqueConstraint("destination", "entry_pk", name=op.f("uq_accounting_exports_destination_entry_pk")),
    )
    op.create_index("ix_accounting_exports_status", "accounting_exports", ["status"])
    op.create_table(
        "accounting_periods",
        sa.Column("destination", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("closed_at", WHEN, nullable=False),
        sa.Column("closed_by", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("destination", "period", name=op.f("pk_accounting_periods")),
    )
    op.create_table(
        "accounting_runs",
        sa.Column("id", ID, nullable=False),
        sa.Column("destination", sa.String(length=200), nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("built", sa.Integer(), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("posted", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_runs")),
    )
    op.create_index("ix_accounting_runs_destination_started_at", "accounting_runs", ["destination", "started_at"])
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        for statement in _append_only(table)[dialect]:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        for statement in _drop_append_only(table)[dialect]:
            op.execute(statement)
    op.drop_index("ix_accounting_runs_destination_started_at", table_name="accounting_runs")
    op.drop_table("accounting_runs")
    op.drop_table("accounting_periods")
    op.drop_index("ix_accounting_exports_status", table_name="accounting_exports")
    op.drop_table("accounting_exports")
    op.drop_table("journal_lines")
    op.drop_index("ix_journal_entries_order_id", table_name="journal_entries")
    op.drop_index("ix_journal_entries_destination_entry_date", table_name="journal_entries")
    op.drop_index("ix_journal_entries_destination_fact", table_name="journal_entries")
    op.drop_table("journal_entries")
