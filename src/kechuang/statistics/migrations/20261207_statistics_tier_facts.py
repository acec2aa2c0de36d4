"""statistics: enterprise-year facts the tier rules need (IP kinds, standards, valuations, declarations)

Revision ID: 20261207_statistics_tier_facts
Revises: 20261207_statistics_submissions
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "20261207_statistics_tier_facts"
down_revision = "20261207_statistics_submissions"
branch_labels = None
depends_on = None

COLUMNS = (
    ("ip_class1_self_developed", sa.Integer()),
    ("ip_class1_high_value", sa.Integer()),
    ("standards_participated", sa.Integer()),
    ("latest_valuation_usd", sa.Float()),
    ("sci_activity_expense", sa.Float()),
    ("mainland_resident", sa.Boolean()),
    ("restricted_products", sa.Boolean()),
    ("strategic_emerging", sa.Boolean()),
    ("pe_funded", sa.Boolean()),
    ("key_core_tech", sa.Boolean()),
    ("new_track", sa.Boolean()),
)


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("enterprise_years") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("enterprise_years") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
