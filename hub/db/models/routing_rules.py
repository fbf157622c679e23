"""Routing rule sets stored in the database, one row per version, written through the API.

A stored version is the whole rule document (the same format as a rule file, ``schemas/routing.schema.json``),
checked the way a file is before it is stored. Versions are never changed or removed: the newest is the one
the workers route with, and older ones say what was in effect before and who replaced it. With no version
stored, the configured file (or the shipped default) is in effect.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, Id, Json, utcnow


class RoutingRuleVersion(Base):
    __tablename__ = "routing_rule_versions"

    # Chosen by the writer as the newest + 1, not generated: two writers that both read version 4 both try to
    # store 5, and the database keeps one of them.
    version: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    document: Mapped[dict[str, Any]] = mapped_column(Json)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(80))  # api:<token name>
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
