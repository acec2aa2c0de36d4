"""commissioners: commissioners, demands, suggestions, agreements, service logs, ratings, assessments

Revision ID: 20261207_commissioners_initial
Revises:
Create Date: 2026-12-07

No foreign key leaves the domain (region codes are GB/T 2260 text; user ids are plain integers),
so the branch depends on no other.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_commissioners_initial"
down_revision = None
branch_labels = ("commissioners",)
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "commissioner_assessment_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=60), nullable=False),
        sa.Column("scheme_sha256", sa.String(length=64), nullable=False),
        sa.Column("input_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissioner_assessment_runs")),
    )
    with op.batch_alter_table("commissioner_assessment_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commissioner_assessment_runs_year"), ["year"], unique=False
        )

    op.create_table(
        "commissioners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=False),
        sa.Column("title_level", sa.String(length=8), nullable=False),
        sa.Column("expertise", sa.Text(), nullable=False),
        sa.Column("strengths", sa.Text(), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("problem_types", sa.JSON(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("batch_year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("max_load", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissioners")),
    )
    with op.batch_alter_table("commissioners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commissioners_batch_year"), ["batch_year"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_commissioners_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_commissioners_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "demands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("problem_type", sa.String(length=30), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("recipient_name", sa.String(length=100), nullable=False),
        sa.Column("recipient_kind", sa.String(length=8), nullable=False),
        sa.Column("contact", sa.String(length=30), nullable=False),
        sa.Column("posted_by_id", sa.Integer(), nullable=True),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demands")),
    )
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demands_county_code"), ["county_code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_demands_owner_user_id"), ["owner_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_demands_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_demands_year"), ["year"], unique=False)

    op.create_table(
        "commissioner_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commissioner_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["commissioner_id"],
            ["commissioners.id"],
            name=op.f("fk_commissioner_areas_commissioner_id_commissioners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissioner_areas")),
        sa.UniqueConstraint(
            "commissioner_id", "region_code", name=op.f("uq_commissioner_areas_commissioner_id")
        ),
    )
    with op.batch_alter_table("commissioner_areas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commissioner_areas_commissioner_id"), ["commissioner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_commissioner_areas_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "commissioner_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("commissioner_id", sa.Integer(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["commissioner_id"],
            ["commissioners.id"],
            name=op.f("fk_commissioner_assessments_commissioner_id_commissioners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["commissioner_assessment_runs.id"],
            name=op.f("fk_commissioner_assessments_run_id_commissioner_assessment_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissioner_assessments")),
    )
    with op.batch_alter_table("commissioner_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commissioner_assessments_commissioner_id"),
            ["commissioner_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_commissioner_assessments_run_id"), ["run_id"], unique=False
        )

    op.create_table(
        "commissioner_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commissioner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=False),
        sa.Column("title_level", sa.String(length=8), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("is_leader", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commissioner_id"],
            ["commissioners.id"],
            name=op.f("fk_commissioner_members_commissioner_id_commissioners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissioner_members")),
    )
    with op.batch_alter_table("commissioner_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commissioner_members_commissioner_id"), ["commissioner_id"], unique=False
        )

    op.create_table(
        "commissioner_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("commissioner_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commissioner_id"],
            ["commissioners.id"],
            name=op.f("fk_commissioner_suggestions_commissioner_id_commissioners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["demands.id"],
            name=op.f("fk_commissioner_suggestions_demand_id_demands"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissioner_suggestions")),
    )
    with op.batch_alter_table("commissioner_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commissioner_suggestions_commissioner_id"),
            ["commissioner_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_commissioner_suggestions_demand_id"), ["demand_id"], unique=False
        )

    op.create_table(
        "service_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("commissioner_id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("commissioner_approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipient_approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("county_approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("county_approved_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commissioner_id"],
            ["commissioners.id"],
            name=op.f("fk_service_agreements_commissioner_id_commissioners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["demands.id"],
            name=op.f("fk_service_agreements_demand_id_demands"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_agreements")),
    )
    with op.batch_alter_table("service_agreements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_agreements_commissioner_id"), ["commissioner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_agreements_county_code"), ["county_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_agreements_demand_id"), ["demand_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_agreements_status"), ["status"], unique=False)

    op.create_table(
        "service_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("commissioner_id", sa.Integer(), nullable=False),
        sa.Column("served_on", sa.Date(), nullable=False),
        sa.Column("days", sa.Float(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("trainees", sa.Integer(), nullable=False),
        sa.Column("new_varieties", sa.Integer(), nullable=False),
        sa.Column("new_techniques", sa.Integer(), nullable=False),
        sa.Column("new_equipment", sa.Integer(), nullable=False),
        sa.Column("income_wan", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.Integer(), nullable=True),
        sa.Column("objection", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["service_agreements.id"],
            name=op.f("fk_service_logs_agreement_id_service_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["commissioner_id"],
            ["commissioners.id"],
            name=op.f("fk_service_logs_commissioner_id_commissioners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_logs")),
    )
    with op.batch_alter_table("service_logs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_logs_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_logs_commissioner_id"), ["commissioner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_logs_served_on"), ["served_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_logs_status"), ["status"], unique=False)

    op.create_table(
        "service_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("commissioner_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("rated_by", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["service_agreements.id"],
            name=op.f("fk_service_ratings_agreement_id_service_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["commissioner_id"],
            ["commissioners.id"],
            name=op.f("fk_service_ratings_commissioner_id_commissioners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_ratings")),
        sa.UniqueConstraint("agreement_id", name=op.f("uq_service_ratings_agreement_id")),
    )
    with op.batch_alter_table("service_ratings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_ratings_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_ratings_commissioner_id"), ["commissioner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_ratings_year"), ["year"], unique=False)

    op.create_table(
        "commissioner_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=True),
        sa.Column("log_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["demand_id"],
            ["demands.id"],
            name=op.f("fk_commissioner_photos_demand_id_demands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["log_id"],
            ["service_logs.id"],
            name=op.f("fk_commissioner_photos_log_id_service_logs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commissioner_photos")),
    )
    with op.batch_alter_table("commissioner_photos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commissioner_photos_demand_id"), ["demand_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_commissioner_photos_log_id"), ["log_id"], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("commissioner_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commissioner_photos_log_id"))
        batch_op.drop_index(batch_op.f("ix_commissioner_photos_demand_id"))

    op.drop_table("commissioner_photos")
    with op.batch_alter_table("service_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_ratings_year"))
        batch_op.drop_index(batch_op.f("ix_service_ratings_commissioner_id"))
        batch_op.drop_index(batch_op.f("ix_service_ratings_agreement_id"))

    op.drop_table("service_ratings")
    with op.batch_alter_table("service_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_logs_status"))
        batch_op.drop_index(batch_op.f("ix_service_logs_served_on"))
        batch_op.drop_index(batch_op.f("ix_service_logs_commissioner_id"))
        batch_op.drop_index(batch_op.f("ix_service_logs_agreement_id"))

    op.drop_table("service_logs")
    with op.batch_alter_table("service_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_agreements_status"))
        batch_op.drop_index(batch_op.f("ix_service_agreements_demand_id"))
        batch_op.drop_index(batch_op.f("ix_service_agreements_county_code"))
        batch_op.drop_index(batch_op.f("ix_service_agreements_commissioner_id"))

    op.drop_table("service_agreements")
    with op.batch_alter_table("commissioner_suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commissioner_suggestions_demand_id"))
        batch_op.drop_index(batch_op.f("ix_commissioner_suggestions_commissioner_id"))

    op.drop_table("commissioner_suggestions")
    with op.batch_alter_table("commissioner_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commissioner_members_commissioner_id"))

    op.drop_table("commissioner_members")
    with op.batch_alter_table("commissioner_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commissioner_assessments_run_id"))
        batch_op.drop_index(batch_op.f("ix_commissioner_assessments_commissioner_id"))

    op.drop_table("commissioner_assessments")
    with op.batch_alter_table("commissioner_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commissioner_areas_region_code"))
        batch_op.drop_index(batch_op.f("ix_commissioner_areas_commissioner_id"))

    op.drop_table("commissioner_areas")
    with op.batch_alter_table("demands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demands_year"))
        batch_op.drop_index(batch_op.f("ix_demands_status"))
        batch_op.drop_index(batch_op.f("ix_demands_owner_user_id"))
        batch_op.drop_index(batch_op.f("ix_demands_county_code"))

    op.drop_table("demands")
    with op.batch_alter_table("commissioners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commissioners_region_code"))
        batch_op.drop_index(batch_op.f("ix_commissioners_kind"))
        batch_op.drop_index(batch_op.f("ix_commissioners_batch_year"))

    op.drop_table("commissioners")
    with op.batch_alter_table("commissioner_assessment_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commissioner_assessment_runs_year"))

    op.drop_table("commissioner_assessment_runs")
