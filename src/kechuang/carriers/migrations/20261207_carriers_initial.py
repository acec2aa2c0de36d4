"""carriers: carrier profiles, incubations, relocations, attributions, technology contracts

Revision ID: 20261207_carriers_initial
Revises:
Create Date: 2026-12-07

Foreign keys reach the registry's carriers, enterprises, zones and parks, hence depends_on.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_carriers_initial"
down_revision = None
branch_labels = ("carriers",)
depends_on = "20261127_registry_initial"


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "carrier_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carrier_id", sa.Integer(), nullable=False),
        sa.Column("operator_name", sa.String(length=200), nullable=False),
        sa.Column("operator_kind", sa.String(length=20), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=True),
        sa.Column("university", sa.String(length=100), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["carrier_id"], ["carriers.id"], name=op.f("fk_carrier_profiles_carrier_id_carriers")
        ),
        sa.ForeignKeyConstraint(
            ["park_id"], ["parks.id"], name=op.f("fk_carrier_profiles_park_id_parks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_profiles")),
        sa.UniqueConstraint("carrier_id", name=op.f("uq_carrier_profiles_carrier_id")),
    )

    op.create_table(
        "incubations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("carrier_id", sa.Integer(), nullable=False),
        sa.Column("origin_carrier_id", sa.Integer(), nullable=True),
        sa.Column("entered_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=30), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["carrier_id"], ["carriers.id"], name=op.f("fk_incubations_carrier_id_carriers")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_incubations_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["origin_carrier_id"],
            ["carriers.id"],
            name=op.f("fk_incubations_origin_carrier_id_carriers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incubations")),
    )
    with op.batch_alter_table("incubations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incubations_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incubations_carrier_id"), ["carrier_id"], unique=False)

    op.create_table(
        "relocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("incubation_id", sa.Integer(), nullable=True),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("inside_city", sa.Boolean(), nullable=False),
        sa.Column("to_zone_id", sa.Integer(), nullable=True),
        sa.Column("to_park_id", sa.Integer(), nullable=True),
        sa.Column("to_carrier_id", sa.Integer(), nullable=True),
        sa.Column("destination", sa.String(length=200), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_relocations_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["incubation_id"],
            ["incubations.id"],
            name=op.f("fk_relocations_incubation_id_incubations"),
        ),
        sa.ForeignKeyConstraint(
            ["to_carrier_id"], ["carriers.id"], name=op.f("fk_relocations_to_carrier_id_carriers")
        ),
        sa.ForeignKeyConstraint(
            ["to_park_id"], ["parks.id"], name=op.f("fk_relocations_to_park_id_parks")
        ),
        sa.ForeignKeyConstraint(
            ["to_zone_id"], ["zones.id"], name=op.f("fk_relocations_to_zone_id_zones")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relocations")),
    )
    with op.batch_alter_table("relocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relocations_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "attributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("arrangement", sa.String(length=20), nullable=False),
        sa.Column("incubated_zone_id", sa.Integer(), nullable=True),
        sa.Column("incubated_place", sa.String(length=200), nullable=False),
        sa.Column("counted_zone_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("basis", sa.String(length=300), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["counted_zone_id"], ["zones.id"], name=op.f("fk_attributions_counted_zone_id_zones")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_attributions_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["incubated_zone_id"],
            ["zones.id"],
            name=op.f("fk_attributions_incubated_zone_id_zones"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attributions")),
    )
    with op.batch_alter_table("attributions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attributions_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_attributions_counted_zone_id"), ["counted_zone_id"], unique=False
        )

    op.create_table(
        "tech_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_no", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("seller_uscc", sa.String(length=18), nullable=False),
        sa.Column("seller_name", sa.String(length=200), nullable=False),
        sa.Column("buyer_uscc", sa.String(length=18), nullable=False),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("registered_year", sa.Integer(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tech_contracts")),
        sa.UniqueConstraint("contract_no", name=op.f("uq_tech_contracts_contract_no")),
    )
    with op.batch_alter_table("tech_contracts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_seller_uscc"), ["seller_uscc"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_buyer_uscc"), ["buyer_uscc"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tech_contracts_registered_year"), ["registered_year"], unique=False
        )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("tech_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tech_contracts_seller_uscc"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_buyer_uscc"))
        batch_op.drop_index(batch_op.f("ix_tech_contracts_registered_year"))
    op.drop_table("tech_contracts")
    with op.batch_alter_table("attributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attributions_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_attributions_counted_zone_id"))
    op.drop_table("attributions")
    with op.batch_alter_table("relocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relocations_enterprise_id"))
    op.drop_table("relocations")
    with op.batch_alter_table("incubations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incubations_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_incubations_carrier_id"))
    op.drop_table("incubations")
    op.drop_table("carrier_profiles")
