"""statistics: import batches remember their job and whether they were undone

Revision ID: 20261206_statistics_undo
Revises: 20261206_statistics_reg_history
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "20261206_statistics_undo"
down_revision = "20261206_statistics_reg_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("undone_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_column("undone_by")
        batch_op.drop_column("undone_at")
        batch_op.drop_column("job_id")
