"""accounts: users bound to a region (区县/乡镇 code) or a commissioner record

Revision ID: 20261207_accounts_regions
Revises: 20261207_accounts_security
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_accounts_regions"
down_revision = "20261207_accounts_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("region_code", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("commissioner_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("commissioner_id")
        batch.drop_column("region_code")
