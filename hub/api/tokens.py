"""``/api/v1/tokens``: API tokens, for ``admin`` tokens only. The token itself is in the answer that makes it,
and nowhere else: only its digest is kept."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from hub.api import auth
from hub.api.problems import Problem, bad_field
from hub.api.registry import BodyModel, Call, operation
from hub.db.models import ApiToken
from hub.errors import InputRejected

Scope = Literal["read", "operate", "admin"]


class TokenView(BaseModel):
    name: str
    scope: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart.")
    created_at: str
    created_by: str
    last_used_at: str | None
    revoked_at: str | None


class TokenList(BaseModel):
    items: list[TokenView]


class NewToken(BodyModel):
    name: str = Field(min_length=1, max_length=64, pattern=auth.NAME.pattern)
    scope: Scope


class CreatedToken(TokenView):
    token: str = Field(description="Shown this once: keep it now. Send it as Authorization: Bearer <token>.")


def view(row: ApiToken) -> dict[str, str | None]:
    return {
        "name": row.name,
        "scope": row.scope,
        "prefix": row.prefix,
        "created_at": row.created_at.isoformat(),
        "created_by": row.created_by,
        "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }


@operation("GET", "/tokens", scope="admin", tag="tokens", response=TokenList, summary="API tokens, live and revoked")
def list_tokens(call: Call) -> TokenList:
    return TokenList(items=[TokenView.model_validate(view(row)) for row in auth.list_tokens(call.session)])


@operation("POST", "/tokens", scope="admin", tag="tokens", body=NewToken, response=CreatedToken, status=201,
           problems=(409,), summary="Make a token (shown once)")  # fmt: skip
def create_token(call: Call) -> CreatedToken:
    try:
        row, token = auth.create_token(call.session, call.body.name, call.body.scope, created_by=call.actor)
    except InputRejected as refused:
        raise Problem(409, str(refused)) from None
    return CreatedToken.model_validate(view(row) | {"token": token})


@operation("DELETE", "/tokens/<name>", scope="admin", tag="tokens", response=TokenView,
           summary="Revoke a token: it is refused from now on")  # fmt: skip
def revoke_token(call: Call, name: str) -> TokenView:
    if name == call.token.name:
        raise bad_field(400, "path", "name", "a token cannot revoke itself (use another admin token or the CLI)")
    try:
        row = auth.revoke_token(call.session, name)
    except InputRejected as refused:
        raise Problem(404, str(refused)) from None
    return TokenView.model_validate(view(row))
