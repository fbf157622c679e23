"""Console users: added, listed and removed by ``orderhub user``; checked at login, with a rate limit.

Passwords are hashed with scrypt (``werkzeug.security``: salted, memory-hard, no extra dependency). Roles
nest like API scopes: a ``viewer`` reads, an ``operator`` also acts on orders, deliveries and messages, an
``admin`` can do what an operator can (users themselves are managed from the command line).
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from hub.db.models import ConsoleUser, LoginFailure
from hub.db.models.base import utcnow
from hub.errors import InputRejected

ROLES = ("viewer", "operator", "admin")
EMAIL = re.compile(r"^[^@\s\x00]{1,64}@[^@\s\x00]{1,255}$")
MIN_PASSWORD = 10
MAX_FAILURES = 5  # per email and address ...
FAILURE_WINDOW = timedelta(minutes=15)  # ... within this window, then logins are refused until it passes
# Checked when the email is unknown, so a wrong email costs the same time as a wrong password.
_DECOY = generate_password_hash("not a password of anyone", method="scrypt")


class LoginRefused(Exception):
    """The email and password do not match a user (the message never says which was wrong)."""


class TooManyFailures(LoginRefused):
    """Too many failed logins for this email from this address lately."""


def allows(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


def normal_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise InputRejected(f"{email!r} is not an email address (name@example.com)")
    return email


def add_user(session: Session, email: str, role: str, password: str) -> ConsoleUser:
    email = normal_email(email)
    if role not in ROLES:
        raise InputRejected(f"role {role!r} is not one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise InputRejected(f"the password needs at least {MIN_PASSWORD} characters")
    if session.scalars(select(ConsoleUser).where(ConsoleUser.email == email)).one_or_none() is not None:
        raise InputRejected(f"a user {email!r} exists: remove it first (orderhub user remove)")
    user = ConsoleUser(email=email, role=role, password_hash=generate_password_hash(password, method="scrypt"))
    session.add(user)
    session.flush()
    return user


def remove_user(session: Session, email: str) -> None:
    email = email.strip().lower()
    if session.execute(delete(ConsoleUser).where(ConsoleUser.email == email)).rowcount == 0:  # type: ignore[attr-defined]
        raise InputRejected(f"no user {email!r} (orderhub user list shows them)")


def list_users(session: Session) -> list[ConsoleUser]:
    return list(session.scalars(select(ConsoleUser).order_by(ConsoleUser.email)))


def log_in(session: Session, email: str, password: str, ip: str) -> ConsoleUser:
    """The user whose email and password these are; ``LoginRefused`` (and a failure recorded) otherwise.
    After ``MAX_FAILURES`` failures within ``FAILURE_WINDOW`` the password is not even checked."""
    email = email.strip().lower()[:320]
    ip = ip[:64]
    since = utcnow() - FAILURE_WINDOW
    session.execute(delete(LoginFailure).where(LoginFailure.at < since))
    failures = session.scalar(
        select(func.count()).where(LoginFailure.email == email, LoginFailure.ip == ip, LoginFailure.at >= since)
    )
    if (failures or 0) >= MAX_FAILURES:
        raise TooManyFailures("too many failed logins: wait 15 minutes, then try again")
    user = session.scalars(select(ConsoleUser).where(ConsoleUser.email == email)).one_or_none()
    if not check_password_hash(user.password_hash if user else _DECOY, password) or user is None:
        session.add(LoginFailure(email=email, ip=ip))
        raise LoginRefused("wrong email or password")
    session.execute(delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.ip == ip))
    user.last_login_at = utcnow()
    return user
