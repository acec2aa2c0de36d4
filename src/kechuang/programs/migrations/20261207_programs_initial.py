"""programs: calls, challenges, applications and transitions, experts, relations, assignments,
scores, decisions, 公示 and objections, milestones and tranches

Revision ID: 20261207_programs_initial
Revises:
Create Date: 2026-12-07

No foreign key leaves the domain (units are USCC text, persons 证件号 text, users plain integers),
so the branch depends on no other.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_programs_initial"
down_revision = None
branch_labels = ("programs",)
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "program_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("owner_unit", sa.String(length=200), nullable=False),
        sa.Column("owner_uscc", sa.String(length=18), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("need", sa.Text(), nullable=False),
        sa.Column("acceptance_criteria", sa.Text(), nullable=False),
        sa.Column("direction", sa.String(length=40), nullable=False),
        sa.Column("budget", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("state_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_challenges")),
        sa.UniqueConstraint("code", name=op.f("uq_program_challenges_code")),
    )
    with op.batch_alter_table("program_challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_challenges_owner_user_id"), ["owner_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_program_challenges_year"), ["year"], unique=False)

    op.create_table(
        "program_experts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("id_no", sa.String(length=30), nullable=False),
        sa.Column("unit_name", sa.String(length=200), nullable=False),
        sa.Column("unit_uscc", sa.String(length=18), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=False),
        sa.Column("fields", sa.String(length=200), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("finance", sa.Boolean(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("max_load", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_experts")),
        sa.UniqueConstraint("code", name=op.f("uq_program_experts_code")),
        sa.UniqueConstraint("id_no", name=op.f("uq_program_experts_id_no")),
        sa.UniqueConstraint("user_id", name=op.f("uq_program_experts_user_id")),
    )
    with op.batch_alter_table("program_experts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_experts_unit_uscc"), ["unit_uscc"], unique=False
        )

    op.create_table(
        "program_relations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("a", sa.String(length=30), nullable=False),
        sa.Column("a_kind", sa.String(length=8), nullable=False),
        sa.Column("b", sa.String(length=30), nullable=False),
        sa.Column("b_kind", sa.String(length=8), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("start_year", sa.Integer(), nullable=True),
        sa.Column("end_year", sa.Integer(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_relations")),
    )
    with op.batch_alter_table("program_relations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_program_relations_a"), ["a"], unique=False)
        batch_op.create_index(batch_op.f("ix_program_relations_b"), ["b"], unique=False)

    op.create_table(
        "program_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("directions", sa.JSON(), nullable=False),
        sa.Column("budget", sa.Float(), nullable=False),
        sa.Column("eligibility", sa.JSON(), nullable=True),
        sa.Column("opens_on", sa.Date(), nullable=True),
        sa.Column("closes_on", sa.Date(), nullable=True),
        sa.Column("per_application", sa.Integer(), nullable=False),
        sa.Column("finance_required", sa.Boolean(), nullable=False),
        sa.Column("awardees", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["program_challenges.id"],
            name=op.f("fk_program_calls_challenge_id_program_challenges"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_calls")),
        sa.UniqueConstraint("code", name=op.f("uq_program_calls_code")),
    )
    with op.batch_alter_table("program_calls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_calls_challenge_id"), ["challenge_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_program_calls_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_program_calls_year"), ["year"], unique=False)

    op.create_table(
        "program_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("applicant_user_id", sa.Integer(), nullable=True),
        sa.Column("unit_name", sa.String(length=200), nullable=False),
        sa.Column("unit_uscc", sa.String(length=18), nullable=False),
        sa.Column("leader_name", sa.String(length=50), nullable=False),
        sa.Column("leader_id_no", sa.String(length=30), nullable=False),
        sa.Column("direction", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("budget", sa.Float(), nullable=False),
        sa.Column("granted", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("state_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agreement_signed", sa.Boolean(), nullable=False),
        sa.Column("acceptance_criteria", sa.Text(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["program_calls.id"],
            name=op.f("fk_program_applications_call_id_program_calls"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_applications")),
        sa.UniqueConstraint("code", name=op.f("uq_program_applications_code")),
    )
    with op.batch_alter_table("program_applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_applications_applicant_user_id"),
            ["applicant_user_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_program_applications_call_id"), ["call_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_program_applications_direction"), ["direction"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_program_applications_leader_id_no"), ["leader_id_no"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_program_applications_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_program_applications_unit_uscc"), ["unit_uscc"], unique=False
        )

    op.create_table(
        "program_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("budget", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("funded", sa.JSON(), nullable=False),
        sa.Column("line_score", sa.Float(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["program_calls.id"],
            name=op.f("fk_program_decisions_call_id_program_calls"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_decisions")),
    )
    with op.batch_alter_table("program_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_program_decisions_call_id"), ["call_id"], unique=False)

    op.create_table(
        "program_publicities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("application_ids", sa.JSON(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["program_calls.id"],
            name=op.f("fk_program_publicities_call_id_program_calls"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_publicities")),
    )
    with op.batch_alter_table("program_publicities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_publicities_call_id"), ["call_id"], unique=False
        )

    op.create_table(
        "program_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("affinity", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("recusal_reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["program_applications.id"],
            name=op.f("fk_program_assignments_application_id_program_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["program_experts.id"],
            name=op.f("fk_program_assignments_expert_id_program_experts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_assignments")),
        sa.UniqueConstraint(
            "application_id", "expert_id", name=op.f("uq_program_assignments_application_id")
        ),
    )
    with op.batch_alter_table("program_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_assignments_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_program_assignments_expert_id"), ["expert_id"], unique=False
        )

    op.create_table(
        "program_milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["program_applications.id"],
            name=op.f("fk_program_milestones_application_id_program_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_milestones")),
        sa.UniqueConstraint(
            "application_id", "seq", name=op.f("uq_program_milestones_application_id")
        ),
    )
    with op.batch_alter_table("program_milestones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_milestones_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "program_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("publicity_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("raised_by", sa.String(length=100), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("handling", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["publicity_id"],
            ["program_publicities.id"],
            name=op.f("fk_program_objections_publicity_id_program_publicities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_objections")),
    )
    with op.batch_alter_table("program_objections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_objections_publicity_id"), ["publicity_id"], unique=False
        )

    op.create_table(
        "program_tranches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["program_applications.id"],
            name=op.f("fk_program_tranches_application_id_program_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_tranches")),
        sa.UniqueConstraint(
            "application_id", "seq", name=op.f("uq_program_tranches_application_id")
        ),
    )
    with op.batch_alter_table("program_tranches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_tranches_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "program_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("machine", sa.String(length=12), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=False),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["program_applications.id"],
            name=op.f("fk_program_transitions_application_id_program_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["program_challenges.id"],
            name=op.f("fk_program_transitions_challenge_id_program_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_transitions")),
    )
    with op.batch_alter_table("program_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_transitions_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_program_transitions_challenge_id"), ["challenge_id"], unique=False
        )

    op.create_table(
        "program_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["program_assignments.id"],
            name=op.f("fk_program_scores_assignment_id_program_assignments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_scores")),
        sa.UniqueConstraint("assignment_id", name=op.f("uq_program_scores_assignment_id")),
    )
    with op.batch_alter_table("program_scores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_scores_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_program_scores_expert_id"), ["expert_id"], unique=False
        )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("program_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_scores_expert_id"))
        batch_op.drop_index(batch_op.f("ix_program_scores_application_id"))

    op.drop_table("program_scores")
    with op.batch_alter_table("program_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_transitions_challenge_id"))
        batch_op.drop_index(batch_op.f("ix_program_transitions_application_id"))

    op.drop_table("program_transitions")
    with op.batch_alter_table("program_tranches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_tranches_application_id"))

    op.drop_table("program_tranches")
    with op.batch_alter_table("program_objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_objections_publicity_id"))

    op.drop_table("program_objections")
    with op.batch_alter_table("program_milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_milestones_application_id"))

    op.drop_table("program_milestones")
    with op.batch_alter_table("program_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_assignments_expert_id"))
        batch_op.drop_index(batch_op.f("ix_program_assignments_application_id"))

    op.drop_table("program_assignments")
    with op.batch_alter_table("program_publicities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_publicities_call_id"))

    op.drop_table("program_publicities")
    with op.batch_alter_table("program_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_decisions_call_id"))

    op.drop_table("program_decisions")
    with op.batch_alter_table("program_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_applications_unit_uscc"))
        batch_op.drop_index(batch_op.f("ix_program_applications_state"))
        batch_op.drop_index(batch_op.f("ix_program_applications_leader_id_no"))
        batch_op.drop_index(batch_op.f("ix_program_applications_direction"))
        batch_op.drop_index(batch_op.f("ix_program_applications_call_id"))
        batch_op.drop_index(batch_op.f("ix_program_applications_applicant_user_id"))

    op.drop_table("program_applications")
    with op.batch_alter_table("program_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_calls_year"))
        batch_op.drop_index(batch_op.f("ix_program_calls_kind"))
        batch_op.drop_index(batch_op.f("ix_program_calls_challenge_id"))

    op.drop_table("program_calls")
    with op.batch_alter_table("program_relations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_relations_b"))
        batch_op.drop_index(batch_op.f("ix_program_relations_a"))

    op.drop_table("program_relations")
    with op.batch_alter_table("program_experts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_experts_unit_uscc"))

    op.drop_table("program_experts")
    with op.batch_alter_table("program_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_challenges_year"))
        batch_op.drop_index(batch_op.f("ix_program_challenges_owner_user_id"))

    op.drop_table("program_challenges")
