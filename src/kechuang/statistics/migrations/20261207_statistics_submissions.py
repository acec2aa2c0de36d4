"""statistics: enterprise users' figures are submissions awaiting review

Revision ID: 20261207_statistics_submissions
Revises: 20261206_statistics_undo
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_statistics_submissions"
down_revision = "20261206_statistics_undo"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_year_id", sa.Integer(), nullable=False),
        sa.Column("base_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_submissions_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_year_id"],
            ["enterprise_years.id"],
            name=op.f("fk_submissions_enterprise_year_id_enterprise_years"),
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_batches.id"],
            name=op.f("fk_submissions_import_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("enterprise_year_id", name=op.f("uq_submissions_enterprise_year_id")),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submissions_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_submissions_status"), ["status"], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_status"))
        batch_op.drop_index(batch_op.f("ix_submissions_enterprise_id"))
    op.drop_table("submissions")
