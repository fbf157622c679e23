"""``POST /webhooks/connectors/<connector>/<account>[/<token>]``: a partner calls the hub through a connector
(a 3PL's shipment notice). Authenticate, store, commit, hand the id to the relay, answer; nothing is parsed here.

The connector decides what proves the request genuine (``ReceivesWebhooks.authenticate``): a signature, or
for a partner that signs nothing (ShipStation) a per-account secret token as the last part of the URL. The
stored message is processed by the parse task (``hub.delivery.notifications``).

* unknown connector, a connector that takes no webhooks, or an unknown account: 404, nothing stored;
* an account whose settings or secrets cannot be read: 503, nothing stored (the partner retries);
* refused (wrong or missing token or signature): 401 with the reason; the request is kept as a ``failed``
  inbox message, so a partner calling with an old token loses nothing: once it is known to be genuine,
  ``orderhub inbox replay ID`` processes it;
* accepted: stored (a second copy of the same delivery is recognised: ``duplicate``) and answered 200.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from hub.channels.intake import store_message
from hub.db.models import InboxMessage, InboxStatus
from hub.db.models.base import utcnow
from hub.delivery.accounts import UnknownDestination, account_spec, build_connector, destination_name
from hub.delivery.notifications import connector_channel
from hub.errors import ConfigurationError, InputRejected
from hub.sdk import (
    Connector,
    InboundNotification,
    NotificationRefused,
    ReceivesWebhooks,
    available_connectors,
    capabilities_of,
    load_connector,
)
from hub.web.body import read_body
from hub.web.errors import error_response
from hub.web.extension import hub_extension

log = logging.getLogger(__name__)
blueprint = Blueprint("connector_webhooks", __name__)

ACCOUNT_CACHE_SECONDS = 10.0
TOKEN_HEADER = "x-orderhub-token"  # noqa: S105 - the header's name; its value is never stored
# Headers partners use for a delivery id that stays the same when they retry; without one, the body's hash.
DELIVERY_ID_HEADERS = ("webhook-id", "x-webhook-id", "x-event-id")
_connectors: dict[tuple[str, str], tuple[float, Connector]] = {}


@functools.lru_cache(maxsize=64)
def _capabilities(name: str) -> tuple[str, ...] | None:
    """What the installed connector ``name`` can do, None when there is none (looked up once per process)."""
    if name not in available_connectors():
        return None
    return capabilities_of(load_connector(name))


def _connector(name: str, account: str) -> Connector:
    """The account's connector instance, cached briefly so a burst of webhooks costs one lookup."""
    cached = _connectors.get((name, account))
    if cached is not None and time.monotonic() - cached[0] < ACCOUNT_CACHE_SECONDS:
        return cached[1]
    with hub_extension().runtime.database.session() as session:
        spec = account_spec(session, destination_name(name, account))
    connector = build_connector(spec)
    _connectors[(name, account)] = (time.monotonic(), connector)
    return connector


def dedupe_key(notification: InboundNotification) -> str:
    for header in DELIVERY_ID_HEADERS:
        value = notification.headers.get(header, "").strip()
        if value:
            return f"id:{value}"[:255]
    return f"sha256:{hashlib.sha256(notification.body).hexdigest()}"


@blueprint.post("/webhooks/connectors/<connector_name>/<account>")
@blueprint.post("/webhooks/connectors/<connector_name>/<account>/<token>")
def receive(connector_name: str, account: str, token: str | None = None) -> ResponseReturnValue:
    capabilities = _capabilities(connector_name)
    if capabilities is None:
        return error_response(404, "unknown_connector", f"no connector named {connector_name!r}")
    if "webhooks" not in capabilities:
        return error_response(404, "no_webhooks", f"connector {connector_name!r} does not receive webhooks")
    body = read_body()
    try:
        connector = _connector(connector_name, account)
    except (UnknownDestination, InputRejected):
        return error_response(404, "unknown_account", f"no active {connector_name} account {account!r}")
    except ConfigurationError as exc:
        log.error("webhook for %s/%s refused: %s", connector_name, account, exc)
        return error_response(503, "account_misconfigured", "the account's settings or secrets cannot be read")
    headers = {name.lower(): value for name, value in request.headers.items()}
    notification = InboundNotification(
        method=request.method,
        path=f"/webhooks/connectors/{connector_name}/{account}",  # never the token
        query=request.query_string.decode("latin-1"),
        headers=headers,
        body=body,
        path_token=token,
    )
    assert isinstance(connector, ReceivesWebhooks)  # the class was checked above
    try:
        connector.authenticate(notification)
    except NotificationRefused as exc:
        inbox_id = _keep_refused(connector_name, account, notification, str(exc))
        return error_response(401, "refused", f"{exc} (kept as inbox message {inbox_id})")
    return _store(connector_name, account, notification)


def _stored_headers(notification: InboundNotification) -> dict[str, str]:
    return {name: value for name, value in notification.headers.items() if name != TOKEN_HEADER}


def _store(connector_name: str, account: str, notification: InboundNotification) -> ResponseReturnValue:
    extension = hub_extension()
    engine = extension.runtime.database.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        inbox_id, created = store_message(
            connection,
            source="webhook",
            channel=connector_channel(connector_name),
            account=account,
            topic=None,
            dedupe_key=dedupe_key(notification),
            body=notification.body,
            headers=_stored_headers(notification),
            content_type=request.content_type,
        )
    if not created:
        return jsonify({"status": "duplicate", "id": inbox_id}), 200
    extension.relay.submit(inbox_id)
    return jsonify({"status": "accepted", "id": inbox_id}), 200


def _keep_refused(connector_name: str, account: str, notification: InboundNotification, reason: str) -> int:
    """Store a refused request as failed (once per distinct body), never handed to a worker."""
    with hub_extension().runtime.database.session() as session:
        inbox_id, created = store_message(
            session,
            source="webhook",
            channel=connector_channel(connector_name),
            account=account,
            topic=None,
            dedupe_key=f"refused:{dedupe_key(notification)}"[:255],
            body=notification.body,
            headers=_stored_headers(notification),
            content_type=request.content_type,
        )
        if created:
            _mark_refused(session, inbox_id, reason)
    log.warning("webhook for %s/%s refused (inbox message %s): %s", connector_name, account, inbox_id, reason)
    return inbox_id


def _mark_refused(session: Session, inbox_id: int, reason: str) -> None:
    message = session.get(InboxMessage, inbox_id)
    assert message is not None  # inserted in this transaction
    message.status, message.processed_at = InboxStatus.FAILED, utcnow()
    message.error = f"refused at the door: {reason}. Replay it only once it is known to come from the partner"
