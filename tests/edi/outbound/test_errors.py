"""Documents X12 cannot carry are refused with a message that names the canonical field, and nothing leaves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from hub.canonical import CanonicalModel, Invoice, Money
from hub.edi.model import Level
from hub.edi.outbound import OutboundInvalid, build_interchange
from hub.errors import InputRejected
from tests.edi.outbound.support import NOW, Numbers, drop_ship_order, golden, make_profile


def _refused(document: CanonicalModel, *, profile: Any = None, set_ids: list[str] | None = None) -> OutboundInvalid:
    numbers = Numbers()
    with pytest.raises(OutboundInvalid) as caught:
        build_interchange(profile or make_profile(), [document], numbers, now=NOW, set_ids=set_ids)
    assert isinstance(caught.value, InputRejected)  # one line and exit status 2 on the command line
    return caught.value


def test_an_order_without_a_po_number_is_refused_before_any_control_number_is_spent() -> None:
    numbers = Numbers()
    with pytest.raises(OutboundInvalid, match=r"850 for order 5432109876: po_number is missing.*BEG03.*set po_number"):
        build_interchange(make_profile(), [drop_ship_order(po_number=None)], numbers, now=NOW)
    assert not numbers.drawn


def test_a_delimiter_in_data_names_the_field_and_the_character() -> None:
    error = _refused(drop_ship_order(ship_to={"name": "Bob * Sons", "city": "Reno", "country": "US"}))
    assert "ship_to.name 'Bob * Sons' contains '*', a delimiter" in str(error)
    # with other delimiters the same name goes out, and what is a delimiter there is refused
    pipes = make_profile(delimiters={"element": "|", "component": ":", "segment": "~"})
    assert (
        "N1|ST|Bob * Sons~"
        in build_interchange(
            pipes,
            [drop_ship_order(ship_to={"name": "Bob * Sons", "city": "Reno", "country": "US"})],
            Numbers(),
            now=NOW,
        ).text
    )
    error = _refused(drop_ship_order(notes="deliver to dock 3 | side door"), profile=pipes)
    assert "notes" in str(error) and "'|'" in str(error)


def test_a_line_end_in_an_identifier_is_refused() -> None:
    line = drop_ship_order().lines[0].model_dump() | {"sku": "ABC\n1"}
    error = _refused(drop_ship_order(lines=[line]))
    assert "lines[0].sku 'ABC\\n1' contains '\\n'" in str(error)


def test_a_value_too_long_for_its_element_is_refused_with_set_position_element_code_and_field() -> None:
    error = _refused(drop_ship_order(po_number="P" * 23))
    message = str(error)
    assert message.startswith("the partner would refuse this interchange, so it is not sent: ")
    assert "850 for PO " + "P" * 23 in message
    assert "segment 2 BEG, element BEG03 (from po_number) code 5" in message
    [finding] = [f for f in error.findings if f.level is Level.ELEMENT]
    assert (finding.segment_id, finding.position, finding.element, finding.code) == ("BEG", 2, "03", "5")


def test_a_value_x12_cannot_hold_and_an_invalid_character_name_their_fields() -> None:
    line = drop_ship_order().lines[0].model_dump() | {"uom": "C62"}  # a UN/ECE unit: three letters, X12's are two
    message = str(_refused(drop_ship_order(lines=[line], ship_to={"name": "株式会社", "country": "JP"})))
    assert "element N102 (from ship_to.name) code 6" in message
    assert "element PO103 (from lines[0].uom) code 5" in message and "too long: 3 > 2" in message


def test_amounts_x12_carries_in_cents_must_be_whole_cents() -> None:
    _, invoice = golden("810")[0]
    assert isinstance(invoice, Invoice)
    total = Money(amount=invoice.total.amount + Decimal("0.005"), currency=invoice.currency)
    error = _refused(invoice.model_copy(update={"total": total}))
    assert f"total is {total.amount}" in str(error) and "whole cents" in str(error)


def test_a_940_needs_somewhere_to_ship_to() -> None:
    error = _refused(drop_ship_order(ship_to=None), set_ids=["940"])
    assert "ship_to is missing" in str(error)


def test_a_party_needs_a_name_or_an_id() -> None:
    error = _refused(drop_ship_order(ship_to={"line1": "1 Main St", "city": "Reno", "country": "US"}))
    assert "ship_to has neither a name nor an id" in str(error)


def test_set_ids_must_fit_the_documents() -> None:
    _, invoice = golden("810")[0]
    assert "cannot be written as a '850': choose 810" in str(_refused(invoice, set_ids=["850"]))
    assert "one set id per document" in str(_refused(drop_ship_order(), set_ids=["850", "940"]))


def test_test_and_production_documents_do_not_share_an_interchange() -> None:
    with pytest.raises(OutboundInvalid, match="test documents and production documents cannot share"):
        build_interchange(make_profile(), [drop_ship_order(), drop_ship_order(test=True)], Numbers(), now=NOW)


def test_a_version_without_specs_is_refused() -> None:
    error = _refused(drop_ship_order(), profile=make_profile(gs_version="004030"))
    assert "gs_version cannot be written" in str(error) and "004030" in str(error)


def test_nothing_to_send_is_refused() -> None:
    with pytest.raises(OutboundInvalid, match="no document to send"):
        build_interchange(make_profile(), [], Numbers(), now=NOW)


def test_an_identifier_under_a_qualifier_the_open_list_lacks_still_goes_out() -> None:
    # A partner's own product id qualifier, kept inbound as x12_<qualifier>, is accepted from partners (an open
    # code list: a warning, never a rejection), so our own document carrying it is not refused either.
    line = drop_ship_order().lines[0].model_dump() | {"identifiers": {"x12_z7": "PRIVATE-42"}}
    text = build_interchange(make_profile(), [drop_ship_order(lines=[line])], Numbers(), now=NOW).text
    assert "*Z7*PRIVATE-42" in text
