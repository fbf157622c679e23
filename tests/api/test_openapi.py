"""The OpenAPI document is made from the operations' own models, and the API keeps to it: a Schemathesis run
over every operation finds no server error, no undocumented status and no answer that breaks its schema."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hub.api.registry import OPERATIONS
from hub.db.models import ConnectorAccount
from hub.oms.rule_versions import store_version
from tests.api.conftest import Api
from tests.api.data import failed_message, make_dead
from tests.delivery.shipment_setup import routed_order

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 12  # per operation and backend: enough to reach every branch of validation, under a minute in all


def test_the_document_describes_every_operation_from_its_models(api: Api) -> None:
    response = api.get("/openapi.json", None)
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    described = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert described == {(op.method, op.openapi_path) for op in OPERATIONS}
    listing = document["paths"]["/api/v1/orders"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    wanted = {"channel", "status", "sku", "customer_email", "po_number", "placed_from", "late", "stuck", "cursor"}
    assert wanted <= names
    assert listing["x-scope"] == "read" and "401" in listing["responses"]
    replay = document["paths"]["/api/v1/deliveries/{delivery_id}/replay"]["post"]
    assert replay["x-scope"] == "operate" and {"409", "412"} <= set(replay["responses"])
    assert "If-Match" in {p["name"] for p in replay["parameters"]}
    schemas = document["components"]["schemas"]
    assert "ProblemDetails" in schemas and "OrderDetail" in schemas
    assert schemas["OrderDetail"]["properties"]["timeline"]["type"] == "array"

    docs = api.get("/docs", None)
    page = docs.get_data(as_text=True)
    assert docs.status_code == 200 and 'href="openapi.json"' in page
    assert "/api/v1/orders/{order_id}/refund" in page and "http" not in page.replace("application/", "")


def configuration(api: Api) -> dict[str, Any]:
    """A partner, a connector account, a subscriber and a routing rule version for the run to reach."""
    with api.database.session() as session:
        session.add(ConnectorAccount(connector="shipstation", account="main", settings={},
                                     secrets={"api_key": "env:SS_KEY", "api_secret": "env:SS_SECRET"}))
        session.add(ConnectorAccount(connector="events", account="erp", secrets={"secret": "env:ERP_SECRET"},
                                     settings={"url": "http://127.0.0.1:9/h", "allow_private_network": True}))
        store_version(session, {"version": 1, "rules": [{"name": "all", "pipeline": [{"filter": "can_ship"}]}]},
                      note=None, created_by="test")
    return {"partner_id": "ACME", "connector": "shipstation", "account": "main", "name": "erp", "version": 1}


def test_schemathesis_finds_no_server_error_and_no_answer_off_its_schema(api: Api) -> None:
    admin = api.token("admin")
    order = routed_order(api.database, number="9001")
    make_dead(api.database, 1)
    stored = {"order_id": order.order_id, "delivery_id": 1, "inbox_id": failed_message(api.database)}
    stored |= configuration(api)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api.client.application)
    headers = {"Authorization": f"Bearer {admin}"}
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            for name, value in (case.path_parameters or {}).items():
                if name in stored and len(str(value)) % 2:  # half the cases reach a stored resource
                    case.path_parameters[name] = stored[name]  # type: ignore[index]
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
        tried += 1
    assert tried == len(OPERATIONS)
