"""points: a city admin's consent change carries the signed authorisation it rests on

Revision ID: 20261207_points_consent_docs
Revises: 20261127_points_initial
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_points_consent_docs"
down_revision = "20261127_points_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "points_consent_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_points_consent_documents_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_consent_documents")),
    )
    with op.batch_alter_table("points_consent_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_points_consent_documents_enterprise_id"), ["enterprise_id"], unique=False
        )
    with op.batch_alter_table("points_consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("document_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("document_name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("document_sha256", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_points_consents_document_id_points_consent_documents"),
            "points_consent_documents",
            ["document_id"],
            ["id"],
        )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("points_consents", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_points_consents_document_id_points_consent_documents"),
            type_="foreignkey",
        )
        batch_op.drop_column("document_sha256")
        batch_op.drop_column("document_name")
        batch_op.drop_column("document_id")
    with op.batch_alter_table("points_consent_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_points_consent_documents_enterprise_id"))
    op.drop_table("points_consent_documents")
