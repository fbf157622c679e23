"""A privacy request in the same chunk as the order it names: the order is written first, then redacted,
exactly as when the two messages are processed one after the other."""

from __future__ import annotations

from hub.channels.chunk import process_chunk
from tests.channels.conftest import Receiver
from tests.channels.test_shopify import accepted, fake, hub, kinds, sample, stored  # noqa: F401 (fixtures)


def test_a_redaction_in_the_chunk_of_the_order_it_names_redacts_that_order(hub: Receiver) -> None:  # noqa: F811
    ids = [
        accepted(hub, "orders/create", sample("orders_create"), "evt-new"),
        accepted(hub, "customers/redact", sample("customers_redact"), "evt-redact"),
    ]
    result = process_chunk(hub.database, ids)
    assert [result.outcomes[inbox_id].status for inbox_id in ids] == ["processed", "processed"]
    _, order, events = stored(hub)
    assert order.customer is None and order.notes is None
    assert kinds(events) == ["order.received", "order.redacted"]
    assert [message.body for message in hub.messages()][0] == b""  # the raw order delivery is emptied too
