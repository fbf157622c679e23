"""Every API error is an RFC 9457 problem document (``application/problem+json``).

``type`` names the kind of problem (a stable URN a client can branch on), ``title`` says it in words,
``detail`` says what was wrong with this request, and ``errors`` names each bad parameter or body field, so a
client can point at the field without parsing prose.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from flask import Response, json
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: ("bad-request", "The request is malformed"),
    401: ("unauthorized", "A valid API token is needed"),
    403: ("forbidden", "The token's scope does not allow this"),
    404: ("not-found", "No such resource"),
    405: ("method-not-allowed", "That method is not allowed here"),
    409: ("conflict", "The resource is not in a state that allows this"),
    412: ("precondition-failed", "The resource changed since it was read"),
    413: ("too-large", "The request body is too large"),
    415: ("unsupported-media-type", "The body must be JSON"),
    422: ("unprocessable", "The request body is not valid"),
    500: ("internal", "The hub failed to answer; the error is logged"),
    503: ("unavailable", "A service the hub needs did not answer"),
}

Location = Literal["query", "path", "header", "body"]
Row = TypeVar("Row")


class FieldError(BaseModel):
    """One bad parameter or body field."""

    name: str = Field(description="The parameter, or the body field as a dotted path (lines.0.quantity).")
    location: Location = Field(alias="in", description="Where it was: query, path, header or body.")
    detail: str

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class ProblemDetails(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="urn:orderhub:problem:<kind>, stable for clients to branch on.")
    title: str
    status: int
    detail: str
    errors: list[FieldError] = Field(default_factory=list)


class Problem(Exception):
    """Raised anywhere under a request to answer with this problem."""

    def __init__(
        self, status: int, detail: str, *, errors: list[FieldError] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}

    def document(self) -> ProblemDetails:
        kind, title = TITLES.get(self.status, ("error", "Error"))
        return ProblemDetails(
            type=f"urn:orderhub:problem:{kind}", title=title, status=self.status, detail=self.detail, errors=self.errors
        )

    def response(self) -> Response:
        body = json.dumps(self.document().model_dump(mode="json", by_alias=True))
        return Response(body, status=self.status, mimetype=MEDIA_TYPE, headers=self.headers)


def bad_field(status: int, location: Location, name: str, detail: str) -> Problem:
    """A problem about one named parameter or field."""
    message = f"{name}: {detail}" if location == "body" else f"{location} parameter {name!r}: {detail}"
    return Problem(status, message, errors=[FieldError(name=name, location=location, detail=detail)])


def stored(session: Session, model: type[Row], key: Any, missing: str) -> Row:
    """The row of ``model`` with primary key ``key``; a 404 saying ``missing`` when there is none."""
    row = session.get(model, key)
    if row is None:
        raise Problem(404, missing)
    return row


def from_validation(error: ValidationError, location: Location, status: int) -> Problem:
    """A pydantic validation error as a problem naming every bad field."""
    errors = [_field_error(item, location) for item in error.errors(include_url=False)]
    named = "; ".join(f"{e.name}: {e.detail}" for e in errors[:5])
    return Problem(status, f"invalid {location}: {named}", errors=errors)


def _field_error(item: Any, location: Location) -> FieldError:
    loc = item["loc"][:1] if location != "body" else item["loc"]  # parameters are flat: union tags add nothing
    name = ".".join(str(part) for part in loc) or "(body)"
    detail = item["msg"]
    if item["type"] == "extra_forbidden":
        detail = "unknown parameter" if location == "query" else "unknown field"
    return FieldError(name=name, location=location, detail=detail)
