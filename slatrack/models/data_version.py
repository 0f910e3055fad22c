"""The data version: one counter per domain of records, moved on by every committed write (see data_version.py)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from slatrack.models.base import Base


class DataVersion(Base):
    __tablename__ = "data_versions"
    __audited__ = False  # moved on by the database layer itself, in the writing transaction
    domain: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
