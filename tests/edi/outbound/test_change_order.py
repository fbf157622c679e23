"""The 860 that cancels a purchase order at a supplier whose guide takes cancellations as 860s."""

from __future__ import annotations

import pytest

from hub.edi.outbound import OutboundInvalid, build_interchange
from hub.edi.reader import read_interchanges
from hub.edi.validate import validate_interchange
from tests.edi.outbound.support import NOW, Numbers, drop_ship_order, make_profile


def test_an_860_cancels_the_whole_po_by_number_and_date() -> None:
    order = drop_ship_order()
    order = order.model_copy(update={"attributes": {**order.attributes, "purpose": "cancellation"}})
    out = build_interchange(make_profile(), [order], Numbers(), now=NOW, set_ids=["860"])
    lines = out.text.splitlines()
    assert lines[1] == "GS*PC*ORDERHUBGS*SUPPLIERGS*20260302*0930*20*X*004010~"
    # placed 2026-03-01 22:15 in New York: the PO date is the UTC day, as the 850 had it
    assert lines[2:6] == ["ST*860*0001~", "BCH*01*DS*HUB-PO-1001***20260302~", "REF*CO*#1001~", "SE*4*0001~"]
    [interchange] = read_interchanges(out.text.encode("ascii"))
    assert validate_interchange(interchange) == []
    assert [(tx.set_id, out.transactions[0].reference) for g in interchange.groups for tx in g.transactions] == [
        ("860", "HUB-PO-1001")
    ]


def test_an_860_is_written_only_to_cancel_and_only_with_a_po_number() -> None:
    order = drop_ship_order()
    changed = order.model_copy(update={"attributes": {**order.attributes, "purpose": "change"}})
    with pytest.raises(OutboundInvalid, match="only to cancel a whole PO"):
        build_interchange(make_profile(), [changed], Numbers(), now=NOW, set_ids=["860"])
    with pytest.raises(OutboundInvalid, match="po_number"):
        build_interchange(make_profile(), [order.model_copy(update={"po_number": None})], Numbers(), set_ids=["860"])
