"""``orderhub route simulate`` against the stored stock, and ``orderhub route order`` routing a stored order,
run in this process through the console script's entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kombu import Connection
from sqlalchemy import select, update

from hub.cli import main
from hub.db.models import Delivery, Location, OrderRecord, OrderRouting
from hub.db.session import Database
from hub.orders.store import get_order
from tests.oms.test_route import _committed, _locations, _order


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    return Database(database_url)


def test_simulate_reads_the_stored_stock_and_commits_nothing(
    cli: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _locations(cli, wh_nj=1, wh_pa=5)
    order_id = _order(cli)
    with cli.session() as session:
        document = get_order(session, order_id).model_dump(mode="json")
    order_file = tmp_path / "order.json"
    order_file.write_text(json.dumps(document))
    main(["route", "simulate", str(order_file), "--at", "2026-03-02T16:00:00Z"])
    decision = json.loads(capsys.readouterr().out)
    assert decision["outcome"] == "routed"
    assert decision["lines"][0]["allocations"][0]["location"] == "wh-pa"
    assert (_committed(cli, "wh-nj"), _committed(cli, "wh-pa")) == (0, 0)
    with cli.session() as session:
        assert session.scalars(select(OrderRouting)).all() == []


def test_route_order_commits_and_prints_the_summary(cli: Database, capsys: pytest.CaptureFixture[str]) -> None:
    _locations(cli, wh_pa=2)
    order_id = _order(cli)
    main(["route", "order", order_id])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"order {order_id}: partially_routed (rule standard)"
    assert lines[1].startswith("  fulfillment order ful_") and lines[1].endswith(" at wh-pa")
    assert lines[2] == "  line 1 LAMP: partially_allocated 2/3"
    assert lines[3].startswith("  route again at ")
    assert _committed(cli, "wh-pa") == 2


def test_route_order_for_an_unknown_order_is_one_line_and_exit_2(
    cli: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["route", "order", "ord_nope"])
    assert exited.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error == [
        "orderhub: no order 'ord_nope' is stored: give the hub's order id (ord_...), not the channel's order number"
    ]


def test_route_order_releases_a_routing_exception_once_its_cause_is_fixed(
    cli: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _locations(cli, wh_pa=3)
    order_id = _order(cli)
    with cli.session() as session:  # stored before line ids were checked
        record = session.get(OrderRecord, order_id)
        assert record is not None
        good = record.document
        record.document = {**good, "lines": [{**good["lines"][0], "line_id": "9" * 65}]}
    with pytest.raises(SystemExit) as exited:
        main(["route", "order", order_id])
    assert exited.value.code == 1
    (error,) = capsys.readouterr().err.strip().splitlines()
    assert error.startswith(f"orderhub: order {order_id}: routing failed: not a valid Order: lines[0].line_id: at")
    assert error.endswith(
        f"parked as an exception and on hold: fix the cause, then route it with `orderhub route order {order_id}`"
    )
    with cli.session() as session:
        session.get(OrderRecord, order_id).document = good  # type: ignore[union-attr]
    main(["route", "order", order_id])
    assert capsys.readouterr().out.splitlines()[0] == f"order {order_id}: routed (rule standard)"
    with cli.session() as session:
        assert session.get(OrderRecord, order_id).status == "allocated"  # type: ignore[union-attr]


def test_route_order_hands_the_deliveries_it_planned_to_the_broker(
    cli: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    monkeypatch.setenv("HUB_BROKER_URL", broker)
    _locations(cli, wh_pa=5)
    with cli.session() as session:
        session.execute(update(Location).where(Location.id == "wh-pa").values(fulfilled_by="self"))
    order_id = _order(cli)
    main(["route", "order", order_id])
    assert "broker did not answer" not in capsys.readouterr().out
    with cli.session() as session:
        [delivery] = session.scalars(select(Delivery).where(Delivery.order_id == order_id)).all()
    with Connection(broker) as connection:
        queue = connection.SimpleQueue(delivery.queue)
        message = queue.get(timeout=10)
        assert delivery.id in message.payload[0][0]  # the send task's ids
        message.ack()
        queue.close()
