"""What we write reads back, through the hub's own reader and inbound mappings, as the document we wrote.

Each comparison is of whole documents. Where X12 cannot carry a field, or the reading side fills one in, the
expected document says so field by field (``model_copy(update=...)`` with a comment), never by comparing less.
Amounts compare by value (``Decimal("5.5") == Decimal("5.50")``), as the canonical model does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.canonical import (
    AckLine,
    Address,
    CanonicalModel,
    InventoryAdvice,
    Money,
    Order,
    Party,
    PartyRole,
    PurchaseOrderAck,
    Shipment,
    Totals,
)
from hub.canonical.base import decimal_text
from hub.edi.outbound import build_interchange
from hub.edi.outbound.order_ack import LINE_STATUSES
from tests.edi.outbound.support import NOW, Numbers, drop_ship_order, golden, make_profile, money, read_back

GS08 = ["004010", "005010VICS"]


def _profile(gs08: str, document: CanonicalModel | None = None) -> Any:
    changes: dict[str, Any] = {}
    if isinstance(document, Order) and document.source_partner is not None:
        # The reading side takes source_partner from GS02, which is our GS id.
        changes["ours"] = {"qualifier": "ZZ", "id": "ORDERHUB", "gs_id": document.source_partner}
    return make_profile("00501" if gs08.startswith("005") else "00401", gs08, **changes)


def _round_trip(document: CanonicalModel, gs08: str, set_id: str | None = None) -> CanonicalModel:
    out = build_interchange(
        _profile(gs08, document), [document], Numbers(), now=NOW, set_ids=[set_id] if set_id else None
    )
    [back] = read_back(out.text)
    return back


def _stated_total(order: Order, gs08: str, computed: Decimal | None = None) -> dict[str, str]:
    """The order's attributes as the 850 reading gives them: AMT*TT (5010 only) is kept as stated_total, and
    stated_total_difference when the total we stated is not what the reading computes from lines and SACs."""
    attributes = {k: v for k, v in order.attributes.items() if k not in ("stated_total", "stated_total_difference")}
    if gs08.startswith("005"):
        attributes["stated_total"] = decimal_text(order.totals.total.amount)
        if computed is not None and computed != order.totals.total.amount:
            attributes["stated_total_difference"] = decimal_text(order.totals.total.amount - computed)
    return attributes


GOLDEN = [case for set_id in ("850", "855", "856", "810", "846") for case in golden(set_id)]


@pytest.mark.parametrize("gs08", GS08)
@pytest.mark.parametrize(("name", "document"), GOLDEN, ids=[name for name, _ in GOLDEN])
def test_the_mappings_golden_documents_read_back_as_they_were(name: str, document: CanonicalModel, gs08: str) -> None:
    expected = document
    if isinstance(document, Order):
        # The only 850 difference: AMT carries the order's total (5010), kept by the reading as stated_total.
        expected = document.model_copy(update={"attributes": _stated_total(document, gs08)})
    if isinstance(document, PurchaseOrderAck):
        expected = document.model_copy(update={"lines": _with_status_codes(document.lines)})
    assert _round_trip(document, gs08) == expected


def _with_status_codes(lines: list[AckLine]) -> list[AckLine]:
    """Every line is written with an ACK, so a line without a code of its own reads back with the one sent."""
    return [line.model_copy(update={"status_code": line.status_code or LINE_STATUSES[line.status]}) for line in lines]


def _web_shop_order_read_back(order: Order, gs08: str) -> Order:
    """``drop_ship_order()`` as the 850 reading gives it back: what an 850 cannot carry, field by field."""
    ship_to = Address(
        name="Ana Muller",  # accents are taken off: X12 is ASCII
        line1="12 Harbor St",
        line2="Apt 4",
        city="Portland",
        region="OR",
        postal_code="97201",
        country="US",
    )  # company (N2) and phone (PER) are not read
    lines = [
        # the reading names lines by PO101, finds our SKU in the SK pair, and computes the total from quantity
        # and price: the line discount was never stated as a SAC (order.charges is empty)
        order.lines[0].model_copy(
            update={
                "channel_line_id": "1",
                "identifiers": {"sku": "ABC-1", "upc": "012345678905"},
                "discount": None,
                "total": Money(amount="39.98", currency="USD"),
            }
        ),
        order.lines[1].model_copy(update={"channel_line_id": "2", "identifiers": {"sku": "XYZ-9"}}),
    ]
    computed = Decimal("45.48")
    computed_total = Money(amount=computed, currency="USD")
    zero = Money(amount="0", currency="USD")
    expected = order.model_copy(
        update={
            "channel": "x12",
            "channel_order_id": "HUB-PO-1001",  # the PO number is the order's id in X12
            "number": None,  # REF*CO is not read
            "source_partner": "ORDERHUBGS",  # GS02
            "placed_at": datetime(2026, 3, 2, tzinfo=UTC),  # BEG05 is a day, read as midnight UTC
            "customer": None,  # PER is not read
            "ship_to": ship_to,
            "parties": [Party(role=PartyRole.SHIP_TO, name="Ana Muller", address=ship_to)],  # from N1*ST
            "lines": lines,
            "shipping_lines": [],  # only the requested carrier and service go out (TD5)
            "totals": Totals(subtotal=computed_total, discount=zero, shipping=zero, tax=zero, total=computed_total),
            "notes": None,  # N9/MSG is not read
            "attributes": {
                "purpose": "original",
                "po_type": "DS",
                "carrier_scac": "UPSN",
                **{k: v for k, v in _stated_total(order, gs08, computed).items() if k.startswith("stated")},
            },
        }
    )
    return expected


@pytest.mark.parametrize("gs08", GS08)
def test_a_web_shop_order_sent_to_a_supplier_loses_only_what_an_850_cannot_carry(gs08: str) -> None:
    order = drop_ship_order()
    assert _round_trip(order, gs08) == _web_shop_order_read_back(order, gs08)


def test_the_supplier_reads_its_own_item_number_from_the_cross_reference_as_the_sku() -> None:
    order = drop_ship_order()
    profile = make_profile(
        ours={"qualifier": "ZZ", "id": "ORDERHUB", "gs_id": "ORDERHUBGS"},
        items=[{"partner_item": "SUP-77", "sku": "ABC-1", "qualifier": "VN"}],
    )
    [back] = read_back(build_interchange(profile, [order], Numbers(), now=NOW).text)
    expected = _web_shop_order_read_back(order, "004010")
    supplier_view = expected.lines[0].model_copy(
        # VN is the vendor's number, which the reading takes as the SKU; ours stays among the identifiers
        update={"sku": "SUP-77", "identifiers": {"sku": "ABC-1", "upc": "012345678905", "vendor_part": "SUP-77"}}
    )
    assert back == expected.model_copy(update={"lines": [supplier_view, expected.lines[1]]})


# -- hypothesis: orders an 850 carries whole -------------------------------------------------------------------

# Letters, digits and the punctuation both versions allow, without the delimiters * > ~ (and ^ in 5010).
ODD = "!\"&'()+,-./:;?=%@[]_{}\\|<#$"
word = st.text(alphabet=st.sampled_from("abcXYZ019" + ODD), min_size=1, max_size=8)
name = st.lists(word, min_size=1, max_size=5).map(" ".join).filter(lambda s: 2 <= len(s) <= 60)
identifier = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=20)
price = st.integers(min_value=0, max_value=10_000_000).map(lambda cents: Decimal(cents).scaleb(-2))
days = st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31))


@st.composite
def x12_orders(draw: st.DrawFn, source_partner: str) -> Order:
    currency = draw(st.sampled_from(["USD", "CAD", "EUR"]))
    address = Address(
        name=draw(name),
        line1=draw(name),
        city=draw(name.filter(lambda s: len(s) <= 30)),
        region=draw(st.sampled_from(["OR", "ON", "BY"])),
        postal_code=draw(st.text(alphabet="0123456789", min_size=5, max_size=5)),
        country=draw(st.sampled_from(["US", "CA", "DE"])),
    )
    lines: list[dict[str, Any]] = []
    charges: list[dict[str, Any]] = []
    discounts = subtotal = Decimal(0)
    for index in range(draw(st.integers(min_value=1, max_value=4))):
        quantity, unit = draw(st.integers(min_value=1, max_value=99_999)), draw(price)
        gross = quantity * unit
        discount = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=500).map(Decimal)))
        if discount is not None and discount > gross:
            discount = None
        sku = draw(st.one_of(st.none(), identifier))
        line = {
            "line_id": str(index + 1),
            "channel_line_id": str(index + 1),
            "sku": sku,
            "name": draw(name),
            "quantity": quantity,
            "uom": draw(st.sampled_from(["EA", "CA", "BX"])),
            "unit_price": money(str(unit), currency),
            "total": money(str(gross - (discount or 0)), currency),
            "discount": money(str(discount), currency) if discount is not None else None,
            "identifiers": {"sku": sku} if sku else {},
        }
        if discount is not None:
            charges.append({"kind": "discount", "code": "C310", "line_id": str(index + 1), "amount": line["discount"]})
            discounts += discount
        subtotal += gross - (discount or 0)
        lines.append(line)
    shipping = draw(st.one_of(st.none(), price))
    if shipping is not None:
        charges.append({"kind": "shipping", "code": "D240", "amount": money(str(shipping), currency)})
    po = draw(identifier)
    return Order(
        channel="x12",
        channel_order_id=po,
        po_number=po,
        source_partner=source_partner,
        placed_at=datetime.combine(draw(days), datetime.min.time(), UTC),
        currency=currency,
        ship_to=address,
        parties=[Party(role=PartyRole.SHIP_TO, name=address.name, address=address)],
        lines=lines,
        charges=charges,
        totals=Totals(
            subtotal=money(str(subtotal), currency),
            discount=money(str(discounts), currency),
            shipping=money(str(shipping or 0), currency),
            tax=money("0", currency),
            total=money(str(subtotal + (shipping or 0)), currency),
        ),
        requested_ship_date=draw(st.one_of(st.none(), days)),
        requested_delivery_date=draw(st.one_of(st.none(), days)),
        shipping_method=draw(st.one_of(st.none(), name.filter(lambda s: len(s) <= 35))),
        attributes={"purpose": "original", "po_type": "DS"},
    )


@pytest.mark.parametrize("gs08", GS08)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_orders_read_back_whole(gs08: str, data: st.DataObject) -> None:
    order = data.draw(x12_orders("ORDERHUBGS"))
    expected = order.model_copy(update={"attributes": _stated_total(order, gs08)})
    assert _round_trip(order, gs08) == expected


# -- hand-made documents of the other sets ----------------------------------------------------------------------


def test_an_acknowledgment_line_without_id_reads_back_with_its_position() -> None:
    ack = PurchaseOrderAck(
        po_number="PO-7",
        ack_number="SO-9",
        ack_type="accepted_with_changes",
        acknowledged_at=datetime(2026, 3, 1, tzinfo=UTC),
        lines=[
            {"line_id": "10", "sku": "ABC-1", "status": "accepted", "quantity": 3, "unit_price": money("2.50")},
            {
                "line_id": "10",
                "sku": "ABC-1",
                "status": "backordered",
                "quantity": 2,
                "unit_price": money("2.50"),
                "scheduled_ship_date": date(2026, 4, 1),
            },
            {"sku": "XYZ-9", "status": "rejected", "quantity": 1},
        ],
    )
    back = _round_trip(ack, "004010")
    expected_lines = [
        # our SKU goes as the vendor's number (VN), which the reading also lists among the identifiers
        line.model_copy(update={"identifiers": {"vendor_part": line.sku}})
        for line in ack.lines
    ]
    expected_lines[2] = expected_lines[2].model_copy(update={"line_id": "2"})  # the PO1 loop's position
    assert back == ack.model_copy(update={"lines": _with_status_codes(expected_lines)})


def test_a_shipment_on_pallets_keeps_its_hierarchy() -> None:
    item = {"sku": "ABC-1", "quantity": 6, "identifiers": {"vendor_part": "ABC-1"}}
    shipment = Shipment(
        po_number="PO-7",
        shipment_number="ASN-1",
        shipped_at=datetime(2026, 3, 1, 14, 5, 30, tzinfo=UTC),
        carrier={"scac": "RDWY", "name": "YRC FREIGHT", "service": "Standard Ground"},
        bill_of_lading="BOL-55",
        pro_number="PRO-1",
        ship_from={"name": "Hub DC", "city": "Reno", "region": "NV", "postal_code": "89502", "country": "US"},
        ship_to={
            "name": "Store 9",
            "line1": "1 Main St",
            "city": "Boise",
            "region": "ID",
            "postal_code": "83702",
            "country": "US",
        },
        weight={"value": "820.5", "unit": "kg"},
        package_count=1,
        packages=[
            {
                "package_id": "00" + "0" * 17 + "1",
                "sscc": "0" * 17 + "1",
                "kind": "pallet",
                "weight": {"value": "820.5", "unit": "kg"},
            },
            {
                "package_id": "0" * 17 + "2",
                "sscc": "0" * 17 + "2",
                "kind": "carton",
                "parent_package_id": "00" + "0" * 17 + "1",
                "tracking_number": "1Z2",
                "items": [{**item, "line_id": "1"}],
            },
            {"sscc": "0" * 17 + "3", "kind": "carton", "parent_package_id": "00" + "0" * 17 + "1", "items": [item]},
        ],
        test=True,
    )
    out = build_interchange(make_profile(), [shipment], Numbers(), now=NOW)
    assert "HL*3*2*T*1~" in out.text and "HL*4*3*P*1~" in out.text and "HL*6*3*P*1~" in out.text
    assert out.text.splitlines()[0].endswith("*0*T*>~")  # a test shipment goes in a test interchange
    [back] = read_back(out.text)
    third = shipment.packages[2]
    expected_packages = [
        shipment.packages[0],
        shipment.packages[1],
        # a package without an id is named by its SSCC with the GS1 application identifier (MAN*GM)
        third.model_copy(update={"package_id": "00" + "0" * 17 + "3"}),
    ]
    assert back == shipment.model_copy(update={"packages": expected_packages})


def test_a_location_without_a_party_reads_back_as_a_warehouse_party() -> None:
    advice = InventoryAdvice(
        advice_id="INV-1",
        as_of=datetime(2026, 3, 1, 8, 0, 15, tzinfo=UTC),
        location_id="DC-7",
        items=[{"sku": "ABC-1", "quantity_available": 12, "quantity_on_order": 40, "available_date": date(2026, 3, 9)}],
    )
    back = _round_trip(advice, "005010VICS")
    expected = advice.model_copy(
        update={
            # N1*WH**ZZ*DC-7: the reading makes the warehouse the reporting party
            "party": Party(role=PartyRole.SHIP_FROM, id_qualifier="ZZ", id="DC-7"),
            "items": [advice.items[0].model_copy(update={"identifiers": {"vendor_part": "ABC-1"}})],
        }
    )
    assert back == expected
