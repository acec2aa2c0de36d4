"""tiers: the enterprise qualifications register

Revision ID: 20261128_tiers_initial
Revises:
Create Date: 2026-11-28

Formerly revision 0004 (branching from 0001); a database stamped 0004 is restamped to this
revision by kechuang.core.db. Its tables reference registry tables, hence depends_on.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261128_tiers_initial"
down_revision = None
branch_labels = ("tiers",)
depends_on = "20261127_registry_initial"


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "enterprise_qualifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("obtained_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_qualifications_enterprise_id_enterprises"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_qualifications")),
    )
    with op.batch_alter_table("enterprise_qualifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enterprise_qualifications_enterprise_id"),
            ["enterprise_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_enterprise_qualifications_kind"), ["kind"], unique=False
        )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("enterprise_qualifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_qualifications_kind"))
        batch_op.drop_index(batch_op.f("ix_enterprise_qualifications_enterprise_id"))
    op.drop_table("enterprise_qualifications")
