"""A partner's interchanges, newest first: the API's list filtered by partner and the console's partner page
(its few newest interchanges per partner) read edi_interchanges by partner_id ordered by id, which
(partner_id, id) serves as one index range read backwards. Without it PostgreSQL walked the primary key
backwards past every other partner's interchanges, or read and sorted all of the partner's.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_edi_interchanges_partner_id_id", "edi_interchanges", ["partner_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_edi_interchanges_partner_id_id", table_name="edi_interchanges")
