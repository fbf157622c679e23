"""``POST /webhooks/<channel>/<account>``: verify, store, commit, hand the id to the relay, answer.

Nothing is parsed here. A duplicate delivery (same channel delivery/event id) is answered 200 and changes
nothing; a bad or missing signature is 401 and stores nothing; an unknown channel or account is 404; a body
over the cap is 413, whole or chunked, and is neither verified nor stored (``hub.web.body``).
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from hub.channels.accounts import AccountContext
from hub.channels.intake import UnknownAccount, account_settings, store_message
from hub.channels.registry import all_channels
from hub.channels.verifiers import InboundRequest, SignatureInvalid
from hub.errors import ConfigurationError
from hub.web.body import read_body
from hub.web.errors import error_response
from hub.web.extension import hub_extension

log = logging.getLogger(__name__)
blueprint = Blueprint("webhooks", __name__)

ACCOUNT_CACHE_SECONDS = 10.0
_accounts: dict[tuple[str, str], tuple[float, list[str]]] = {}


def _webhook_secrets(channel: str, account: str) -> list[str]:
    """The account's resolved webhook secrets, cached briefly so a burst costs one lookup."""
    cached = _accounts.get((channel, account))
    if cached is not None and time.monotonic() - cached[0] < ACCOUNT_CACHE_SECONDS:
        return cached[1]
    with hub_extension().runtime.database.session() as session:
        settings = account_settings(session, channel, account)
    secrets = AccountContext(channel, account, settings).webhook_secrets()
    if not secrets:
        raise ConfigurationError(f"{channel} account {account!r} has no webhook_secrets configured")
    _accounts[(channel, account)] = (time.monotonic(), secrets)
    return secrets


@blueprint.post("/webhooks/<channel_name>/<account>")
def receive(channel_name: str, account: str) -> ResponseReturnValue:
    channel = all_channels().get(channel_name)
    if channel is None or channel.verifier is None:
        return error_response(404, "unknown_channel", f"no webhook channel {channel_name!r}")
    body = read_body()
    inbound = InboundRequest(
        method=request.method,
        path=request.path,
        query=request.query_string.decode("latin-1"),
        headers={name.lower(): value for name, value in request.headers.items()},
        body=body,
    )
    try:
        secrets = _webhook_secrets(channel_name, account)
    except UnknownAccount:
        return error_response(404, "unknown_account", f"no active {channel_name} account {account!r}")
    except ConfigurationError as exc:
        log.error("webhook for %s/%s refused: %s", channel_name, account, exc)
        return error_response(503, "account_misconfigured", "the account's webhook secret is not available")
    if channel.accepts_unsigned(inbound):
        return jsonify({"status": "ignored"}), 200
    try:
        channel.verifier.verify(inbound, secrets)
    except SignatureInvalid as exc:
        return error_response(401, "invalid_signature", str(exc))
    topic = channel.webhook_topic(inbound)
    extension = hub_extension()
    engine = extension.runtime.database.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        inbox_id, created = store_message(
            connection,
            source="webhook",
            channel=channel_name,
            account=account,
            topic=topic,
            dedupe_key=channel.dedupe_key(inbound, topic),
            body=body,
            headers=inbound.headers,
            content_type=request.content_type,
            triggered_at=channel.triggered_at(inbound),
        )
    if not created:
        return jsonify({"status": "duplicate", "id": inbox_id}), 200
    extension.relay.submit(inbox_id)
    return jsonify({"status": "accepted", "id": inbox_id}), 200
