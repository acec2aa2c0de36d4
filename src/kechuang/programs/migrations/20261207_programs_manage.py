"""programs: a 定向委托 call records its 论证 (why the task is commissioned without an open call)

Revision ID: 20261207_programs_manage
Revises: 20261207_programs_initial
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_programs_manage"
down_revision = "20261207_programs_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("program_calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rationale", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("program_calls", schema=None) as batch_op:
        batch_op.drop_column("rationale")
