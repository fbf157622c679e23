"""The journal scan reads only what changed since a destination's last scan, and still books every change:
edited orders, new refunds, new shipments, rows committed late with a stamp from before the scan, and a
change of the destination's settings (a full scan again)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import update

from hub.accounting.changes import cursor_name
from hub.accounting.journal import BuildReport, build
from hub.canonical import Order
from hub.canonical.order import PaymentStatus
from hub.db.models import EventCursor, OrderRecord
from hub.db.models.base import as_utc, utcnow
from hub.db.session import Database
from hub.orders.store import replace_order
from tests.accounting.builders import Month, add_shipments, generate_month, refund_event
from tests.accounting.test_export import edit_first_price

NAME = "csv-journal:books"
NOW = timedelta(0)  # no grace window: rows written after a scan are the only ones the next one reads


def scan(database: Database, recognise_on: str = "order", grace: timedelta = NOW) -> BuildReport:
    with database.session() as session:
        return build(session, NAME, recognise_on=recognise_on, grace=grace)


def refunded(database: Database, month: Month) -> str:
    """A refund recorded on an order without one; its id."""
    order_id = sorted(month.orders)[-1]
    order = month.orders[order_id]
    with database.session() as session:
        session.add(refund_event(order, order.placed_at + timedelta(days=3), random.Random(3), 900))
    return order_id


def test_a_scan_reads_only_the_orders_changed_since_the_last_one(database: Database) -> None:
    month = generate_month(database, per_channel=4)
    first = scan(database)
    assert first.full and first.built > 0 and first.scanned == set(month.orders)

    again = scan(database)
    assert not again.full and (again.built, again.adjusted, again.scanned) == (0, 0, set())

    edited = sorted(month.orders)[1]
    edit_first_price(database, edited, "77.00")
    refund_of = refunded(database, month)
    after = scan(database)

    assert after.scanned == {edited, refund_of}
    assert (after.built, after.adjusted) == (1, 1)
    assert sorted(after.entry_ids) == sorted([f"sale:{edited}:adj1", f"refund:{refund_of}:r900"])
    assert scan(database).entry_ids == []


def test_a_row_stamped_before_a_scan_but_committed_after_it_is_still_booked(database: Database) -> None:
    """On PostgreSQL a transaction stamps its rows when it writes them and may commit after a scan that
    could not see them: the next scan reads the grace window before the watermark again."""
    month = generate_month(database, per_channel=2)
    scan(database)
    with database.session() as session:
        cursor = session.get(EventCursor, cursor_name(NAME, "order", None))
        assert cursor is not None
        watermark = as_utc(cursor.updated_at)
    late = sorted(month.orders)[0]
    edit_first_price(database, late, "55.00")
    with database.session() as session:  # as if written (and stamped) a moment before the scan started
        stamped = watermark - timedelta(seconds=20)
        session.execute(update(OrderRecord).where(OrderRecord.id == late).values(updated_at=stamped))

    report = scan(database, grace=timedelta(minutes=5))

    assert late in report.scanned
    assert report.entry_ids == [f"sale:{late}:adj1"]


def test_new_shipments_are_read_when_sales_follow_shipments(database: Database) -> None:
    month = generate_month(database, per_channel=3)
    scan(database, "shipment")
    unshipped = sorted(order_id for order_id, shipped in month.shipped.items() if not shipped)[0]
    order = month.orders[unshipped]
    with database.session() as session:
        add_shipments(session, order, order.placed_at, random.Random(2))  # one shipment of every unit

    report = scan(database, "shipment")

    assert report.scanned == {unshipped} and report.built >= 1
    assert all(entry_id.startswith(f"sale:{unshipped}:") for entry_id in report.entry_ids)


def test_changing_when_sales_are_recognised_scans_every_order_again(database: Database) -> None:
    month = generate_month(database, per_channel=2)
    scan(database)
    assert not scan(database).full

    switched = scan(database, "shipment")

    assert switched.full and switched.scanned >= {o for o, shipped in month.shipped.items() if shipped}


def test_a_sale_that_no_longer_stands_is_reversed_once(database: Database) -> None:
    month = generate_month(database, per_channel=2)
    scan(database)
    voided = sorted(month.orders)[2]
    with database.session() as session:
        record = session.get(OrderRecord, voided)
        assert record is not None
        order = Order.model_validate(record.document)
        replace_order(session, record, order.model_copy(update={"payment_status": PaymentStatus.VOIDED}))

    reversed_ = scan(database)
    with database.session() as session:  # the order is written again (a note, a tag): read once more
        session.execute(update(OrderRecord).where(OrderRecord.id == voided).values(updated_at=utcnow()))
    again = scan(database)

    assert reversed_.entry_ids == [f"sale:{voided}:adj1"]
    assert again.entry_ids == []
