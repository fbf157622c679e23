"""A NUL character anywhere in a console request (the path, the query, a form field) is refused with a page
naming where it was, never a failure inside the page: PostgreSQL cannot store or compare such text."""

from __future__ import annotations

from sqlalchemy import select

from hub.db.models import ReturnRecord
from tests.console.conftest import Console
from tests.delivery.shipment_setup import routed_order


def test_a_nul_character_is_refused_naming_where_it_was(console: Console) -> None:
    console.as_role("operator")
    order = routed_order(console.database, number="5501")
    for path, named in (
        ("/console/orders/%00x", "order_id"),
        ("/console/simulator?order=PO%001", "order"),
        ("/console/returns?state=open%00", "state"),
    ):
        answer = console.client.get(path)
        text = answer.get_data(as_text=True).replace("&#39;", "'")
        assert answer.status_code == 400 and f"'{named}' holds a NUL character" in text, (path, text[-800:])
    answer = console.post(f"/console/orders/{order.order_id}/returns", {"units-1": "1", "reason": "too\x00big"})
    assert answer.status_code == 400 and "holds a NUL character" in answer.get_data(as_text=True)
    with console.database.session() as session:
        assert session.scalars(select(ReturnRecord)).all() == []
