"""API tokens: made, revoked and listed by ``orderhub token`` and ``/api/v1/tokens``; checked on every request.

A token is ``ohk_`` and 43 URL-safe characters (32 random bytes). Only its SHA-256 digest is stored, so the
token is shown once, when it is made. Scopes nest: ``admin`` can do what ``operate`` can, which can do
what ``read`` can::

    read      GET anything
    operate   act: route, hold, release, cancel, refund, ship; replay and cancel deliveries, replay messages;
              stock counts and adjustments; pause and resume subscribers
    admin     manage tokens and configuration: routing rules, partners, connector accounts, subscribers
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.models import ApiToken
from hub.db.models.base import utcnow
from hub.errors import InputRejected

SCOPES = ("read", "operate", "admin")
PREFIX = "ohk_"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is a hint, not a log: written at most once a minute


class TokenRefused(Exception):
    """The request's token is missing, unknown or revoked (``str`` says which)."""


def allows(granted: str, needed: str) -> bool:
    return SCOPES.index(granted) >= SCOPES.index(needed)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_name(name: str) -> None:
    if not NAME.match(name):
        raise InputRejected(
            f"token name {name!r}: 1 to 64 letters, digits, '_', '.', '@' or '-', starting with a letter or digit"
        )


def check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise InputRejected(f"scope {scope!r} is not one of {', '.join(SCOPES)}")


def create_token(session: Session, name: str, scope: str, *, created_by: str) -> tuple[ApiToken, str]:
    """A new token called ``name`` with ``scope``: its row and the token itself (shown once, never stored).
    A revoked token's name can be used again; a live one's cannot."""
    check_name(name)
    check_scope(scope)
    token = PREFIX + secrets.token_urlsafe(32)
    row = session.scalars(select(ApiToken).where(ApiToken.name == name).with_for_update()).one_or_none()
    if row is not None and row.revoked_at is None:
        raise InputRejected(f"a token named {name!r} exists: revoke it first, or choose another name")
    if row is None:
        row = ApiToken(name=name)
        session.add(row)
    row.scope, row.token_hash, row.prefix = scope, digest(token), token[:8]
    row.created_at, row.created_by, row.last_used_at, row.revoked_at = utcnow(), created_by, None, None
    session.flush()
    return row, token


def revoke_token(session: Session, name: str) -> ApiToken:
    row = session.scalars(select(ApiToken).where(ApiToken.name == name)).one_or_none()
    if row is None or row.revoked_at is not None:
        raise InputRejected(f"no live token named {name!r} (orderhub token list shows them)")
    row.revoked_at = utcnow()
    session.flush()
    return row


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.name)))


def bearer_token(header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if not header:
        raise TokenRefused("no Authorization header: send Authorization: Bearer <token> (orderhub token create)")
    kind, _, token = header.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise TokenRefused("the Authorization header must be: Bearer <token>")
    return token.strip()


def authenticate(session: Session, header: str | None) -> ApiToken:
    """The live token the header carries; ``TokenRefused`` otherwise."""
    token = bearer_token(header)
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest(token))).one_or_none()
    if row is None:
        raise TokenRefused("the token is not known")
    if row.revoked_at is not None:
        raise TokenRefused(f"the token {row.name!r} was revoked")
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = now
    return row
