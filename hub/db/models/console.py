"""Console users and the login failures that rate-limit them.

A user's password is kept only as a salted, slow hash (``hub.console.users``). Failed logins are rows, not
process memory, so the limit holds across gunicorn workers and restarts; old rows are dropped as new ones come.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, Id, utcnow


class ConsoleUser(Base):
    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    role: Mapped[str] = mapped_column(String(16))  # viewer, operator, admin (each implies the ones before)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class LoginFailure(Base):
    """One refused login for an email from an address."""

    __tablename__ = "console_login_failures"
    __table_args__ = (Index("ix_console_login_failures_email_ip_at", "email", "ip", "at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
