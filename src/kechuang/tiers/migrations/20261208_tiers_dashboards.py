"""tiers: the data signature a snapshot was taken at, and dashboards stored with the snapshot

Revision ID: 20261208_tiers_dashboards
Revises: 20261207_tiers_snapshots
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "20261208_tiers_dashboards"
down_revision = "20261207_tiers_snapshots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("tier_snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("data_signature", sa.String(length=64), nullable=True))
    op.create_table(
        "tier_snapshot_dashboards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("years", sa.String(length=60), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["tier_snapshots.id"],
            name=op.f("fk_tier_snapshot_dashboards_snapshot_id_tier_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_snapshot_dashboards")),
        sa.UniqueConstraint(
            "snapshot_id",
            "scope",
            "years",
            name=op.f("uq_tier_snapshot_dashboards_snapshot_id"),
        ),
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("tier_snapshot_dashboards")
    with op.batch_alter_table("tier_snapshots", schema=None) as batch_op:
        batch_op.drop_column("data_signature")
