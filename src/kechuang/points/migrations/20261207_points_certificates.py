"""points: issued certificates with a verification code a bank checks on the public page

Revision ID: 20261207_points_certificates
Revises: 20261207_points_consent_docs
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_points_certificates"
down_revision = "20261207_points_consent_docs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "points_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_tail", sa.String(length=8), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("methodology_code", sa.String(length=40), nullable=False),
        sa.Column("methodology_version", sa.String(length=40), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=500), nullable=False),
        sa.Column("withdrawn_by", sa.String(length=64), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_points_certificates_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_certificates")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_points_certificates_code_hash")),
    )
    with op.batch_alter_table("points_certificates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_points_certificates_enterprise_year", ["enterprise_id", "year"], unique=False
        )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("points_certificates", schema=None) as batch_op:
        batch_op.drop_index("ix_points_certificates_enterprise_year")
    op.drop_table("points_certificates")
