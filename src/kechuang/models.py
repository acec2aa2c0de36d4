"""Imports every table so that the metadata (and Alembic) sees the whole schema."""

from kechuang.core.audit import AuditLog  # noqa: F401
from kechuang.core.db import Base
from kechuang.core.security import ApiToken, User  # noqa: F401
from kechuang.domains import domain_modules

domain_modules("models")  # every domain's tables join Base.metadata

metadata = Base.metadata
