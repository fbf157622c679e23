"""Channel payouts: the settlements a channel publishes (Shopify Payments payouts, Amazon settlement reports).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AMOUNT = sa.Numeric(18, 4)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "channel_payouts",
        sa.Column("id", ID, nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=128), nullable=False),
        sa.Column("payout_id", sa.String(length=128), nullable=False),
        sa.Column("payout_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gross", AMOUNT, nullable=False),
        sa.Column("fees", AMOUNT, nullable=False),
        sa.Column("net", AMOUNT, nullable=False),
        sa.Column("lines", JSON, nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_payouts")),
        sa.UniqueConstraint(
            "channel", "account", "payout_id", name=op.f("uq_channel_payouts_channel_account_payout_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("channel_payouts")
