"""855 purchase order acknowledgment from a canonical ``PurchaseOrderAck``, back to a partner that sent an 850.

Segments, and where each value comes from:

* ``BAK`` ``00`` (original) with the acknowledgment type (data element 587), the PO number, the PO date, the
  acknowledgment number (``ack_number``, BAK08) and the acknowledgment date (BAK09). The types: accepted ``AD``
  (with detail, no change) or ``AK`` (no detail) when there are no lines; accepted_with_changes ``AC``; rejected
  ``RD`` (with detail) or ``RJ`` (no detail). BAK04, the PO date, is mandatory but the canonical acknowledgment
  does not carry it, so it holds the acknowledgment date too; both are the UTC day of ``acknowledged_at``, and the
  inbound mapping reads BAK09 first.
* ``CUR`` ``SE`` with the currency of the lines' unit prices when it is not USD (all lines must agree).
* ``PO1`` loop per order line answered: consecutive canonical lines with the same line id, item, unit and price are
  one PO1 (a line split between statuses, as the canonical model lists it) with one ``ACK`` per status. PO102,
  the quantity ordered, is the sum of the ACK quantities, since the canonical acknowledgment does not carry the
  ordered quantity. ``ACK``: line status (accepted ``IA``, backordered ``IB``, rejected ``IR``, changed ``IC``),
  quantity, unit, and ``068`` (current schedule ship) with ``scheduled_ship_date``, else ``067`` (current
  schedule delivery) with ``scheduled_delivery_date`` (an ACK has room for one date). A line's own
  ``status_code`` is sent as ACK01 instead when the inbound mapping ``x12/855`` reads that code as the line's
  status (IQ or IP for changed, say), so a partner gets the precise answer. Item pairs as in
  ``hub.edi.outbound.items`` with our SKU as ``VN``.
* ``CTT`` with the number of PO1 loops and the sum of their quantities, when there are lines.

A line without a line id is written with an empty PO101 and reads back with its position as line id.
"""

from __future__ import annotations

from hub.canonical import AckLine, AckLineStatus, AckType, CanonicalModel, PurchaseOrderAck
from hub.edi.outbound.body import OutboundInvalid, SetBody, SetContext, SetWriter, Src, day, ident
from hub.edi.outbound.items import add_baseline
from hub.mapping import load_mapping

ACK_TYPES = {
    (AckType.ACCEPTED, True): "AD",
    (AckType.ACCEPTED, False): "AK",
    (AckType.ACCEPTED_WITH_CHANGES, True): "AC",
    (AckType.ACCEPTED_WITH_CHANGES, False): "AC",
    (AckType.REJECTED, True): "RD",
    (AckType.REJECTED, False): "RJ",
}
LINE_STATUSES = {
    AckLineStatus.ACCEPTED: "IA",
    AckLineStatus.BACKORDERED: "IB",
    AckLineStatus.REJECTED: "IR",
    AckLineStatus.CHANGED: "IC",
}
OWN_QUALIFIER = "VN"


def label(ack: PurchaseOrderAck) -> str:
    return f"855 for PO {ack.po_number}"


def build(document: CanonicalModel, context: SetContext) -> SetBody:
    assert isinstance(document, PurchaseOrderAck)
    ack = document
    body = SetBody(context, label(ack))
    when = day(ack.acknowledged_at, "acknowledged_at")
    ack_type = ACK_TYPES[(ack.ack_type, bool(ack.lines))]
    po_number = ident(ack.po_number, "po_number")
    body.add("BAK", "00", ack_type, po_number, when, None, None, None, ident(ack.ack_number, "ack_number"), when)
    currency = _currency(body, ack)
    if currency is not None and currency != "USD":
        body.add("CUR", "SE", ident(currency, "lines[0].unit_price.currency"))
    groups = _po1_groups(ack.lines)
    for group in groups:
        _po1_loop(body, ack, group)
    if groups:
        body.add("CTT", str(len(groups)), str(sum(line.quantity for line in ack.lines)))
    return body


def _currency(body: SetBody, ack: PurchaseOrderAck) -> str | None:
    currencies = {line.unit_price.currency for line in ack.lines if line.unit_price is not None}
    if len(currencies) > 1:
        raise OutboundInvalid(
            f"{body.label}: the lines' unit prices are in {', '.join(sorted(currencies))}, but an 855 has one"
            " currency (CUR02): convert them to one"
        )
    return currencies.pop() if currencies else None


def _same_item(a: AckLine, b: AckLine) -> bool:
    keys = ("sku", "identifiers", "uom", "unit_price")
    return a.line_id is not None and a.line_id == b.line_id and all(getattr(a, k) == getattr(b, k) for k in keys)


def _po1_groups(lines: list[AckLine]) -> list[list[int]]:
    """Indexes of the canonical lines, grouped into the PO1 loops they are written as."""
    groups: list[list[int]] = []
    for index, line in enumerate(lines):
        if groups and _same_item(lines[groups[-1][0]], line):
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def _po1_loop(body: SetBody, ack: PurchaseOrderAck, group: list[int]) -> None:
    first, field = ack.lines[group[0]], f"lines[{group[0]}]"
    quantity = sum(ack.lines[i].quantity for i in group)
    add_baseline(body, "PO1", first, field, own=OWN_QUALIFIER, quantity=quantity)
    for index in group:
        line, where = ack.lines[index], f"lines[{index}]"
        ship = day(line.scheduled_ship_date, f"{where}.scheduled_ship_date")
        delivery = None if ship else day(line.scheduled_delivery_date, f"{where}.scheduled_delivery_date")
        body.add(
            "ACK",
            _status_code(line, where),
            str(line.quantity),
            ident(line.uom, f"{where}.uom"),
            "068" if ship else ("067" if delivery else None),
            ship or delivery,
        )


def _status_code(line: AckLine, where: str) -> Src | str:
    """ACK01: the line's own code when the inbound mapping reads it as the line's status, else ours for it."""
    code = line.status_code
    if code is not None and load_mapping("x12/855").spec.tables["line_statuses"].get(code) == line.status.value:
        return Src(code, f"{where}.status_code")
    return LINE_STATUSES[line.status]


def reference(document: CanonicalModel) -> str | None:
    assert isinstance(document, PurchaseOrderAck)
    return document.po_number


WRITER = SetWriter("855", PurchaseOrderAck, build, reference, "po_number")
