"""``POST /webhooks/<channel>/<account>``: verify, store, commit, hand the id to the relay, answer.

Storing is one INSERT, one round trip, on a connection the process keeps open (``hub.channels.inbox_writer``).

Nothing is parsed here. A duplicate delivery (same channel delivery/event id) is answered 200 and changes
nothing; a bad or missing signature is 401 and stores nothing; an unknown channel or account is 404; a body
over the cap is 413, whole or chunked, and is neither verified nor stored (``hub.web.body``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from hub.channels.accounts import AccountContext
from hub.channels.inbox_writer import InboxWriter
from hub.channels.intake import UnknownAccount, account_settings
from hub.channels.registry import all_channels
from hub.channels.verifiers import InboundRequest, SignatureInvalid
from hub.errors import ConfigurationError
from hub.web.body import read_body
from hub.web.errors import error_response
from hub.web.extension import hub_extension

log = logging.getLogger(__name__)
blueprint = Blueprint("webhooks", __name__)

WRITER = "orderhub.inbox_writer"
_writer_lock = threading.Lock()
ACCOUNT_CACHE_SECONDS = 10.0
_accounts: dict[tuple[str, str], tuple[float, list[str]]] = {}


def _webhook_secrets(channel: str, account: str) -> list[str]:
    """The account's resolved webhook secrets, cached briefly so a burst costs one lookup."""
    cached = _accounts.get((channel, account))
    if cached is not None and time.monotonic() - cached[0] < ACCOUNT_CACHE_SECONDS:
        return cached[1]
    with hub_extension().runtime.database.session(read_only=True) as session:  # never waits on the writers
        settings = account_settings(session, channel, account)
    secrets = AccountContext(channel, account, settings).webhook_secrets()
    if not secrets:
        raise ConfigurationError(f"{channel} account {account!r} has no webhook_secrets configured")
    _accounts[(channel, account)] = (time.monotonic(), secrets)
    return secrets


def _writer() -> InboxWriter:
    """This app's inbox writer, on the engine the runtime holds now (a new one after a fork, so no connection
    is shared with the parent); its kept connections are closed when the app goes away or the engine changes."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    engine = hub_extension(app).runtime.database.engine
    writer: InboxWriter | None = app.extensions.get(WRITER)
    if writer is not None and writer.engine is engine:
        return writer
    with _writer_lock:
        writer = app.extensions.get(WRITER)
        if writer is None or writer.engine is not engine:
            if writer is not None and writer.pid == os.getpid():
                writer.close()
            writer = InboxWriter(engine)
            weakref.finalize(app, writer.close)
            app.extensions[WRITER] = writer
    return writer


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
    inbox_id, created = _writer().store(
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
