"""The routing simulator page: a stored order picked by id, PO number or number, or a pasted canonical order,
answered with the decision and its trace against stored stock; nothing is committed; bad input is named."""

from __future__ import annotations

import json

from sqlalchemy import select

from hub.db.models import FulfillmentOrderRecord, OrderEvent, OrderRecord
from tests.api.data import stored_order
from tests.console.conftest import Console
from tests.delivery.shipment_setup import add_locations
from tests.routing.builders import order_data


def test_a_stored_order_by_po_number_gets_its_decision_and_trace(console: Console) -> None:
    console.as_role("viewer")
    add_locations(console.database)  # LAMP is at wh-nj only
    order_id = stored_order(console.database, "6001", po_number="PO-SIM-1")
    page = console.post("/console/simulator", {"order": "PO-SIM-1"}).get_data(as_text=True)
    assert "Decision: routed" in page and "2 at wh-nj" in page
    assert "Candidate locations" in page and "wh-pa" in page  # considered, dropped by a step with its reason
    assert f'href="/console/orders/{order_id}"' in page
    for by_id_or_number in (order_id, "%236001", "6001"):  # the order number, with and without its #
        assert "2 at wh-nj" in console.page(f"/console/simulator?order={by_id_or_number}")
    with console.database.session() as session:  # a simulation commits nothing
        assert session.scalars(select(FulfillmentOrderRecord)).all() == []
        assert session.get(OrderRecord, order_id).status == "received"  # type: ignore[union-attr]
        assert session.scalars(select(OrderEvent)).all() == []


def test_a_pasted_order_is_simulated_and_bad_input_is_named(console: Console) -> None:
    console.as_role("viewer")
    add_locations(console.database)
    pasted = order_data(
        {
            "lines": [{"line_id": "1", "sku": "SHADE", "quantity": 3}],
            "ship_to": {"country": "US", "postal_code": "10001"},
        }
    )
    page = console.post("/console/simulator", {"pasted": json.dumps(pasted)}).get_data(as_text=True)
    assert "Decision: routed" in page and "3 at wh-pa" in page
    draft = "version: 1\nrules:\n  - name: not-pa\n    pipeline: [{filter: location, exclude: [wh-pa]}]\n"
    tried = console.post("/console/simulator", {"pasted": json.dumps(pasted), "rules": draft}).get_data(as_text=True)
    assert "3 at wh-pa" not in tried and "not-pa" in tried  # the draft decides, the rules in effect stay
    as_of = console.post("/console/simulator", {"pasted": json.dumps(pasted), "at": "2026-12-24T09:00:00Z"})
    assert "2026-12-24T09:00:00+00:00" in as_of.get_data(as_text=True)  # decided as of the moment given

    cases = {
        "no-such-po": ({"order": "PO-NOPE"}, "no stored order has the id, PO number or number"),
        "not json": ({"pasted": "{'lines': "}, "the pasted order is not JSON"),
        "both": ({"order": "x", "pasted": "{}"}, "not both"),
        "neither": ({}, "not both"),
        "not an order": ({"pasted": json.dumps(pasted | {"lines": "many"})}, "order.lines"),
        "rules not a document": ({"pasted": json.dumps(pasted), "rules": "- a list"}, "must be a rule document"),
        "rules not yaml": ({"pasted": json.dumps(pasted), "rules": "rules: [unclosed"}, "not YAML or JSON"),
        "rules wrong": ({"pasted": json.dumps(pasted), "rules": "version: 1\nrules: 3"}, "rules: "),
        "too deep": ({"pasted": "[" * 100_000 + "]" * 100_000}, "nested too deeply"),
        "bad moment": ({"order": "PO-NOPE", "at": "tomorrow"}, "no stored order"),
        "bad moment of a good order": ({"pasted": json.dumps(pasted), "at": "tomorrow"}, "at: Input should be"),
        "nul in the pasted order": ({"pasted": json.dumps(pasted).replace("SHADE", "SH\\u0000ADE")}, "NUL"),
    }
    for name, (form, said) in cases.items():
        answer = console.post("/console/simulator", form)
        text = answer.get_data(as_text=True)
        assert answer.status_code == 200 and 'role="alert"' in text, name
        alert = text.split('role="alert">', 1)[1].split("</p>", 1)[0].replace("&#39;", "'")
        assert said in alert, (name, alert)
