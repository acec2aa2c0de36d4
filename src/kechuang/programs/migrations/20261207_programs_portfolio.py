"""programs: portfolio — classifications of applications into the 指南 and project outcomes

Revision ID: 20261207_programs_portfolio
Revises: 20261207_programs_manage
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_programs_portfolio"
down_revision = "20261207_programs_manage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "program_classifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("predicted", sa.String(length=40), nullable=False),
        sa.Column("predicted_domain", sa.String(length=40), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("domain_confidence", sa.Float(), nullable=False),
        sa.Column("declared", sa.String(length=40), nullable=False),
        sa.Column("declared_probability", sa.Float(), nullable=False),
        sa.Column("disagreement", sa.Boolean(), nullable=False),
        sa.Column("ranked", sa.JSON(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("model_note", sa.String(length=200), nullable=False),
        sa.Column("confirmed", sa.String(length=40), nullable=True),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("classified_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["program_applications.id"],
            name=op.f("fk_program_classifications_application_id_program_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_classifications")),
        sa.UniqueConstraint(
            "application_id", name=op.f("uq_program_classifications_application_id")
        ),
    )
    with op.batch_alter_table("program_classifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_classifications_confirmed"), ["confirmed"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_program_classifications_disagreement"), ["disagreement"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_program_classifications_predicted"), ["predicted"], unique=False
        )

    op.create_table(
        "program_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["program_applications.id"],
            name=op.f("fk_program_outcomes_application_id_program_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_outcomes")),
    )
    with op.batch_alter_table("program_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_outcomes_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_program_outcomes_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_program_outcomes_year"), ["year"], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("program_outcomes")
    op.drop_table("program_classifications")
