"""statistics: enterprise_revisions, the registry changes each import made

Revision ID: 20261206_statistics_reg_history
Revises: 20261127_statistics_initial
Create Date: 2026-12-06

An enterprises import records every change of an enterprise's registry facts (before → after) with
the import it came from, so the enterprise page shows the history and an undo can restore it.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261206_statistics_reg_history"
down_revision = "20261127_statistics_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "enterprise_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_revisions_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_batches.id"],
            name=op.f("fk_enterprise_revisions_import_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_revisions")),
    )
    with op.batch_alter_table("enterprise_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enterprise_revisions_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enterprise_revisions_import_id"), ["import_id"], unique=False
        )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("enterprise_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_revisions_import_id"))
        batch_op.drop_index(batch_op.f("ix_enterprise_revisions_enterprise_id"))
    op.drop_table("enterprise_revisions")
