"""A seller's cancellation as Amazon takes it: an order acknowledgement feed (``POST_ORDER_ACKNOWLEDGEMENT_DATA``)
with status ``Failure`` and a cancel reason per order item, sent through the Feeds API (create a feed document,
upload the XML to the pre-signed URL Amazon gives, create the feed). Amazon processes the feed later; the
processing report is not read here, so the hub learns the outcome from the order itself (its next update shows
it ``Canceled``)."""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, tostring

from hub.canonical import Order
from hub.sdk import ChannelCancellation, PermanentError, reason_code

FEED_TYPE = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
CONTENT_TYPE = "text/xml; charset=UTF-8"
REASONS = (  # words in the hub's reason -> Amazon CancelReason
    ("buyer", "BuyerCanceled"),
    ("address", "ShippingAddressUndeliverable"),
    ("exchange", "CustomerExchange"),
)
DEFAULT_REASON = "NoInventory"  # the hub cancels what it cannot source


def cancel_reason(reason: str) -> str:
    return reason_code(reason, REASONS, DEFAULT_REASON)


def acknowledgement_feed(cancellation: ChannelCancellation, seller_id: str) -> bytes:
    """The feed document: one message cancelling every item of the order."""
    order = cancellation.order
    envelope = Element("AmazonEnvelope", {"xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance"})
    envelope.set("xsi:noNamespaceSchemaLocation", "amzn-envelope.xsd")
    header = SubElement(envelope, "Header")
    SubElement(header, "DocumentVersion").text = "1.01"
    SubElement(header, "MerchantIdentifier").text = seller_id
    SubElement(envelope, "MessageType").text = "OrderAcknowledgement"
    message = SubElement(envelope, "Message")
    SubElement(message, "MessageID").text = "1"
    acknowledgement = SubElement(message, "OrderAcknowledgement")
    SubElement(acknowledgement, "AmazonOrderID").text = order.channel_order_id
    SubElement(acknowledgement, "StatusCode").text = "Failure"
    reason = cancel_reason(cancellation.reason)
    for item_id in _item_ids(order):
        item = SubElement(acknowledgement, "Item")
        SubElement(item, "AmazonOrderItemCode").text = item_id
        SubElement(item, "CancelReason").text = reason
    body: bytes = tostring(envelope, encoding="utf-8", xml_declaration=True)
    return body


def _item_ids(order: Order) -> list[str]:
    ids = [line.channel_line_id for line in order.lines if line.channel_line_id]
    if len(ids) != len(order.lines):
        raise PermanentError(
            f"Amazon order {order.channel_order_id} has lines without an OrderItemId (channel_line_id)"
        )
    return ids
