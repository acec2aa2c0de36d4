"""points: each score's change against the enterprise's previous year in the same run, indexed,
so the year-on-year movers are read in order rather than joined over two whole years

Revision ID: 20261208_points_delta
Revises: 20261207_points_certificates
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "20261208_points_delta"
down_revision = "20261207_points_certificates"
branch_labels = None
depends_on = None

# the change of every stored score against the same run's previous year (NULL without one)
BACKFILL = (
    "UPDATE points_scores SET delta = total - ("
    "SELECT q.total FROM points_scores q WHERE q.run_id = points_scores.run_id "
    "AND q.enterprise_id = points_scores.enterprise_id "
    "AND q.year = points_scores.year - 1)"
)


def upgrade() -> None:
    """Apply this migration (runs stored before it get their changes computed here)."""
    with op.batch_alter_table("points_scores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delta", sa.Float(), nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table("points_scores", schema=None) as batch_op:
        batch_op.create_index(
            "ix_points_scores_run_year_delta", ["run_id", "year", "delta"], unique=False
        )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("points_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_points_scores_run_year_delta")
        batch_op.drop_column("delta")
