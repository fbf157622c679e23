"""``POST /edi/<partner id>``: a partner posts one X12 file; the hub checks who it is, stores it, answers.

Answers, in the order they are decided:

* 404 when no active EDI partner has that id;
* 403 when the partner exists but has no ``inbound_http`` credential in its profile (nobody may post for it
  until the operator sets one: ``orderhub partner add ID --http-inbound token=env:NAME``);
* 503 when the credential's secret cannot be read (a server-side problem; the partner should retry);
* 401 when the ``Authorization`` header is missing, of the other scheme, or wrong (compared in constant time);
* 413 when the body is over ``HUB_WEB__MAX_BODY_BYTES``; 400 when it is empty;
* 202 ``{"status": "accepted", "inbox_id": N}`` once the body is stored, byte for byte;
* 422 ``{"error": {"code": "not_x12", ...}, "inbox_id": N}`` when the body, stored all the same, holds no
  interchange header at all.

Nothing is parsed here, and the content type is not judged: ``application/edi-x12``, ``application/edi``,
``text/plain`` and ``application/octet-stream`` are the usual ones, and anything that authenticates is
stored. An interchange that fails its checks is answered later with a TA1 or 997, not refused now. A body
with no ISA at all can never be answered that way (a TA1 names the interchange it answers by its ISA13,
date and time), so it is the one thing said at once: it is kept (and fails with that reason when the worker
reads it), and the answer is 422 naming what was found instead. A partner may name the file (``X-Filename``
or a ``Content-Disposition`` filename) and may send an ``Idempotency-Key``: a repeated key is answered 200
``{"status": "duplicate", "inbox_id": N}`` and stores nothing.
"""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass

from flask import Blueprint, Response, jsonify, make_response, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import Authorization
from werkzeug.http import parse_options_header

from hub.edi.intake import not_x12, store_x12
from hub.edi.partners import InboundHttpAuth, InvalidProfile, UnknownPartner, get_partner
from hub.errors import ConfigurationError
from hub.secrets import resolve_secret
from hub.web.body import read_body
from hub.web.errors import error_document, error_response
from hub.web.extension import hub_extension

log = logging.getLogger(__name__)
blueprint = Blueprint("edi_http", __name__)

SOURCE = "edi-http"
REALM = "orderhub-edi"
CREDENTIAL_CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class Credential:
    """What a request must present: a bearer token, or a basic username and password (all as bytes)."""

    token: bytes | None = None
    username: bytes | None = None
    password: bytes | None = None

    @property
    def scheme(self) -> str:
        return "Bearer" if self.token is not None else "Basic"

    def admits(self, header: str | None) -> bool:
        """Whether the Authorization header carries this credential; every comparison runs to the end."""
        given = Authorization.from_header(header)
        if given is None or given.type != self.scheme.lower():
            return False
        if self.token is not None:
            return hmac.compare_digest((given.token or "").encode("utf-8"), self.token)
        user_ok = hmac.compare_digest((given.username or "").encode("utf-8"), self.username or b"")
        password_ok = hmac.compare_digest((given.password or "").encode("utf-8"), self.password or b"")
        return user_ok & password_ok


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _resolve(auth: InboundHttpAuth) -> Credential:
    if auth.token is not None:
        return Credential(token=resolve_secret(auth.token).get_secret_value().encode("utf-8"))
    assert auth.username is not None and auth.password is not None  # the profile guarantees one scheme
    password = resolve_secret(auth.password).get_secret_value()
    return Credential(username=auth.username.encode("utf-8"), password=password.encode("utf-8"))


_credentials: dict[str, tuple[float, Credential]] = {}


def partner_credential(partner_id: str) -> Credential:
    """The partner's resolved credential, cached briefly so a burst of files costs one lookup; Refusal when
    the partner cannot post at all."""
    cached = _credentials.get(partner_id)
    if cached is not None and time.monotonic() - cached[0] < CREDENTIAL_CACHE_SECONDS:
        return cached[1]
    try:
        with hub_extension().runtime.database.session() as session:
            record = get_partner(session, partner_id)
    except UnknownPartner:
        raise Refusal(404, "unknown_partner", f"no active EDI partner {partner_id!r}") from None
    except InvalidProfile as exc:
        log.error("X12 post for partner %s refused: %s", partner_id, exc)
        raise Refusal(
            503, "partner_misconfigured", "the partner's profile is invalid; the hub operator must fix it"
        ) from None
    if not record.active:
        raise Refusal(404, "unknown_partner", f"no active EDI partner {partner_id!r}")
    if record.profile.inbound_http is None:
        raise Refusal(
            403,
            "http_not_enabled",
            f"partner {partner_id!r} may not post X12 over HTTP: its profile has no inbound_http credential;"
            " ask the hub operator to set one",
        )
    try:
        credential = _resolve(record.profile.inbound_http)
    except ConfigurationError as exc:
        log.error("X12 post for partner %s refused: %s", partner_id, exc)
        raise Refusal(503, "partner_misconfigured", "the partner's credential is not available") from None
    _credentials[partner_id] = (time.monotonic(), credential)
    return credential


def clear_credential_cache() -> None:
    """Forget resolved credentials (after a profile change, which otherwise takes effect within seconds)."""
    _credentials.clear()


def _file_name() -> str | None:
    name = request.headers.get("X-Filename")
    if not name and "Content-Disposition" in request.headers:
        name = parse_options_header(request.headers["Content-Disposition"])[1].get("filename")
    return name.strip()[-128:] if name and name.strip() else None


def _unauthorized(credential: Credential) -> Response:
    message = f"this endpoint needs the partner's credential ({credential.scheme} authentication)"
    response = make_response(error_response(401, "unauthorized", message))
    response.headers["WWW-Authenticate"] = f'{credential.scheme} realm="{REALM}"'
    return response


@blueprint.post("/edi/<partner_id>")
def receive(partner_id: str) -> ResponseReturnValue:
    try:
        credential = partner_credential(partner_id)
    except Refusal as refusal:
        return error_response(refusal.status, refusal.code, refusal.message)
    if not credential.admits(request.headers.get("Authorization")):
        return _unauthorized(credential)
    body = read_body()  # 413 past HUB_WEB__MAX_BODY_BYTES, chunked or not; never a cut body
    if not body:
        return error_response(400, "empty_body", "the request body is empty: post the X12 interchange as the body")
    key = request.headers.get("Idempotency-Key", "").strip()
    extension = hub_extension()
    with extension.runtime.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        inbox_id, created = store_x12(
            connection,
            source=SOURCE,
            partner_id=partner_id,
            name=_file_name(),
            dedupe_key=f"{SOURCE}:key:{key[:200]}" if key else None,
            body=body,
            headers={name.lower(): value for name, value in request.headers.items()},
        )
    if not created:
        return jsonify({"status": "duplicate", "inbox_id": inbox_id}), 200
    extension.relay.submit(inbox_id)
    unreadable = not_x12(body)
    if unreadable is not None:
        message = f"stored as inbox message {inbox_id}, but it is not X12 ({unreadable}): no TA1 or 997 will follow"
        return jsonify(error_document(422, "not_x12", message) | {"inbox_id": inbox_id}), 422
    return jsonify({"status": "accepted", "inbox_id": inbox_id}), 202
