"""tiers: stored evaluation snapshots (run, enterprise-years with input digests, pack verdicts)

Revision ID: 20261207_tiers_snapshots
Revises: 20261128_tiers_initial
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_tiers_snapshots"
down_revision = "20261128_tiers_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "tier_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("years", sa.JSON(), nullable=False),
        sa.Column("packs", sa.JSON(), nullable=False),
        sa.Column("input_hash", sa.String(length=64), nullable=False),
        sa.Column("enterprises", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_snapshots")),
    )
    op.create_table(
        "tier_snapshot_enterprises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("rung", sa.SmallInteger(), nullable=True),
        sa.Column("rung_eval", sa.SmallInteger(), nullable=True),
        sa.Column("input_digest", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_tier_snapshot_enterprises_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["tier_snapshots.id"],
            name=op.f("fk_tier_snapshot_enterprises_snapshot_id_tier_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_snapshot_enterprises")),
        sa.UniqueConstraint(
            "snapshot_id",
            "year",
            "enterprise_id",
            name=op.f("uq_tier_snapshot_enterprises_snapshot_id"),
        ),
    )
    with op.batch_alter_table("tier_snapshot_enterprises", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tier_snapshot_enterprises_enterprise_id"),
            ["enterprise_id"],
            unique=False,
        )
    op.create_table(
        "tier_snapshot_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("pack", sa.String(length=60), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("distance", sa.Float(), nullable=True),
        sa.Column("score_lo", sa.Float(), nullable=True),
        sa.Column("score_hi", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_tier_snapshot_results_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["tier_snapshots.id"],
            name=op.f("fk_tier_snapshot_results_snapshot_id_tier_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_snapshot_results")),
        sa.UniqueConstraint(
            "snapshot_id",
            "year",
            "pack",
            "enterprise_id",
            name=op.f("uq_tier_snapshot_results_snapshot_id"),
        ),
    )
    with op.batch_alter_table("tier_snapshot_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tier_snapshot_results_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            "ix_tier_snapshot_results_snapshot_year", ["snapshot_id", "year"], unique=False
        )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("tier_snapshot_results", schema=None) as batch_op:
        batch_op.drop_index("ix_tier_snapshot_results_snapshot_year")
        batch_op.drop_index(batch_op.f("ix_tier_snapshot_results_enterprise_id"))
    op.drop_table("tier_snapshot_results")
    with op.batch_alter_table("tier_snapshot_enterprises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tier_snapshot_enterprises_enterprise_id"))
    op.drop_table("tier_snapshot_enterprises")
    op.drop_table("tier_snapshots")
