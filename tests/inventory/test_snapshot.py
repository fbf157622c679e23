"""What routing and channel listings read: a frozen snapshot of locations and stock, and available-to-sell."""

from __future__ import annotations

from datetime import date

from hub.db.session import Database
from hub.inventory import (
    IncomingSource,
    allocate,
    available_to_sell,
    expect,
    receive,
    set_safety_stock,
    take_snapshot,
)
from hub.inventory.snapshot import stock_positions
from tests.inventory.conftest import add_location
from tests.sql_statements import statements


def test_a_snapshot_holds_active_locations_their_stock_and_what_is_coming(database: Database) -> None:
    add_location(database, "dal1", priority=10)
    add_location(database, "nyc1", priority=20, postal_region="US:100")
    add_location(database, "closed", active=False)
    with database.session() as session:
        receive(session, "TEE", "dal1", 5)
        allocate(session, "ord-1", "1", "TEE", "dal1", 2)
        receive(session, "TEE", "closed", 50)
        expect(
            session, "TEE", "nyc1", 8, source_type=IncomingSource.ASN, reference="ASN-1", expected_on=date(2026, 12, 3)
        )
        expect(session, "TEE", "nyc1", 4, source_type=IncomingSource.PO, reference="PO-9")
        snapshot = take_snapshot(session, ["TEE", "CAP"])
    assert list(snapshot.locations) == ["dal1", "nyc1"]  # by priority, the inactive one left out
    assert snapshot.available("TEE", "dal1") == 3 and snapshot.available("TEE", "nyc1") == 0
    assert snapshot.available("CAP", "dal1") == 0 and "closed" not in snapshot.positions["TEE"]
    nyc = snapshot.positions["TEE"]["nyc1"]
    assert [(lot.quantity, lot.expected_on, lot.reference) for lot in nyc.incoming] == [
        (8, date(2026, 12, 3), "ASN-1"),
        (4, None, "PO-9"),
    ]
    assert nyc.available_by(date(2026, 12, 2)) == 0 and nyc.available_by(date(2026, 12, 3)) == 8
    assert [spec.id for spec in snapshot.candidates("TEE", 3)] == ["dal1"]
    assert snapshot.candidates("TEE", 4) == []


def test_available_to_sell_sums_what_can_be_promised(database: Database) -> None:
    add_location(database, "dal1")
    add_location(database, "nyc1", postal_region="US:100")
    add_location(database, "closed", active=False)
    with database.session() as session:
        receive(session, "TEE", "dal1", 5)
        receive(session, "TEE", "nyc1", 2)
        set_safety_stock(session, "TEE", "nyc1", 4)  # more held back than there: counts as 0, not -2
        receive(session, "TEE", "closed", 50)
        assert available_to_sell(session, ["TEE", "CAP"]) == {"CAP": 0, "TEE": 5}
        assert available_to_sell(session, ["TEE"], location_ids=["nyc1"]) == {"TEE": 0}


def test_routing_reads_each_level_with_its_open_lots_in_one_statement(database: Database) -> None:
    """``stock_positions`` (what a routing batch reads) agrees with the snapshot's own reading: the lots of
    each level soonest first and undated last, received ones left out, levels expecting nothing included."""
    add_location(database, "dal1", priority=10)
    add_location(database, "nyc1", priority=20)
    with database.session() as session:
        receive(session, "TEE", "dal1", 5)
        receive(session, "CAP", "nyc1", 2)
        expect(session, "TEE", "nyc1", 4, source_type=IncomingSource.PO, reference="PO-9")
        expect(
            session, "TEE", "nyc1", 8, source_type=IncomingSource.ASN, reference="ASN-2", expected_on=date(2026, 12, 9)
        )
        expect(
            session, "TEE", "nyc1", 3, source_type=IncomingSource.ASN, reference="ASN-1", expected_on=date(2026, 12, 3)
        )
        expect(
            session, "CAP", "nyc1", 6, source_type=IncomingSource.ASN, reference="ASN-3", expected_on=date(2026, 12, 1)
        )
        receive(session, "CAP", "nyc1", 6, reference="ASN-3")  # received in full: no longer coming
        reference = take_snapshot(session, ["TEE", "CAP"]).positions
        with statements() as seen:
            positions = stock_positions(session, ["TEE", "CAP", "HAT"], ["dal1", "nyc1"])
    assert positions == reference
    assert [lot.reference for lot in positions["TEE"]["nyc1"].incoming] == ["ASN-1", "ASN-2", "PO-9"]
    assert positions["CAP"]["nyc1"].incoming == () and positions["TEE"]["dal1"].incoming == ()
    assert len(seen) == 1
