"""Every capability a connector can have, by the name ``orderhub connector list`` shows for it."""

from __future__ import annotations

from hub.sdk.accounting import PostsJournalEntries, PostsJournalEntryBatch, ReadsLedger
from hub.sdk.capabilities import (
    CancelsFulfillment,
    FetchesFulfillmentStatus,
    PollsMessages,
    ReadsNotifications,
    ReceivesWebhooks,
    SubmitsFulfillment,
    SubmitsFulfillmentBatch,
)
from hub.sdk.channel_updates import CancelsChannelOrder, ConfirmsShipment, RefundsChannelOrder, UpdatesTracking
from hub.sdk.events import PublishesEvents

CAPABILITIES: dict[str, type] = {
    "submit_fulfillment": SubmitsFulfillment,
    "submit_batch": SubmitsFulfillmentBatch,
    "cancel_fulfillment": CancelsFulfillment,
    "fetch_status": FetchesFulfillmentStatus,
    "read_notifications": ReadsNotifications,
    "webhooks": ReceivesWebhooks,
    "poll_messages": PollsMessages,
    "confirm_shipment": ConfirmsShipment,
    "update_tracking": UpdatesTracking,
    "cancel_order": CancelsChannelOrder,
    "refund_order": RefundsChannelOrder,
    "publish_event": PublishesEvents,
    "post_entry": PostsJournalEntries,
    "post_entries": PostsJournalEntryBatch,
    "read_ledger": ReadsLedger,
}


def capabilities_of(connector: type | object) -> tuple[str, ...]:
    """Names of the capabilities ``connector`` (a class or an instance) implements."""
    cls = connector if isinstance(connector, type) else type(connector)
    found = []
    for name, protocol in CAPABILITIES.items():
        methods = [attr for attr in vars(protocol) if not attr.startswith("_") and callable(getattr(protocol, attr))]
        if methods and all(callable(getattr(cls, method, None)) for method in methods):
            found.append(name)
    return tuple(found)
