"""Drop-ship over X12 end to end, through real ``orderhub run`` processes on PostgreSQL + RabbitMQ: a signed
Shopify order with a warehouse line and a line only suppliers stock. The warehouse line goes to the fake
ShipStation; the drop-ship line goes out as an 850 over SFTP (the real OpenSSH server) to a fake supplier,
which answers through the hub's mailbox with a 997, an 855, an 856 (two cartons) and an 810. Every shipment,
from either place, reaches the fake Shopify Admin API as one ``fulfillmentCreate`` with its tracking.

* The supplier accepts: the order ends shipped, Shopify has exactly two fulfillments (the warehouse's, the
  supplier's with both cartons' tracking), the invoice is recorded and matched.
* The first supplier's 855 rejects the line: its units are released, routing leaves that supplier out, and the
  second supplier gets the PO and ships it; Shopify again gets exactly two fulfillments.
* The SFTP server refuses connections for a while (a port on loopback that is closed, then forwards to sshd):
  the interchange is retried, and the supplier ends up with exactly one 850 for the fulfillment order (one PO
  number, one ISA13/GS06/ST02).

The suppliers answer only once the hub shows it read what came before (the order accepted, then shipped), as
a supplier's systems would. One stack only (the issue's PostgreSQL + RabbitMQ), one hub for the module: each
scenario brings its own SKUs, suppliers and order numbers.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.db.models import Delivery, EdiInterchange, SupplierInvoice, SupplierPurchaseOrder
from tests.e2e.setup import Hub, add_shipstation, eventually, running_hub, shopify_order, stack_for
from tests.edi.transports.sshd import Sshd
from tests.fakes.shipstation import FakeShipStation
from tests.fakes.shopify_admin import FakeShopifyAdmin
from tests.fakes.x12_supplier import FakeX12Supplier
from tests.processes import free_port

SHOP = "shop1"  # the channel account the signed webhooks arrive under, and the connector account that answers
WAREHOUSE = "wh-drop"  # fulfilled by the fake ShipStation; stocks every scenario's warehouse SKU


@dataclass
class Warehouse:
    shipstation: FakeShipStation
    webhook: str  # where ShipStation's SHIP_NOTIFY goes


@pytest.fixture(scope="module")
def shop() -> Iterator[FakeShopifyAdmin]:
    with FakeShopifyAdmin() as fake:
        yield fake


@pytest.fixture(scope="module")
def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, shop: FakeShopifyAdmin
) -> Iterator[Hub]:
    root = tmp_path_factory.mktemp("hub-drop-ship")
    for stack in stack_for(request, "production", root):
        with running_hub(stack, root) as running:
            token = running.secret("shopify-token", shop.access_token)
            running.cli(
                "connector", "add", "shopify", SHOP, "--set", f"shop={shop.shop}",
                "--set", f"base_url={shop.origin}", "--set", "timeout=10", "--secret", f"access_token={token}",
            )  # fmt: skip
            yield running


@pytest.fixture(scope="module")
def warehouse(hub: Hub) -> Iterator[Warehouse]:
    with FakeShipStation() as shipstation:
        webhook = add_shipstation(hub, "dropwh", shipstation)
        hub.location(WAREHOUSE, "shipstation:dropwh", **{"WH-SHADE": 5, "WH-BOWL": 5})
        yield Warehouse(shipstation, webhook)


class FlakyPort:
    """A loopback port that refuses connections (nothing listens) until ``open``, then forwards each
    connection to ``target``."""

    def __init__(self, target: int) -> None:
        self.port, self.target = free_port(), target
        self._listener: socket.socket | None = None

    def open(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = listener.accept()
                server = socket.create_connection(("127.0.0.1", self.target))
                for source, sink in ((client, server), (server, client)):
                    threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def add_supplier(
    hub: Hub, sshd: Sshd, tmp_path: Path, partner: str, sku: str, *, priority: int, port: int | None = None
) -> FakeX12Supplier:
    """Supplier ``partner``: 850s go to its SFTP directory, its answers come through the hub's mailbox; its
    location ``<partner>-loc`` stocks 10 ``sku`` at the agreed price 7.50."""
    to_supplier, sftp_in = sshd.directory(f"{partner}-850"), sshd.directory(f"{partner}-in")
    from_supplier = tmp_path / f"from-{partner}"
    from_supplier.mkdir()
    isa = partner.upper()
    sftp = (
        f"sftp,host=127.0.0.1,port={port or sshd.port},username={sshd.user},"
        f"password={hub.secret(f'{partner}-sftp', sshd.password)},host_key={sshd.fingerprint('ed25519')},"
        f"outbound={to_supplier},inbound={sftp_in},timeout_seconds=10"
    )
    hub.cli(
        "partner", "add", partner, "--name", partner, "--kind", "supplier", "--isa", f"ZZ:{isa}",
        "--our-isa", "ZZ:ORDERHUB", "--version", "00401", "--transport", sftp,
        "--transport", f"mailbox,inbound={from_supplier},outbound={tmp_path / 'unused'}",
    )  # fmt: skip
    hub.cli("partner", "xref", "add", partner, f"{isa}-{sku}", sku)
    hub.cli("supplier", "terms", partner, "--ack-within", "4h", "--cost", f"{sku}=7.50")
    hub.cli(
        "location", "add", f"{partner}-loc", "--name", partner, "--kind", "supplier", "--capability", "ship",
        "--lat", "40.7", "--lon", "-74.0", "--country", "US", "--priority", str(priority),
        "--fulfilled-by", f"edi:{partner}",
    )  # fmt: skip
    hub.cli("stock", "adjust", sku, f"{partner}-loc", "10")
    return FakeX12Supplier(from_hub=to_supplier, to_hub=from_supplier, isa_id=isa)


def fo_state(hub: Hub, order_id: str, location: str) -> str | None:
    fo = hub.fulfillment_orders(order_id).get(location)
    return fo.state if fo is not None else None


def wait_fo(hub: Hub, order_id: str, location: str, state: str) -> None:
    eventually(lambda: fo_state(hub, order_id, location) == state, f"the FO at {location} to be {state}")


def purchase_order(hub: Hub, po_number: str) -> SupplierPurchaseOrder:
    with hub.database.session() as session:
        row = session.get(SupplierPurchaseOrder, po_number)
        assert row is not None
        session.expunge(row)
        return row


def invoices(hub: Hub, po_number: str) -> list[SupplierInvoice]:
    with hub.database.session() as session:
        rows = list(session.scalars(select(SupplierInvoice).where(SupplierInvoice.po_number == po_number)))
        session.expunge_all()
        return rows


def place_at_shopify(hub: Hub, shop: FakeShopifyAdmin, number: int, lines: dict[str, int]) -> str:
    """A signed Shopify order of ``lines``, known to the fake shop too (its fulfillment order open); its id."""
    shop.add_webhook_order(shopify_order(number, lines))
    hub.place(number, lines)
    return hub.wait_order(number)


def ship_from_warehouse(hub: Hub, warehouse: Warehouse, order_id: str, tracking: str) -> None:
    """ShipStation receives the warehouse's fulfillment order, the hub sees it accepted, ShipStation ships it."""
    fo = eventually(lambda: hub.fulfillment_orders(order_id).get(WAREHOUSE), "the warehouse's fulfillment order")
    eventually(lambda: warehouse.shipstation.order_by_key(fo.id), "ShipStation to receive the warehouse line")
    wait_fo(hub, order_id, WAREHOUSE, "accepted")
    shipment = warehouse.shipstation.ship(fo.id, tracking_number=tracking)
    answer = warehouse.shipstation.notify(warehouse.webhook, shipment)
    assert answer.status_code == 200, answer.text


def shopify_fulfillments(
    hub: Hub, shop: FakeShopifyAdmin, number: int, order_id: str
) -> set[tuple[tuple[str, ...], tuple[tuple[str, int], ...]]]:
    """Once both shipments were confirmed to the shop: its fulfillments of the order as (tracking numbers,
    (line item, units)), after checking that exactly two ``fulfillmentCreate`` calls were made for it."""

    def delivered() -> list[Delivery]:
        found = [d for d in hub.deliveries(f"shopify:{SHOP}") if d.order_id == order_id]
        return found if len(found) == 2 and all(d.status == "delivered" for d in found) else []

    confirmations = eventually(delivered, "both shipments confirmed to Shopify")
    assert {d.operation for d in confirmations} == {"channel.shipment"}
    (fulfillment_order,) = shop.order(7_100_000_000_000 + number)["fulfillment_orders"]
    creates = [
        call
        for call in shop.calls("fulfillmentCreate")
        for group in call.variables["fulfillment"]["lineItemsByFulfillmentOrder"]
        if group["fulfillmentOrderId"] == fulfillment_order["id"]
    ]
    assert len(creates) == 2, creates
    made = shop.fulfillments_of(7_100_000_000_000 + number)
    assert sorted(d.external_id for d in confirmations) == sorted(f["id"] for f in made)
    return {(tuple(info["number"] for info in f["tracking"]), tuple(f["lines"])) for f in made}


def line_item(number: int, position: int) -> str:
    """The Shopify line item gid of the order's line at ``position`` (see ``shopify_order``)."""
    return f"gid://shopify/LineItem/{8_200_000_000_000 + number * 10 + position}"


def test_a_drop_ship_line_goes_out_as_an_850_over_sftp_and_the_suppliers_answers_ship_and_invoice_it(
    hub: Hub, sshd: Sshd, tmp_path: Path, shop: FakeShopifyAdmin, warehouse: Warehouse
) -> None:
    supplier = add_supplier(hub, sshd, tmp_path, "supok", "DS-LAMP", priority=10)
    order_id = place_at_shopify(hub, shop, 3101, {"WH-SHADE": 1, "DS-LAMP": 2})

    (po,) = supplier.wait_for_orders(1, timeout=120)
    assert (po.purpose, po.po_type) == ("00", "DS")
    assert [(line.quantity, line.price, line.item, line.sku) for line in po.lines] == [
        (2, Decimal("7.50"), "SUPOK-DS-LAMP", "DS-LAMP")
    ]
    supplier.acknowledge(po)
    supplier.answer(po)
    ship_from_warehouse(hub, warehouse, order_id, "1ZWH000000000000001")
    wait_fo(hub, order_id, "supok-loc", "accepted")

    line_id = po.lines[0].line_id
    supplier.ship([(po, [{line_id: 1}, {line_id: 1}])], trackings=["1ZDS00000000000001", "1ZDS00000000000002"])
    hub.wait_status(order_id, "shipped")
    supplier.invoice(po, invoice_number="INV-E2E-1")

    assert shopify_fulfillments(hub, shop, 3101, order_id) == {
        (("1ZWH000000000000001",), ((line_item(3101, 1), 1),)),
        (("1ZDS00000000000001", "1ZDS00000000000002"), ((line_item(3101, 2), 2),)),
    }
    (invoice,) = eventually(lambda: invoices(hub, po.po_number), "the invoice to be recorded")
    assert (invoice.status, invoice.exceptions, invoice.total) == ("matched", [], "15.00")
    view = hub.order_view(order_id)
    assert view["order"]["status"] == "shipped"
    fos = {(fo["fulfilled_by"], fo["state"]) for fo in view["fulfillment_orders"]}
    assert fos == {("edi:supok", "shipped"), ("shipstation:dropwh", "shipped")}
    tracking = {n for event in view["timeline"] for n in (event["data"] or {}).get("tracking_numbers") or []}
    assert tracking == {"1ZWH000000000000001", "1ZDS00000000000001", "1ZDS00000000000002"}
    row = purchase_order(hub, po.po_number)
    assert (row.status, row.acknowledged_at is not None) == ("shipped", True)
    supplier.collect()
    assert len(supplier.orders) == 1  # one 850, however often the engine and the sweeps looked
    assert hub.tracebacks() == [], hub.log_text()[-4000:]


def test_a_supplier_rejecting_the_line_sends_it_to_the_next_supplier_which_ships_it(
    hub: Hub, sshd: Sshd, tmp_path: Path, shop: FakeShopifyAdmin, warehouse: Warehouse
) -> None:
    first = add_supplier(hub, sshd, tmp_path, "supno", "DS-VASE", priority=10)
    second = add_supplier(hub, sshd, tmp_path, "supyes", "DS-VASE", priority=20)
    order_id = place_at_shopify(hub, shop, 3102, {"WH-BOWL": 1, "DS-VASE": 1})

    (refused,) = first.wait_for_orders(1, timeout=120)
    first.acknowledge(refused)
    first.answer(refused, {refused.lines[0].line_id: "IR"})
    ship_from_warehouse(hub, warehouse, order_id, "1ZWH000000000000002")
    (po,) = second.wait_for_orders(1, timeout=120)
    assert po.po_number != refused.po_number
    assert fo_state(hub, order_id, "supno-loc") == "rejected"
    second.answer(po)
    wait_fo(hub, order_id, "supyes-loc", "accepted")
    second.ship([(po, [{po.lines[0].line_id: 1}])], trackings=["1ZDS00000000000003"])
    hub.wait_status(order_id, "shipped")

    assert shopify_fulfillments(hub, shop, 3102, order_id) == {
        (("1ZWH000000000000002",), ((line_item(3102, 1), 1),)),
        (("1ZDS00000000000003",), ((line_item(3102, 2), 1),)),
    }
    assert purchase_order(hub, refused.po_number).status == "rejected"
    rejected = hub.events(order_id, "purchase_order.rejected")
    assert len(rejected) == 1 and refused.po_number in rejected[0].data["reason"]
    first.collect()
    assert len(first.orders) == 1  # the supplier that said no is not asked again
    assert hub.tracebacks() == [], hub.log_text()[-4000:]


def test_sftp_refusing_for_a_while_is_retried_and_the_supplier_gets_exactly_one_850(
    hub: Hub, sshd: Sshd, tmp_path: Path
) -> None:
    flaky = FlakyPort(sshd.port)
    supplier = add_supplier(hub, sshd, tmp_path, "supflaky", "DS-RUG", priority=10, port=flaky.port)
    hub.place(3103, {"DS-RUG": 3})
    order_id = hub.wait_order(3103)

    def refused_once() -> bool:
        with hub.database.session() as session:
            rows = session.scalars(
                select(EdiInterchange).where(EdiInterchange.partner_id == "supflaky", EdiInterchange.direction == "out")
            ).all()
            return any(row.status == "pending" and row.attempts >= 1 and row.error for row in rows)

    eventually(refused_once, "a refused attempt at sending the 850")
    flaky.open()  # left open: the hub's answers to the supplier go the same way
    (po,) = supplier.wait_for_orders(1, timeout=120)
    supplier.answer(po)
    wait_fo(hub, order_id, "supflaky-loc", "accepted")

    supplier.collect()
    envelopes = Counter((o.po_number, o.envelope.isa13, o.envelope.gs06, o.envelope.st02) for o in supplier.orders)
    assert list(envelopes.values()) == [1] and len({o.file for o in supplier.orders}) == 1  # one 850, one file
    with hub.database.session() as session:
        (sent,) = session.scalars(
            select(EdiInterchange).where(
                EdiInterchange.partner_id == "supflaky",
                EdiInterchange.direction == "out",
                EdiInterchange.kind == "documents",
            )
        ).all()
        assert (sent.status, sent.control_number) == ("sent", po.envelope.isa13)
        assert sent.attempts >= 2  # refused, then delivered
    assert hub.tracebacks() == [], hub.log_text()[-4000:]
