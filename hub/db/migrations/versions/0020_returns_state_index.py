"""Returns page indexes: the list filters return_authorizations by state and shows the most recently changed
first, so (state, updated_at) serves one state's page and the count per state, and (updated_at) serves the
open and all views, which walk the newest changes until the page is full.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_return_authorizations_state_updated_at", "return_authorizations", ["state", "updated_at"], unique=False
    )
    op.create_index("ix_return_authorizations_updated_at", "return_authorizations", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_return_authorizations_updated_at", table_name="return_authorizations")
    op.drop_index("ix_return_authorizations_state_updated_at", table_name="return_authorizations")
