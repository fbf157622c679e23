"""A generated month exported to csv-journal destinations: every entry balanced, each posted once, reconciled
to the cent; a hand-edited order shows up as exactly that order; a closed month gets an adjusting entry."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text

from hub.accounting.amounts import parse_period
from hub.accounting.export import destination, run_export
from hub.accounting.periods import close_period
from hub.accounting.reconcile import reconcile, run_reconcile
from hub.canonical import Order
from hub.db.models import AccountingExport, Delivery, JournalEntryRecord, JournalLineRecord, OrderRecord
from hub.db.session import Database
from hub.delivery.config import EngineConfig
from hub.orders.store import replace_order
from tests.accounting.builders import add_destination, generate_month
from tests.accounting.builders import journal_rows_of as journal_rows

ENGINE = EngineConfig()


def entries(database: Database, name: str) -> list[JournalEntryRecord]:
    with database.session() as session:
        query = select(JournalEntryRecord).where(JournalEntryRecord.destination == name)
        found = list(session.scalars(query))
        for record in found:
            _ = record.lines
        return found


def test_a_month_is_booked_balanced_and_posted_once(database: Database, tmp_path: Path) -> None:
    month = generate_month(database)
    directory = add_destination(database, tmp_path, "books")

    report = run_export(database, "csv-journal", "books", engine=ENGINE)

    booked = entries(database, "csv-journal:books")
    assert report.build.built == len(booked) == report.planned == report.posted
    kinds = {record.kind for record in booked}
    assert kinds == {"sale", "refund"}
    assert sum(record.kind == "refund" for record in booked) == month.refunds
    for record in booked:
        debit = sum((line.debit for line in record.lines), Decimal(0))
        credit = sum((line.credit for line in record.lines), Decimal(0))
        assert debit == credit == record.total, record.entry_id
    [(name, rows)] = journal_rows(directory).items()  # one CSV for the run
    assert {row["entry_id"] for row in rows} == {record.entry_id for record in booked}
    by_entry: dict[str, set[str]] = defaultdict(set)
    balance: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        by_entry[row["entry_id"]].add(row["currency"])
        balance[row["currency"]] += Decimal(row["debit"]) - Decimal(row["credit"])
    assert all(len(currencies) == 1 for currencies in by_entry.values())  # never mixed within an entry
    assert balance == {"USD": 0, "EUR": 0}
    # the mapping's codes, the clearing account per channel (and per channel account)
    assert {row["account"] for row in rows if row["order_reference"].startswith("#10")} >= {"1210", "1220", "1200"}

    again = run_export(database, "csv-journal", "books", engine=ENGINE)
    assert (again.build.built, again.build.adjusted, again.planned, again.posted) == (0, 0, 0, 0)
    assert list(journal_rows(directory)) == [name]
    with database.session() as session:
        start, end = parse_period("2026-11")
        result = reconcile(session, destination(session, "csv-journal", "books"), start, end)
    assert result.agrees, result.differences
    assert {key[1] for key in result.hub} == {"USD", "EUR"}
    assert len(result.hub) == 3  # three channels


def test_sales_follow_shipments_when_recognised_on_shipment(database: Database, tmp_path: Path) -> None:
    month = generate_month(database, per_channel=8)
    add_destination(database, tmp_path, "shipped", recognise_on="shipment")

    run_export(database, "csv-journal", "shipped", engine=ENGINE)

    booked = entries(database, "csv-journal:shipped")
    sales: dict[str, Decimal] = defaultdict(Decimal)
    count: dict[str, int] = defaultdict(int)
    for record in booked:
        assert sum(line.debit for line in record.lines) == sum(line.credit for line in record.lines)
        if record.kind == "sale":
            assert record.order_id is not None
            sales[record.order_id] += sum(line.debit for line in record.lines if line.role == "clearing")
            count[record.order_id] += 1
    for order_id, order in month.orders.items():
        assert count.get(order_id, 0) == month.shipped[order_id]
        if month.shipped[order_id]:  # every unit shipped in the end: the shipments add up to the order
            assert sales[order_id] == order.totals.total.amount, order_id
    partial = [order_id for order_id, shipped in month.shipped.items() if shipped == 2]
    assert partial, "the generated month has partial shipments"


def edit_first_price(database: Database, order_id: str, new_price: str) -> Order:
    with database.session() as session:
        record = session.get(OrderRecord, order_id)
        assert record is not None
        order = Order.model_validate(record.document)
        line = order.lines[0]
        old_total = line.total.amount
        new_total = Decimal(new_price) * line.quantity - (line.discount.amount if line.discount else 0)
        delta = new_total - old_total
        lines = [
            line.model_copy(
                update={
                    "unit_price": line.unit_price.model_copy(update={"amount": Decimal(new_price)}),
                    "total": line.total.model_copy(update={"amount": new_total}),
                }
            )
        ]
        totals = order.totals.model_copy(
            update={
                "subtotal": order.totals.subtotal.model_copy(update={"amount": order.totals.subtotal.amount + delta}),
                "total": order.totals.total.model_copy(update={"amount": order.totals.total.amount + delta}),
            }
        )
        edited = order.model_copy(update={"lines": lines + order.lines[1:], "totals": totals, "charges": []})
        return replace_order(session, record, Order.model_validate(edited.model_dump()))


def test_a_hand_edited_order_is_the_one_difference(database: Database, tmp_path: Path) -> None:
    month = generate_month(database, per_channel=6)
    add_destination(database, tmp_path, "books")
    run_export(database, "csv-journal", "books", engine=ENGINE)
    target_id = sorted(month.orders)[3]

    edit_first_price(database, target_id, "123.45")

    start, end = parse_period("2026-11")
    with database.session() as session:
        result = reconcile(session, destination(session, "csv-journal", "books"), start, end)
    assert [(d.order_id, d.what) for d in result.differences] == [(target_id, "sale")]
    difference = result.differences[0]
    assert difference.number == month.orders[target_id].number
    assert difference.hub != difference.exported

    report = run_export(database, "csv-journal", "books", engine=ENGINE)  # books the change as an adjustment
    assert (report.build.built, report.build.adjusted, report.posted) == (0, 1, 1)
    with database.session() as session:
        after = reconcile(session, destination(session, "csv-journal", "books"), start, end)
    assert after.agrees, after.differences


def test_a_change_to_a_closed_month_is_adjusted_in_the_open_one(database: Database, tmp_path: Path) -> None:
    month = generate_month(database, per_channel=4)
    add_destination(database, tmp_path, "books")
    run_export(database, "csv-journal", "books", engine=ENGINE)
    with database.session() as session:
        assert close_period(session, "csv-journal:books", "2026-11")
    target_id = sorted(month.orders)[0]
    before = {(r.entry_id, r.entry_date, r.total) for r in entries(database, "csv-journal:books")}

    edit_first_price(database, target_id, "1.00")
    report = run_export(database, "csv-journal", "books", engine=ENGINE)

    after = entries(database, "csv-journal:books")
    assert before <= {(r.entry_id, r.entry_date, r.total) for r in after}  # nothing booked before changed
    [adjustment] = [r for r in after if r.kind == "adjustment"]
    assert adjustment.entry_id == f"sale:{target_id}:adj1"
    assert adjustment.reverses == f"sale:{target_id}"
    assert adjustment.entry_date.isoformat() == "2026-12-01"
    assert sum(line.debit for line in adjustment.lines) == sum(line.credit for line in adjustment.lines) > 0
    assert report.posted == 1
    with database.session() as session, pytest.raises(Exception, match="append-only"):
        session.execute(text("UPDATE journal_lines SET debit = 0 WHERE entry_pk = :pk"), {"pk": adjustment.id})
        session.flush()


def test_an_interrupted_run_posts_each_entry_once_when_run_again(database: Database, tmp_path: Path) -> None:
    """A run stopped after planning (the process killed before sending): the next run sends what it planned,
    and no entry is planned or written twice."""
    generate_month(database, per_channel=3)
    directory = add_destination(database, tmp_path, "books")
    from hub.accounting import export

    sent = export.send
    export.send = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        first = run_export(database, "csv-journal", "books", engine=ENGINE)
    finally:
        export.send = sent  # type: ignore[assignment]
    assert first.planned > 0 and journal_rows(directory) == {}

    second = run_export(database, "csv-journal", "books", engine=ENGINE)
    third = run_export(database, "csv-journal", "books", engine=ENGINE)

    assert second.planned == 0 and second.posted == first.planned and third.posted == 0
    rows = [row for rows in journal_rows(directory).values() for row in rows]
    ids = {row["entry_id"] for row in rows}
    assert len(ids) == first.planned
    with database.session() as session:
        statuses = list(session.scalars(select(AccountingExport.status)))
        deliveries = list(session.scalars(select(Delivery.status).where(Delivery.operation == "accounting.post")))
    assert statuses == ["posted"] * first.planned
    assert deliveries == ["delivered"] * first.planned


def test_a_refund_that_keeps_part_books_a_restocking_fee(database: Database, tmp_path: Path) -> None:
    generate_month(database, per_channel=12)
    add_destination(database, tmp_path, "books")
    run_export(database, "csv-journal", "books", engine=ENGINE)
    with database.session() as session:
        fees = session.scalars(
            select(JournalLineRecord.credit)
            .join(JournalEntryRecord, JournalEntryRecord.id == JournalLineRecord.entry_pk)
            .where(JournalEntryRecord.kind == "refund", JournalLineRecord.account == "restocking_fees")
        ).all()
    assert fees and set(fees) == {Decimal("2.00")}


def test_the_ledger_read_back_finds_a_file_edited_by_hand(database: Database, tmp_path: Path) -> None:
    generate_month(database, per_channel=3)
    directory = add_destination(database, tmp_path, "books")
    run_export(database, "csv-journal", "books", engine=ENGINE)
    assert run_reconcile(database, "csv-journal", "books", "2026-11").read_back == []

    [path] = directory.glob("journal-*.csv")  # someone "corrects" one amount in the file
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    debit, entry = rows[0].index("debit"), rows[0].index("entry_id")
    rows[1][debit] = str(Decimal(rows[1][debit]) + 1)
    entry_id = rows[1][entry]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8-sig")

    result = run_reconcile(database, "csv-journal", "books", "2026-11")
    assert [item.entry_id for item in result.read_back or []] == [entry_id]
    assert "in the hub" in (result.read_back or [])[0].problem
    assert not result.agrees and result.differences == []


def test_a_run_killed_after_the_file_was_written_posts_nothing_twice(database: Database, tmp_path: Path) -> None:
    """The worker wrote the journal file and died before recording it: the next run finds every entry at the
    destination already (its index) and records them as posted, with no second file."""
    generate_month(database, per_channel=3)
    directory = add_destination(database, tmp_path, "books")
    from hub.accounting import export

    sent = export.send
    export.send = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        first = run_export(database, "csv-journal", "books", engine=ENGINE)
    finally:
        export.send = sent  # type: ignore[assignment]
    with database.session() as session:
        payloads = session.execute(select(Delivery.payload, Delivery.idempotency_key)).all()
        settings = destination(session, "csv-journal", "books").config
    from connectors.csv_journal import CsvJournal
    from hub.accounting.payload import from_payload

    CsvJournal(settings).post_entries([(from_payload(payload), key) for payload, key in payloads])
    assert len(journal_rows(directory)) == 1

    second = run_export(database, "csv-journal", "books", engine=ENGINE)

    assert second.outcomes == {"already_delivered": first.planned}
    assert len(journal_rows(directory)) == 1
    with database.session() as session:
        assert set(session.scalars(select(AccountingExport.status))) == {"posted"}
