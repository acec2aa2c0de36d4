"""Imports every table so that the metadata (and Alembic) sees the whole schema."""

from kechuang.core.audit import AuditLog  # noqa: F401
from kechuang.core.db import Base
from kechuang.core.jobs import Job  # noqa: F401
from kechuang.domains import load_models

load_models()  # every domain's tables join Base.metadata

metadata = Base.metadata
