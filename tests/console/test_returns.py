"""Returns from the console: requested on the order's page, listed by state on the returns page, each step
taken there (the stock comes back on restock), recorded with the user; a refund asked of the channel from
the order's page; a refused step is a message, with nothing changed."""

from __future__ import annotations

from sqlalchemy import select

from hub.db.models import Delivery, OrderEvent, ReturnRecord
from hub.delivery.channel_updates import REFUND
from hub.inventory import get_level
from hub.lifecycle.commands import DeliverLines
from hub.lifecycle.store import execute
from tests.console.conftest import Console
from tests.delivery.shipment_setup import STOCK, Routed, routed_order
from tests.sql_statements import reads_of, statements


def _delivered(console: Console, number: str) -> Routed:
    order = routed_order(console.database, shades=2, number=number)
    for fo in (order.pa, order.nj):
        console.post(f"/console/orders/{order.order_id}/ship", {"fulfillment_order_id": fo, "carrier": "UPS",
                                                                 "tracking": f"1Z{fo}"})  # fmt: skip
    with console.database.session() as session:  # the carrier says it arrived
        execute(session, order.order_id, DeliverLines(lines={"1": 3, "2": 2}), source="carrier")
    return order


def _refusal(console: Console, path: str) -> str:
    page = console.page(path)
    assert 'class="flash refused"' in page, page[-3000:]
    return page.split('class="flash refused"', 1)[1].split("</p>", 1)[0].replace("&#39;", "'")


def _state(console: Console) -> str:
    with console.database.session() as session:
        return session.scalars(select(ReturnRecord.state)).one()


def test_a_return_from_the_order_page_to_restock_and_refund(console: Console) -> None:
    email = console.as_role("operator")
    order = _delivered(console, "5101")
    base = f"/console/orders/{order.order_id}"
    console.post(f"{base}/returns", {"units-2": "1", "reason": "too big", "location": "wh-pa"})
    assert "return.requested" in console.page(base)
    with console.database.session() as session:
        return_id = session.scalars(select(ReturnRecord.id)).one()
    listed = console.page("/console/returns")
    assert return_id in listed and "#5101" in listed and "too big" in listed
    assert ">Authorize</button>" in listed and ">Restock</button>" not in listed  # the steps its state allows

    for step, form, state in (
        ("authorize", {"rma_number": "RMA-77"}, "authorized"),
        ("receive", {}, "received"),
        ("inspect", {"condition-2": "resellable"}, "inspected"),
        ("restock", {}, "restocked"),
        ("refund", {}, "refunded"),
    ):
        answer = console.post(f"{base}/returns/{return_id}/{step}", form | {"back": "/console/returns?state=all"})
        assert answer.headers["Location"].endswith("/console/returns?state=all")
        assert _state(console) == state, step
    with console.database.session() as session:
        assert get_level(session, "SHADE", "wh-pa").on_hand == STOCK - 2 + 1  # one came back on the shelf
        sources = {e.type: e.source for e in session.scalars(select(OrderEvent))}
    assert sources["return.restocked"] == sources["return.refunded"] == f"console:{email}"
    assert "RMA-77" in console.page("/console/returns?state=refunded")
    assert 'aria-current="page">refunded (1)</a>' in console.page("/console/returns?state=refunded")
    assert return_id not in console.page("/console/returns?state=rejected")

    console.post(f"{base}/returns/{return_id}/restock")  # refunded already: refused, nothing changes
    assert _state(console) == "refunded"
    assert "restock" in _refusal(console, "/console/returns")


def test_a_refund_through_the_channel_and_bad_requests(console: Console) -> None:
    console.as_role("operator")
    order = _delivered(console, "5201")
    base = f"/console/orders/{order.order_id}"
    assert "Refund through the channel" in console.page(base)
    console.post(f"{base}/refund", {"units-2": "1", "shipping": "on", "reason": "scratched"})
    with console.database.session() as session:
        refunds = session.scalars(select(Delivery).where(Delivery.operation == REFUND)).all()
    assert len(refunds) == 1 and refunds[0].payload["lines"] and refunds[0].payload["shipping"] is True
    assert "refund asked of the channel" in console.page(base)

    for form, said in (
        ({"reason": "nothing chosen"}, "name what to refund"),
        ({"units-2": "9", "reason": "too many"}, "the line has 2"),
        ({"units-2": "two", "reason": "not a number"}, "lines.2"),
        ({"units-2": "1"}, "reason: String should have at least 1 character"),
    ):
        console.post(f"{base}/refund", form)
        assert said in _refusal(console, base), said
    console.post(f"{base}/returns", {"reason": "no units"})
    assert "name the units to return" in _refusal(console, base)
    console.post(f"{base}/returns", {"units-2": "5"})  # more than was delivered
    assert "only 2 are delivered" in _refusal(console, base)
    with console.database.session() as session:
        assert session.scalars(select(ReturnRecord)).all() == []
        assert len(session.scalars(select(Delivery).where(Delivery.operation == REFUND)).all()) == 1


def test_a_viewer_sees_returns_but_cannot_step_them(console: Console) -> None:
    console.as_role("viewer")
    order = routed_order(console.database, number="5301")
    assert "No returns in this state" in console.page("/console/returns")
    for path in (f"/console/orders/{order.order_id}/returns", f"/console/orders/{order.order_id}/refund",
                 f"/console/orders/{order.order_id}/returns/ret_x/close"):  # fmt: skip
        assert console.post(path, {"units-1": "1", "reason": "x"}).status_code == 403


def test_the_returns_list_reads_every_return_s_lines_in_one_query(console: Console) -> None:
    console.as_role("operator")
    for number in ("5401", "5402"):
        order = _delivered(console, number)
        console.post(f"/console/orders/{order.order_id}/returns", {"units-2": "1", "reason": f"reason {number}"})
    with statements() as seen:
        listed = console.page("/console/returns")
    assert "reason 5401" in listed and "reason 5402" in listed
    assert listed.count("<tbody><tr><td>2</td><td>SHADE</td>") == 2  # each return with its line
    assert reads_of(seen, "return_lines") == 1
