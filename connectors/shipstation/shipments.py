"""ShipStation shipments (``GET /shipments``) as the hub's shipment notices.

A shipment is a label bought in ShipStation. Voided labels are listed too and are skipped. Each notice names
the fulfillment order by ``orderKey`` (our id, echoed back) and by ``orderId`` (ShipStation's id, returned when
the order was created), and is keyed by ``shipmentId`` so a shipment read twice is recorded once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from hub.canonical import Carrier, Shipment, ShipmentItem
from hub.sdk import PermanentError, ShipmentNotice


def listed_rows(answer: Any) -> list[dict[str, Any]]:
    """The shipments of one page of ``GET /shipments``; ``PermanentError`` for an answer that is not one."""
    if not isinstance(answer, dict) or not isinstance(answer.get("shipments"), list):
        raise PermanentError("ShipStation answered a shipment listing without a shipments list")
    return [row for row in answer["shipments"] if isinstance(row, dict)]


def page_count(answer: dict[str, Any]) -> int:
    """How many pages the listing has (a missing or unreadable count is taken as one)."""
    try:
        return int(answer.get("pages") or 1)
    except (TypeError, ValueError):
        return 1


def shipment_notices(rows: list[dict[str, Any]]) -> list[ShipmentNotice]:
    """The notices for the shipments that were not voided, in the order listed."""
    return [notice(row) for row in rows if isinstance(row, dict) and not row.get("voided")]


def notice(row: dict[str, Any]) -> ShipmentNotice:
    shipment_id = row.get("shipmentId")
    if shipment_id in (None, ""):
        raise PermanentError("a ShipStation shipment without a shipmentId cannot be recorded")
    try:
        shipment = _shipment(row)
    except (ValidationError, ValueError, TypeError) as exc:
        raise PermanentError(f"ShipStation shipment {shipment_id} cannot be read: {_reason(exc)}") from None
    order_key, order_id = row.get("orderKey"), row.get("orderId")
    return ShipmentNotice(
        key=str(shipment_id),
        shipment=shipment,
        fulfillment_order_id=str(order_key) if order_key else None,
        external_id=str(order_id) if order_id not in (None, "") else None,
    )


def _shipment(row: dict[str, Any]) -> Shipment:
    carrier, service = row.get("carrierCode"), row.get("serviceCode")
    tracking = row.get("trackingNumber")
    return Shipment(
        shipment_number=str(row["shipmentId"]),
        # ShipStation's orderNumber is the reference the order was sent with (FulfillmentRequest.reference)
        channel_order_id=str(row.get("orderNumber") or row.get("orderKey") or row.get("orderId")),
        shipped_at=_ship_date(row.get("shipDate")),
        carrier=Carrier(name=carrier or None, service=service or None) if carrier or service else None,
        tracking_numbers=[str(tracking)] if tracking else [],
        items=[_item(item) for item in row.get("shipmentItems") or [] if isinstance(item, dict)],
    )


def _item(item: dict[str, Any]) -> ShipmentItem:
    return ShipmentItem(
        line_id=str(item["lineItemKey"]) if item.get("lineItemKey") else None,
        sku=str(item["sku"]) if item.get("sku") else None,
        quantity=int(item["quantity"]),
    )


def _ship_date(value: Any) -> datetime | None:
    """``shipDate`` is a calendar day ("2025-03-15") or a timestamp; a day is taken as midnight UTC."""
    if not value:
        return None
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return str(exc)
