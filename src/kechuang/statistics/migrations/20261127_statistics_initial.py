"""statistics: import batches, zone-year and enterprise-year figures

Revision ID: 20261127_statistics_initial
Revises:
Create Date: 2026-11-27

Split out of the former single initial revision 0001, creating these tables exactly as it did;
a database stamped 0001 is restamped to the new initial revisions by kechuang.core.db.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261127_statistics_initial"
down_revision = None
branch_labels = ("statistics",)
depends_on = "20261127_registry_initial"


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_created", sa.Integer(), nullable=False),
        sa.Column("rows_revised", sa.Integer(), nullable=False),
        sa.Column("rows_unchanged", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )

    op.create_table(
        "zone_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_batches.id"],
            name=op.f("fk_zone_years_import_id_import_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["zones.id"], name=op.f("fk_zone_years_zone_id_zones")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_years")),
        sa.UniqueConstraint(
            "zone_id", "year", "indicator_code", "revision", name=op.f("uq_zone_years_zone_id")
        ),
    )
    with op.batch_alter_table("zone_years", schema=None) as batch_op:
        batch_op.create_index(
            "ix_zone_years_current", ["zone_id", "year", "is_current"], unique=False
        )

    op.create_table(
        "enterprise_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("tech_staff", sa.Integer(), nullable=True),
        sa.Column("rd_staff", sa.Integer(), nullable=True),
        sa.Column("rd_staff_fte", sa.Float(), nullable=True),
        sa.Column("operating_revenue", sa.Float(), nullable=True),
        sa.Column("main_business_revenue", sa.Float(), nullable=True),
        sa.Column("sales_revenue", sa.Float(), nullable=True),
        sa.Column("total_revenue", sa.Float(), nullable=True),
        sa.Column("high_tech_revenue", sa.Float(), nullable=True),
        sa.Column("rd_expense", sa.Float(), nullable=True),
        sa.Column("rd_expense_domestic", sa.Float(), nullable=True),
        sa.Column("rd_expense_outsourced", sa.Float(), nullable=True),
        sa.Column("total_cost", sa.Float(), nullable=True),
        sa.Column("total_assets", sa.Float(), nullable=True),
        sa.Column("total_liabilities", sa.Float(), nullable=True),
        sa.Column("net_profit", sa.Float(), nullable=True),
        sa.Column("taxes_paid", sa.Float(), nullable=True),
        sa.Column("export_value", sa.Float(), nullable=True),
        sa.Column("ip_class1", sa.Integer(), nullable=True),
        sa.Column("ip_class2", sa.Integer(), nullable=True),
        sa.Column("invention_patents_granted", sa.Integer(), nullable=True),
        sa.Column("standards_led", sa.Integer(), nullable=True),
        sa.Column("tech_contract_value", sa.Float(), nullable=True),
        sa.Column("tech_transfers", sa.Integer(), nullable=True),
        sa.Column("equity_financing", sa.Float(), nullable=True),
        sa.Column("latest_valuation", sa.Float(), nullable=True),
        sa.Column("is_listed", sa.Boolean(), nullable=True),
        sa.Column("major_accident", sa.Boolean(), nullable=True),
        sa.Column("environmental_violation", sa.Boolean(), nullable=True),
        sa.Column("dishonest_listed", sa.Boolean(), nullable=True),
        sa.Column("abnormal_operation", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_years_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["import_batches.id"],
            name=op.f("fk_enterprise_years_import_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_years")),
        sa.UniqueConstraint(
            "enterprise_id", "year", "revision", name=op.f("uq_enterprise_years_enterprise_id")
        ),
    )
    with op.batch_alter_table("enterprise_years", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enterprise_years_current", ["year", "is_current", "enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enterprise_years_enterprise_id"), ["enterprise_id"], unique=False
        )

    # enterprises (registry) records the import that created it. The key is added here, by the
    # branch that owns import_batches, so that migrations depend the way imports flow: statistics
    # on registry, never registry on statistics.
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_enterprises_import_id_import_batches"),
            "import_batches",
            ["import_id"],
            ["id"],
        )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_enterprises_import_id_import_batches"), type_="foreignkey"
        )

    with op.batch_alter_table("enterprise_years", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_years_enterprise_id"))
        batch_op.drop_index("ix_enterprise_years_current")

    op.drop_table("enterprise_years")

    with op.batch_alter_table("zone_years", schema=None) as batch_op:
        batch_op.drop_index("ix_zone_years_current")

    op.drop_table("zone_years")

    op.drop_table("import_batches")
