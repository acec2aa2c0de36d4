"""Imports every table so that the metadata (and Alembic) sees the whole schema."""

from kechuang.core.audit import AuditLog  # noqa: F401
from kechuang.core.db import Base
from kechuang.core.security import ApiToken, User  # noqa: F401
from kechuang.registry.models import (Carrier, Enterprise, Industry, Park, Region,  # noqa: F401
                                      Zone, ZoneIndustry)
from kechuang.statistics.models import EnterpriseYear, ImportBatch, ZoneYear  # noqa: F401

metadata = Base.metadata
