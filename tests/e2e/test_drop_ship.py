"""Drop-ship over X12 end to end, through real ``orderhub run`` processes on PostgreSQL + RabbitMQ: a signed
Shopify order whose line only suppliers stock goes out as an 850 over SFTP (the real OpenSSH server) to a fake
supplier, which answers through the hub's mailbox with a 997, an 855, an 856 (two cartons) and an 810.

* The supplier accepts: the order ends shipped with both cartons' tracking, the invoice is recorded and matched.
* The first supplier's 855 rejects the line: its units are released, routing leaves that supplier out, and the
  second supplier gets the PO and ships it.
* The SFTP server refuses connections for a while (a port on loopback that is closed, then forwards to sshd):
  the interchange is retried, and the supplier ends up with exactly one 850 for the fulfillment order (one PO
  number, one ISA13/GS06/ST02).

The suppliers answer only once the hub shows it read what came before (the order accepted, then shipped), as
a supplier's systems would. One stack only (the issue's PostgreSQL + RabbitMQ) keeps the module near a minute.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.db.models import EdiInterchange, SupplierInvoice, SupplierPurchaseOrder
from tests.e2e.setup import Hub, eventually, running_hub, stack_for
from tests.edi.transports.sshd import Sshd
from tests.fakes.x12_supplier import FakeX12Supplier
from tests.processes import free_port


@pytest.fixture(scope="module")
def hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    root = tmp_path_factory.mktemp("hub-drop-ship")
    for stack in stack_for(request, "production", root):
        with running_hub(stack, root) as running:
            yield running


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


def test_a_drop_ship_line_goes_out_as_an_850_over_sftp_and_the_suppliers_answers_ship_and_invoice_it(
    hub: Hub, sshd: Sshd, tmp_path: Path
) -> None:
    supplier = add_supplier(hub, sshd, tmp_path, "supok", "DS-LAMP", priority=10)
    hub.place(3101, {"DS-LAMP": 2})
    order_id = hub.wait_order(3101)

    (po,) = supplier.wait_for_orders(1, timeout=120)
    assert (po.purpose, po.po_type) == ("00", "DS")
    assert [(line.quantity, line.price, line.item, line.sku) for line in po.lines] == [
        (2, Decimal("7.50"), "SUPOK-DS-LAMP", "DS-LAMP")
    ]
    supplier.acknowledge(po)
    supplier.answer(po)
    wait_fo(hub, order_id, "supok-loc", "accepted")

    line_id = po.lines[0].line_id
    supplier.ship([(po, [{line_id: 1}, {line_id: 1}])], trackings=["1ZDS00000000000001", "1ZDS00000000000002"])
    hub.wait_status(order_id, "shipped")
    supplier.invoice(po, invoice_number="INV-E2E-1")
    eventually(lambda: invoices(hub, po.po_number), "the invoice to be recorded")

    (invoice,) = invoices(hub, po.po_number)
    assert (invoice.status, invoice.exceptions, invoice.total) == ("matched", [], "15.00")
    view = hub.order_view(order_id)
    (fo,) = view["fulfillment_orders"]
    assert (fo["fulfilled_by"], fo["state"]) == ("edi:supok", "shipped")
    tracking = {n for event in view["timeline"] for n in (event["data"] or {}).get("tracking_numbers") or []}
    assert tracking == {"1ZDS00000000000001", "1ZDS00000000000002"}
    row = purchase_order(hub, po.po_number)
    assert (row.status, row.acknowledged_at is not None) == ("shipped", True)
    supplier.collect()
    assert len(supplier.orders) == 1  # one 850, however often the engine and the sweeps looked
    assert hub.tracebacks() == [], hub.log_text()[-4000:]


def test_a_supplier_rejecting_the_line_sends_it_to_the_next_supplier_which_ships_it(
    hub: Hub, sshd: Sshd, tmp_path: Path
) -> None:
    first = add_supplier(hub, sshd, tmp_path, "supno", "DS-VASE", priority=10)
    second = add_supplier(hub, sshd, tmp_path, "supyes", "DS-VASE", priority=20)
    hub.place(3102, {"DS-VASE": 1})
    order_id = hub.wait_order(3102)

    (refused,) = first.wait_for_orders(1, timeout=120)
    first.acknowledge(refused)
    first.answer(refused, {refused.lines[0].line_id: "IR"})
    (po,) = second.wait_for_orders(1, timeout=120)
    assert po.po_number != refused.po_number
    assert fo_state(hub, order_id, "supno-loc") == "rejected"
    second.answer(po)
    wait_fo(hub, order_id, "supyes-loc", "accepted")
    second.ship([(po, [{po.lines[0].line_id: 1}])], trackings=["1ZDS00000000000003"])
    hub.wait_status(order_id, "shipped")

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
