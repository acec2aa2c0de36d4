"""registry: regions, industries, zones, parks, zone industries, carriers, enterprises

Revision ID: 20261127_registry_initial
Revises:
Create Date: 2026-11-27

Split out of the former single initial revision 0001, creating these tables exactly as it did;
a database stamped 0001 is restamped to the new initial revisions by kechuang.core.db.
The foreign key enterprises.import_id -> import_batches.id is added by the statistics branch,
which owns import_batches and depends on this revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261127_registry_initial"
down_revision = None
branch_labels = ("registry",)
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "industries",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("gbt4754", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_industries")),
    )

    op.create_table(
        "regions",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
    )

    op.create_table(
        "zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("candidate_for", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_zones_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zones")),
        sa.UniqueConstraint("code", name=op.f("uq_zones_code")),
        sa.UniqueConstraint("name", name=op.f("uq_zones_name")),
    )

    op.create_table(
        "carriers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], name=op.f("fk_carriers_zone_id_zones")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carriers")),
        sa.UniqueConstraint("code", name=op.f("uq_carriers_code")),
    )

    op.create_table(
        "parks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], name=op.f("fk_parks_zone_id_zones")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parks")),
        sa.UniqueConstraint("code", name=op.f("uq_parks_code")),
    )

    op.create_table(
        "zone_industries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("industry_code", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["industry_code"],
            ["industries.code"],
            name=op.f("fk_zone_industries_industry_code_industries"),
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["zones.id"], name=op.f("fk_zone_industries_zone_id_zones")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_industries")),
        sa.UniqueConstraint("zone_id", "industry_code", name=op.f("uq_zone_industries_zone_id")),
    )

    op.create_table(
        "enterprises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("founded_on", sa.Date(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("zone_id", sa.Integer(), nullable=True),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("industry_code", sa.String(length=5), nullable=True),
        sa.Column("tech_field", sa.String(length=20), nullable=True),
        sa.Column("incubator_id", sa.Integer(), nullable=True),
        sa.Column("counted_zone_id", sa.Integer(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["counted_zone_id"], ["zones.id"], name=op.f("fk_enterprises_counted_zone_id_zones")
        ),
        sa.ForeignKeyConstraint(
            ["incubator_id"], ["carriers.id"], name=op.f("fk_enterprises_incubator_id_carriers")
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_enterprises_park_id_parks")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_enterprises_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["zones.id"], name=op.f("fk_enterprises_zone_id_zones")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
        sa.UniqueConstraint("uscc", name=op.f("uq_enterprises_uscc")),
    )
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enterprises_counted_zone_id"), ["counted_zone_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enterprises_industry_code"), ["industry_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enterprises_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprises_zone_id"), ["zone_id"], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprises_zone_id"))
        batch_op.drop_index(batch_op.f("ix_enterprises_name"))
        batch_op.drop_index(batch_op.f("ix_enterprises_industry_code"))
        batch_op.drop_index(batch_op.f("ix_enterprises_counted_zone_id"))

    op.drop_table("enterprises")

    op.drop_table("zone_industries")

    op.drop_table("parks")

    op.drop_table("carriers")

    op.drop_table("zones")

    op.drop_table("regions")

    op.drop_table("industries")
