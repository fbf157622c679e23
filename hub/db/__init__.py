"""Persistence: SQLAlchemy 2.0 models, engine and sessions, Alembic migrations.

The canonical model (``hub.canonical``) is the contract; these tables only store it.
ORM objects stay inside the hub and never reach a connector.
"""

from hub.db.session import Database

__all__ = ["Database"]
