"""From a signed Shopify order to an order shipped with tracking, through real ``orderhub run`` processes on the
embedded stack and on PostgreSQL + RabbitMQ.

* Split across two 3PLs: each location stocks one of the order's two SKUs, so routing splits it. One location
  is fulfilled by ShipStation (the fake on loopback), which receives the order once under its ``orderKey``
  and reports the shipment with a ``SHIP_NOTIFY`` webhook; the other by ``csv-3pl`` over SFTP on a real
  OpenSSH server, where the order appears as a CSV file and a confirmation CSV comes back.
* An X12 3PL: the fulfillment order goes out as a 940 through the partner's mailbox, the 3PL answers with a
  997 and ships with a 945, and the order ends shipped with the 945's tracking number.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import requests
from sqlalchemy import select

from hub.db.models import EdiTransaction, InboxMessage
from tests.e2e.setup import Hub, add_csv_3pl, add_shipstation, drop_confirmation, eventually
from tests.edi.transports.sshd import Sshd
from tests.fakes.shipstation import FakeShipStation
from tests.fakes.x12_3pl import FakeX12ThreePL


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_an_order_split_between_shipstation_and_a_csv_3pl_over_sftp_ends_shipped(shared_hub: Hub, sshd: Sshd) -> None:
    hub = shared_hub
    with FakeShipStation() as shipstation:
        webhook = add_shipstation(hub, "split", shipstation)
        outbox, inbox = add_csv_3pl(hub, "split", sshd)
        hub.location("wh-split-ss", "shipstation:split", **{"SPLIT-MUG": 5})
        hub.location("wh-split-csv", "csv-3pl:split", **{"SPLIT-COASTER": 5})
        hub.place(1051, {"SPLIT-MUG": 2, "SPLIT-COASTER": 1})
        order_id = hub.wait_order(1051)

        fos = eventually(lambda: (found := hub.fulfillment_orders(order_id)) and len(found) == 2 and found, "the split")
        at_shipstation, at_warehouse = fos["wh-split-ss"], fos["wh-split-csv"]
        sent = eventually(lambda: shipstation.order_by_key(at_shipstation.id), "ShipStation to receive its order")
        order_file = outbox / f"order-{at_warehouse.id}.csv"
        eventually(order_file.exists, "the fulfillment order's CSV on the SFTP server")
        accepted = lambda: {fo.state for fo in hub.fulfillment_orders(order_id).values()} == {"accepted"}  # noqa: E731
        eventually(accepted, "both fulfillment orders to be accepted")

        shipment = shipstation.ship(at_shipstation.id, tracking_number="1ZE2ESPLIT00000001")
        answer = shipstation.notify(webhook, shipment)
        assert answer.status_code == 200, answer.text
        (row,) = csv_rows(order_file)
        drop_confirmation(
            inbox,
            "shipped-1051.csv",
            [
                {
                    "fulfillment_order_id": row["fulfillment_order_id"],
                    "line_id": row["line_id"],
                    "quantity": row["quantity"],
                    "carrier": "FedEx",
                    "service": "Ground",
                    "tracking_number": "794699999901",
                    "ship_date": "2026-11-21",
                }
            ],
        )
        hub.wait_status(order_id, "shipped")

    # ShipStation got one order, under the fulfillment order's id, with the one line it ships.
    assert [order["orderKey"] for order in shipstation.orders.values()] == [at_shipstation.id]
    assert [(item["sku"], item["quantity"]) for item in sent["items"]] == [("SPLIT-MUG", 2)]
    assert (row["sku"], row["quantity"], row["order_reference"]) == ("SPLIT-COASTER", "1", "#1051")
    assert sorted(path.name for path in outbox.iterdir() if path.is_file()) == [order_file.name]
    assert not [path for path in inbox.iterdir() if path.is_file()]  # the confirmation was archived
    view = hub.order_view(order_id)
    assert view["order"]["status"] == "shipped"
    assert {fo["location"]: fo["state"] for fo in view["fulfillment_orders"]} == {
        "wh-split-ss": "shipped",
        "wh-split-csv": "shipped",
    }
    on_timeline = [
        number for event in view["timeline"] for number in (event["data"] or {}).get("tracking_numbers") or []
    ]
    assert sorted(set(on_timeline)) == ["1ZE2ESPLIT00000001", "794699999901"]
    assert sorted(s["source"] for s in view["shipments"]) == ["csv-3pl:split", "shipstation:split"]
    assert {d["destination"]: d["status"] for d in view["deliveries"] if d["operation"].startswith("fulfillment")} == {
        "shipstation:split": "delivered",
        "csv-3pl:split": "delivered",
    }
    (notify,) = hub.connector_messages("connector:shipstation", "split")
    assert notify.status == "processed", notify.error
    assert hub.tracebacks() == [], hub.log_text()[-4000:]


def test_an_x12_3pl_gets_a_940_and_its_945_ships_the_order(shared_hub: Hub, tmp_path: Path) -> None:
    hub = shared_hub
    to_3pl, from_3pl = tmp_path / "to-acme", tmp_path / "from-acme"
    to_3pl.mkdir()
    from_3pl.mkdir()
    fake = FakeX12ThreePL(from_hub=to_3pl, to_hub=from_3pl)
    hub.cli(
        "partner", "add", "acme3pl", "--name", "Acme 3PL", "--kind", "3pl", "--isa", "ZZ:ACME3PL",
        "--our-isa", "ZZ:ORDERHUB", "--version", "00401",
        "--transport", f"mailbox,inbound={from_3pl},outbound={to_3pl}",
    )  # fmt: skip
    hub.location("wh-x12", "edi:acme3pl", **{"X12-LAMP": 5, "X12-SHADE": 5})
    hub.place(2051, {"X12-LAMP": 2, "X12-SHADE": 1})
    order_id = hub.wait_order(2051)

    (sent,) = fake.wait_for_orders(1, timeout=120)
    fake.acknowledge([sent])
    fake.ship(sent, tracking="1ZE2EX12000000001")
    hub.wait_status(order_id, "shipped")

    assert sorted((line.sku, line.quantity) for line in sent.lines) == [("X12-LAMP", 2), ("X12-SHADE", 1)]
    fake.collect()
    assert len(fake.orders) == 1  # one 940, however often the engine and the sweeps looked at it
    view = hub.order_view(order_id)
    (fo,) = view["fulfillment_orders"]
    assert (fo["fulfilled_by"], fo["state"]) == ("edi:acme3pl", "shipped")
    assert [(line["sku"], line["shipped"]) for line in fo["lines"]] == [("X12-LAMP", 2), ("X12-SHADE", 1)]
    on_timeline = [
        number for event in view["timeline"] for number in (event["data"] or {}).get("tracking_numbers") or []
    ]
    assert set(on_timeline) == {"1ZE2EX12000000001"}
    with hub.database.session() as session:
        acks = session.scalars(
            select(EdiTransaction.ack_status).where(EdiTransaction.direction == "out", EdiTransaction.set_id == "940")
        ).all()
    assert acks == ["accepted"]  # the 997 came back and was matched to the 940
    assert hub.tracebacks() == [], hub.log_text()[-4000:]


# -- bad input through the running hub: a clear error, stored, replayable; never a 500, nothing lost --


def inbox_message(hub: Hub, channel: str, account: str, number: int) -> InboxMessage:
    """The ``number``-th message of ``channel`` and ``account`` once it is no longer waiting to be processed."""

    def settled() -> InboxMessage | None:
        messages = hub.connector_messages(channel, account)
        if len(messages) > number and messages[number].status not in ("received", "processing"):
            return messages[number]
        return None

    return eventually(settled, f"message {number} of {channel} to be processed")


def test_shipstation_notices_that_do_not_fit_are_refused_kept_and_replayable(shared_hub: Hub) -> None:
    hub = shared_hub
    with FakeShipStation() as shipstation:
        webhook = add_shipstation(hub, "bad", shipstation)
        hub.location("wh-bad-ss", "shipstation:bad", **{"BAD-MUG": 5})
        hub.place(3051, {"BAD-MUG": 2})
        order_id = hub.wait_order(3051)
        sent = eventually(lambda: shipstation.orders_numbered("#3051"), "ShipStation to receive the order")
        fo_id, line_key = sent[0]["orderKey"], sent[0]["items"][0]["lineItemKey"]

        # An order someone keyed into ShipStation by hand: the hub never sent it.
        by_hand = {
            "orderNumber": "MANUAL-1", "orderKey": "manual-order-1", "orderDate": "2026-11-20T10:00:00",
            "orderStatus": "awaiting_shipment", "billTo": {"name": "A"}, "shipTo": {"name": "A"},
            "items": [{"lineItemKey": "1", "sku": "BAD-MUG", "name": "Mug", "quantity": 1}],
        }  # fmt: skip
        made = requests.post(
            f"{shipstation.base_url}/orders/createorder",
            json=by_hand,
            auth=(shipstation.api_key, shipstation.api_secret),
            timeout=10,
        )
        assert made.status_code == 200, made.text
        unknown = shipstation.notify(webhook, shipstation.ship("manual-order-1", tracking_number="1ZUNKNOWN0000001"))
        too_many = shipstation.notify(
            webhook, shipstation.ship(fo_id, items={line_key: 5}, tracking_number="1ZTOOMANY0000001")
        )
        good = shipstation.ship(fo_id, tracking_number="1ZGOOD0000000001")
        wrong_token = shipstation.notify(webhook.rsplit("/", 1)[0] + "/not-the-token-at-all", good)
        assert [unknown.status_code, too_many.status_code, wrong_token.status_code] == [200, 200, 401]
        assert "token is wrong" in wrong_token.json()["error"]["message"], wrong_token.text

        refused_unknown = inbox_message(hub, "connector:shipstation", "bad", 0)
        refused_too_many = inbox_message(hub, "connector:shipstation", "bad", 1)
        refused_token = inbox_message(hub, "connector:shipstation", "bad", 2)
        assert refused_unknown.status == "failed" and "manual-order-1" in (refused_unknown.error or "")
        assert "which the hub does not have" in (refused_unknown.error or ""), refused_unknown.error
        assert refused_too_many.status == "failed" and "over-shipment is refused" in (refused_too_many.error or "")
        assert refused_token.status == "failed" and "token is wrong" in (refused_token.error or "")

        # Replayed as it is, a notice that does not fit fails again with the same reason, and stays stored.
        code, out, err = hub.run_cli("inbox", "replay", str(refused_unknown.id))
        assert (code, err) == (1, "") and json.loads(out)["status"] == "failed", out
        assert "which the hub does not have" in json.loads(out)["detail"]
        # The refused webhook was genuine after all (an old token): replayed, its shipment ships the order.
        code, out, err = hub.run_cli("inbox", "replay", str(refused_token.id))
        assert code == 0 and json.loads(out)["status"] == "processed", out + err
        hub.wait_status(order_id, "shipped")

    view = hub.order_view(order_id)
    assert [(s["source"], s["tracking_numbers"]) for s in view["shipments"]] == [
        ("shipstation:bad", [good["trackingNumber"]])
    ]
    assert [line["shipped"] for fo in view["fulfillment_orders"] for line in fo["lines"]] == [2]
    statuses = [m.status for m in hub.connector_messages("connector:shipstation", "bad")]
    assert statuses[:3] == ["failed", "failed", "processed"]
    assert hub.tracebacks() == [], hub.log_text()[-4000:]


def test_confirmation_csv_rows_that_do_not_fit_are_refused_by_row_and_column(shared_hub: Hub, sshd: Sshd) -> None:
    hub = shared_hub
    outbox, inbox = add_csv_3pl(hub, "badcsv", sshd)
    hub.location("wh-bad-csv", "csv-3pl:badcsv", **{"BADCSV-LAMP": 5})
    hub.place(3052, {"BADCSV-LAMP": 2})
    order_id = hub.wait_order(3052)
    order_file = eventually(lambda: next(outbox.glob("order-*.csv"), None), "the order file on the SFTP server")
    (row,) = csv_rows(order_file)
    fo = row["fulfillment_order_id"]

    drop_confirmation(inbox, "a-bad-sku.csv", [{"fulfillment_order_id": fo, "sku": "NOT-OURS", "quantity": "2"}])
    first = inbox_message(hub, "connector:csv-3pl", "badcsv", 0)
    drop_confirmation(inbox, "b-bad-quantity.csv", [{"fulfillment_order_id": fo, "sku": row["sku"], "quantity": "two"}])
    second = inbox_message(hub, "connector:csv-3pl", "badcsv", 1)
    assert first.status == "failed" and "SKU NOT-OURS" in (first.error or ""), first.error
    assert second.status == "failed", second.error
    assert "b-bad-quantity.csv" in (second.error or "") and "row 2, column quantity" in (second.error or "")
    assert hub.status(order_id) != "shipped"

    code, out, _err = hub.run_cli("inbox", "replay", str(second.id))
    assert code == 1 and "row 2, column quantity" in json.loads(out)["detail"], out
    drop_confirmation(
        inbox,
        "c-fixed.csv",
        [{"fulfillment_order_id": fo, "sku": row["sku"], "quantity": "2", "tracking_number": "1ZFIXED000000001"}],
    )
    hub.wait_status(order_id, "shipped")
    statuses = [m.status for m in hub.connector_messages("connector:csv-3pl", "badcsv")]
    assert statuses == ["failed", "failed", "processed"]
    assert not [path for path in inbox.iterdir() if path.is_file()]  # every file was taken (and kept in the inbox)
    assert hub.tracebacks() == [], hub.log_text()[-4000:]


def test_a_shopify_order_with_a_wrong_signature_is_refused_and_its_redelivery_accepted(shared_hub: Hub) -> None:
    hub = shared_hub
    hub.location("wh-bad-sig", "self", **{"SIG-LAMP": 5})
    refused = hub.post_order(3053, {"SIG-LAMP": 1}, secret="shpss_not_the_shops_secret_000000")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_signature", refused.text
    assert hub.order_id(3053) is None
    hub.place(3053, {"SIG-LAMP": 1})  # Shopify delivers again, signed with the right secret
    order_id = hub.wait_order(3053)
    eventually(lambda: hub.fulfillment_orders(order_id), "the order to be routed")
