"""The data layer's types that the layers above hold without building SQL: the transaction
handles services pass to repositories, and `Model`, the base every row model shares (for type
variables). Named here so that services, HTTP and resolvers need not import SQLAlchemy or
SQLModel."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlmodel import SQLModel as Model
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["AsyncSession", "Connection", "Model"]
