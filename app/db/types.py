"""The transaction handles services pass to repositories, named here so that services need not
import SQLAlchemy or SQLModel: they hold a connection or session, they never build SQL."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["AsyncSession", "Connection"]
