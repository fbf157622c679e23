"""API tokens and the audit of what was done through the API.

A token is shown once, when it is made; only its SHA-256 digest is kept, so a copy of the database gives
nobody a working token (the token is 32 random bytes: its digest cannot be guessed back, and a keyed hash
would add a secret to keep without making that any harder). A revoked token keeps its row, so the audit and
``orderhub token list`` still name it; making a token of the same name again replaces it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, Id, utcnow


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(16))  # read, operate, admin (each implies the ones before)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    prefix: Mapped[str] = mapped_column(String(16))  # the token's first characters, to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))  # cli, or api:<name> of the admin token
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ApiAuditEntry(Base):
    """One write made through the API: who (the token's name), what (method and path), the answer's status."""

    __tablename__ = "api_audit"
    __table_args__ = (Index("ix_api_audit_token_name_id", "token_name", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    token_name: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(512))
    status: Mapped[int]
    subject: Mapped[str | None] = mapped_column(String(128))  # order id, delivery id ... when the path names one
