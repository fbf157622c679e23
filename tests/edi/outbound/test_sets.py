"""Each set as a partner receives it: the exact text of an 850 and a 940, the key segments of the others, and
every set of every version accepted by pyx12 (with the maps generated from our specs) and by our validator."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.canonical import CanonicalModel, InventoryAdvice, Invoice, PurchaseOrderAck, Shipment
from hub.edi.outbound import build_interchange
from hub.edi.pyx12maps import validate_with_pyx12
from hub.edi.reader import read_interchanges
from hub.edi.validate import validate_interchange
from tests.edi.outbound.support import NOW, VERSIONS, Numbers, drop_ship_order, golden, make_profile, segments

HEADER_4010 = (
    "ISA*00*          *00*          *ZZ*ORDERHUB       *ZZ*SUPPLIER       *260302*0930*U*00401*000000100*0*P*>~"
)
HEADER_5010 = (
    "ISA*00*          *00*          *ZZ*ORDERHUB       *ZZ*SUPPLIER       *260302*0930*^*00501*000000100*0*P*>~"
)


def test_an_850_to_a_drop_ship_supplier_reads_as_the_supplier_expects_it() -> None:
    profile = make_profile(items=[{"partner_item": "SUP-77", "sku": "ABC-1"}])  # the supplier's own number
    out = build_interchange(profile, [drop_ship_order()], Numbers(), now=NOW)
    assert out.text.splitlines() == [
        HEADER_4010,
        "GS*PO*ORDERHUBGS*SUPPLIERGS*20260302*0930*20*X*004010~",
        "ST*850*0001~",
        # placed 2026-03-01 22:15 in New York: the PO date is the UTC day, as the reading side takes it
        "BEG*00*DS*HUB-PO-1001**20260302~",
        "REF*CO*#1001~",
        "PER*IC*Ana Muller*TE*+1 555 0100*EM*ana@example.com~",  # accents off: X12 is ASCII
        "DTM*010*20260303~",
        "TD5**2*UPSN**Ground~",
        "N9*ZZ*NOTE~",
        "MSG*Leave at the back door, please.~",
        "N1*ST*Ana Muller~",
        "N2*Acme Labs~",
        "N3*12 Harbor St*Apt 4~",
        "N4*Portland*OR*97201*US~",
        "PER*IC**TE*+1 555 0100~",
        # our SKU as SK, the line's UPC, and the supplier's item number from the cross-reference as VN
        "PO1*1*2*EA*19.99**SK*ABC-1*UP*012345678905*VN*SUP-77~",
        "PID*F****Red Widget~",
        "PO1*2*1*EA*5.50**SK*XYZ-9~",
        "PID*F****Blue Widget~",
        "CTT*2*3~",
        "SE*19*0001~",
        "GE*1*20~",
        "IEA*1*000000100~",
    ]
    assert out.control_number == "000000100"
    assert [tuple(t) for t in out.transactions] == [("850", "PO", "20", "0001", "HUB-PO-1001")]


def test_a_5010_850_has_st03_and_the_order_total() -> None:
    out = build_interchange(make_profile("00501", "005010VICS"), [drop_ship_order()], Numbers(), now=NOW)
    lines = segments(out.text)
    assert lines[0] + "~" == HEADER_5010
    assert lines[1] == "GS*PO*ORDERHUBGS*SUPPLIERGS*20260302*0930*20*X*005010VICS"
    assert lines[2] == "ST*850*0001*005010VICS"
    assert lines[-5:-3] == ["CTT*2*3", "AMT*TT*48.48"]


def test_a_940_asks_the_3pl_to_ship_the_order() -> None:
    order = drop_ship_order(
        lines=[
            *drop_ship_order().lines,
            {
                "line_id": "3",
                "name": "Gift card",
                "quantity": 1,
                "unit_price": {"amount": "25", "currency": "USD"},
                "total": {"amount": "25", "currency": "USD"},
                "requires_shipping": False,
                "gift_card": True,
            },
        ],
        totals={
            "subtotal": {"amount": "66.48", "currency": "USD"},
            "discount": {"amount": "4.00", "currency": "USD"},
            "shipping": {"amount": "7.00", "currency": "USD"},
            "tax": {"amount": "0", "currency": "USD"},
            "total": {"amount": "73.48", "currency": "USD"},
        },
    )
    out = build_interchange(make_profile(), [order], Numbers(), now=NOW, set_ids=["940"])
    assert out.text.splitlines()[1:] == [
        "GS*OW*ORDERHUBGS*SUPPLIERGS*20260302*0930*20*X*004010~",
        "ST*940*0001~",
        "W05*N*5432109876*HUB-PO-1001~",  # the depositor order number the 945 echoes back
        "N1*ST*Ana Muller~",
        "N2*Acme Labs~",
        "N3*12 Harbor St*Apt 4~",
        "N4*Portland*OR*97201*US~",
        "PER*IC**TE*+1 555 0100~",
        "N9*CO*#1001~",
        "G62*04*20260302~",
        "G62*10*20260303~",
        "NTE*GEN*Leave at the back door, please.~",
        "W66*PP*ZZ***Ground*****UPSN~",
        "LX*1~",
        "W01*2*EA**VN*ABC-1*UP*012345678905~",
        "G69*Red Widget~",
        "N9*LI*1~",
        "LX*2~",
        "W01*1*EA**VN*XYZ-9~",
        "G69*Blue Widget~",
        "N9*LI*2~",
        # the gift card needs no shipping, so the warehouse is not asked to pick it
        "W76*3~",
        "SE*22*0001~",
        "GE*1*20~",
        "IEA*1*000000100~",
    ]
    assert [tuple(t) for t in out.transactions] == [("940", "OW", "20", "0001", "5432109876")]


def _key_segments(document: CanonicalModel, gs08: str) -> list[str]:
    profile = make_profile("00501" if gs08.startswith("005") else "00401", gs08)
    return segments(build_interchange(profile, [document], Numbers(), now=NOW).text)


def test_an_855_answers_each_line_with_its_statuses() -> None:
    ack = dict(golden("855"))["855/sample"]
    assert isinstance(ack, PurchaseOrderAck)
    lines = _key_segments(ack, "004010")
    assert lines[3:] == [
        "BAK*00*AC*PO12345*20240116****SO998877*20240116",
        "PO1*1*12*EA*9.99**UP*012345678905*VN*ABC-1",
        "ACK*IA*12*EA*068*20240201",
        # one order line, 3 changed (quantity changed, IQ, as the acknowledgment states) and 2 backordered:
        # one PO1 with an ACK per status
        "PO1*2*5*CA*24.50**UP*012345678912",
        "ACK*IQ*3*CA*068*20240201",
        "ACK*IB*2*CA*068*20240215",
        "CTT*2*17",
        "SE*9*0001",
        "GE*1*20",
        "IEA*1*000000100",
    ]


def test_an_856_gives_the_pick_pack_hierarchy() -> None:
    shipment = dict(golden("856"))["856/pick_pack"]
    assert isinstance(shipment, Shipment)
    lines = _key_segments(shipment, "005010VICS")
    assert lines[2] == "ST*856*0001*005010VICS"
    body = lines[3 : lines.index("CTT*6") + 1]
    assert [line for line in body if line.startswith(("BSN", "HL", "PRF", "MAN", "LIN", "SN1", "TD1"))] == [
        "BSN*00*SHP0045567*20240108*1415*0001",
        "HL*1**S*1",
        "TD1*CTN25*2****G*61.5*LB",
        "HL*2*1*O*1",
        "PRF*4500012345",
        "HL*3*2*P*1",
        "MAN*GM*00001234500000000018",
        "HL*4*3*I*0",
        "LIN**UP*012345678905*VN*WG-100-BLU",
        "SN1**24*EA",
        "HL*5*2*P*1",
        "MAN*GM*00001234500000000025",
        "HL*6*5*I*0",
        "LIN**UP*012345678912*VN*WG-200-RED",
        "SN1**12*CA",
    ]
    assert "REF*BM*1Z999AA10123456784" in body and "DTM*011*20240108*1415" in body
    assert body[body.index("TD5*B*2*UPSN**UPS GROUND") - 1] == "TD1*CTN25*2****G*61.5*LB"


def test_an_810_states_terms_total_tax_and_charges() -> None:
    invoice = dict(golden("810"))["810/sample"]
    assert isinstance(invoice, Invoice)
    lines = _key_segments(invoice, "004010")
    assert lines[3:7] == [
        "BIG*20240120*INV0001**PO12345",
        "N1*RE*ACME SUPPLY*92*SUP1",
        "N3*1 FACTORY RD",
        "N4*DAYTON*OH*45402*US",
    ]
    assert "ITD*01*3*2**30**60" in lines
    assert lines[lines.index("TDS*24438") :][:5] == [
        "TDS*24438",  # 244.38 in implied-decimal cents
        "TXI*TX*12.50",
        "SAC*C*D240***1500*******06",
        "SAC*A*C310***500*******02",
        "CTT*2",
    ]


def test_an_846_reports_available_and_on_order_quantities() -> None:
    advice = dict(golden("846"))["846/warehouse_on_order"]
    assert isinstance(advice, InventoryAdvice)
    lines = _key_segments(advice, "005010")
    assert lines[3:12] == [
        "BIA*00*MB*SNAP-0301*20240301*0000",
        "N1*WH*WEST DC 2*92*DC02",
        "N3*4100 COMMERCE WAY*DOCK 7",
        "N4*RENO*NV*89502*US",
        "LIN*1*SK*WG-100-BLU*UP*012345678905*BP*ACME-100",
        "DTM*018*20240315",
        "QTY*33*48*EA",
        "QTY*63*200*EA",
        "LIN*2*VN*WG-200-RED*SK*SKU-200",
    ]


def _every_case() -> list[tuple[str, CanonicalModel, str]]:
    cases = [
        (name, document, "") for set_id in ("850", "855", "856", "810", "846") for name, document in golden(set_id)
    ]
    cases.append(("850/drop_ship", drop_ship_order(), ""))
    cases.append(("940/drop_ship", drop_ship_order(), "940"))
    cases.append(("860/drop_ship", drop_ship_order(), "860"))
    cases += [(f"940/{name.split('/')[1]}", document, "940") for name, document in golden("850")]
    return cases


CASES = _every_case()


@pytest.mark.parametrize(("control_version", "gs08"), VERSIONS, ids=[v[1] for v in VERSIONS])
@pytest.mark.parametrize(("name", "document", "set_id"), CASES, ids=[c[0] for c in CASES])
def test_pyx12_and_our_validator_accept_every_set(
    pyx12_maps: Path, name: str, document: CanonicalModel, set_id: str, control_version: str, gs08: str
) -> None:
    profile = make_profile(control_version, gs08)
    out = build_interchange(profile, [document], Numbers(), now=NOW, set_ids=[set_id] if set_id else None)
    assert validate_with_pyx12(out.text, pyx12_maps) == []
    [interchange] = read_interchanges(out.text.encode("ascii"))
    assert validate_interchange(interchange) == []
    assert interchange.findings == [] and all(group.findings == [] for group in interchange.groups)
    [group] = interchange.groups
    assert (group.version, group.transactions[0].implementation) == (gs08, gs08 if control_version == "00501" else "")
