"""Channel payouts: a Shopify Payments payout fetched from the API and an Amazon settlement report read from a
file, stored once, matched to the hub's orders to the cent (what the hub does not hold listed), and their fees
booked once as balanced journal entries; a malformed report is refused naming its line, and nothing is kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.accounting.export import run_export
from hub.accounting.reconcile import run_reconcile
from hub.db.models import ChannelAccount, JournalEntryRecord, JournalLineRecord, OrderRecord, PayoutRecord
from hub.db.session import Database
from hub.delivery.config import EngineConfig
from hub.payouts.matching import refund_totals
from hub.payouts.read import read_file
from tests.accounting import test_cli
from tests.accounting.builders import add_destination, generate_month
from tests.fakes.shopify_payments import FakeShopifyPayments

ENGINE = EngineConfig()
orderhub = test_cli.orderhub  # the fixture running ``orderhub`` in-process
HEADER = (
    "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\t"
    "transaction-type\torder-id\tamount-type\tamount-description\tamount"
)


@pytest.fixture
def shopify(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeShopifyPayments]:
    monkeypatch.setenv("FAKE_SHOPIFY_TOKEN", "shpat_fake_token")
    with FakeShopifyPayments(page_size=2) as fake:
        yield fake


def orders_of(database: Database, channel: str) -> list[tuple[str, Decimal, Decimal]]:
    """(channel order id, total, refunded) of the hub's orders of ``channel``, in channel order id order."""
    with database.session() as session:
        records = list(session.scalars(select(OrderRecord).where(OrderRecord.channel == channel)))
        refunded = refund_totals(session, [record.id for record in records])
        rows = [(r.channel_order_id, r.total, refunded.get(r.id, Decimal(0))) for r in records]
    return sorted((order, total.quantize(Decimal("0.01")), refund) for order, total, refund in rows)


def add_channel_account(database: Database, channel: str, account: str, **settings: str) -> None:
    with database.session() as session:
        session.add(ChannelAccount(channel=channel, account=account, settings=settings))


def shopify_payout(fake: FakeShopifyPayments, database: Database) -> tuple[list[str], Decimal]:
    """A payout paying three hub orders (one with its refund) and one order the hub does not hold."""
    transactions, fees, paid = [], Decimal(0), []
    for number, (order, total, refunded) in enumerate(orders_of(database, "shopify")[:3]):
        fee = (total * Decimal("0.029") + Decimal("0.30")).quantize(Decimal("0.01"))
        transactions.append(
            {
                "id": number,
                "type": "charge",
                "source_order_id": order,
                "amount": str(total),
                "fee": str(fee),
                "net": str(total - fee),
                "currency": "USD",
            }
        )
        if refunded:
            transactions.append(
                {
                    "id": 100 + number,
                    "type": "refund",
                    "source_order_id": order,
                    "amount": str(-refunded),
                    "fee": "0.00",
                    "net": str(-refunded),
                    "currency": "USD",
                }
            )
        fees += fee
        paid.append(order)
    transactions.append(
        {
            "id": 9,
            "type": "charge",
            "source_order_id": "shopify-9999",
            "amount": "20.00",
            "fee": "0.88",
            "net": "19.12",
            "currency": "USD",
        }
    )
    transactions.append({"id": 10, "type": "payout", "source_order_id": None, "amount": "-1.00", "fee": "0.00"})
    fees += Decimal("0.88")
    net = sum((Decimal(t["amount"]) - Decimal(t["fee"]) for t in transactions[:-1]), Decimal(0))
    fake.add_payout(
        {"id": 5001, "date": "2026-11-28", "currency": "USD", "amount": str(net), "status": "paid"}, transactions
    )
    fake.add_payout({"id": 4001, "date": "2026-10-02", "currency": "USD", "amount": "0.00", "status": "paid"}, [])
    return paid, fees


def amazon_report(database: Database, *, bad_line: bool = False) -> tuple[str, list[str], Decimal]:
    (first, total, refunded), (second, total2, refunded2) = orders_of(database, "amazon")[:2]
    rows = [HEADER, "S-77\t2026-11-01\t2026-11-14\t2026-11-16\t0.00\tUSD\t\t\t\t\t"]
    rows.append(f"\t\t\t\t\t\tOrder\t{first}\tItemPrice\tPrincipal\t{total}")
    rows.append(f"\t\t\t\t\t\tOrder\t{first}\tItemFees\tCommission\t-4.50")
    rows.append(f"\t\t\t\t\t\tOrder\t{first}\tItemFees\tFBAPerUnitFulfillmentFee\t-3.25")
    rows.append(f"\t\t\t\t\t\tOrder\t{second}\tItemPrice\tPrincipal\t{'12,3x' if bad_line else total2}")
    rows.append(f"\t\t\t\t\t\tOrder\t{second}\tItemFees\tCommission\t-2.00")
    for order, amount in ((first, refunded), (second, refunded2)):
        if amount:
            rows.append(f"\t\t\t\t\t\tRefund\t{order}\tItemPrice\tPrincipal\t{-amount}")
    rows.append("\t\t\t\t\t\tother-transaction\t\tother-transaction\tSubscription Fee\t-39.99")
    return "\n".join(rows) + "\n", [first, second], Decimal("49.74")


def fee_entries(database: Database) -> list[JournalEntryRecord]:
    with database.session() as session:
        found = list(session.scalars(select(JournalEntryRecord).where(JournalEntryRecord.kind == "fee")))
        for record in found:
            _ = record.lines
        return found


def test_a_shopify_payout_is_fetched_and_matched_to_the_orders_it_pays(database: Database, shopify, orderhub) -> None:  # type: ignore[no-untyped-def]
    generate_month(database, per_channel=4)
    add_channel_account(database, "shopify", "main", base_url=shopify.base_url, access_token="env:FAKE_SHOPIFY_TOKEN")
    paid, fees = shopify_payout(shopify, database)

    out, _err = orderhub("export", "payouts", "shopify", "main", "--period", "2026-11", "--fetch", "--json", code=1)

    [payout] = json.loads(out)["payouts"]  # the October payout is outside the period
    assert (payout["payout_id"], payout["fees"], payout["agrees"]) == ("5001", str(fees), False)
    matched = {order["channel_order_id"]: order for order in payout["orders"] if order["order_id"]}
    assert sorted(matched) == paid and all(order["agrees"] for order in matched.values())
    assert [(line["channel_order_id"], line["amount"]) for line in payout["unmatched"]] == [("shopify-9999", "20.00")]
    transaction_pages = [seen for seen in shopify.requests if seen.path.endswith("balance_transactions.json")]
    assert len(transaction_pages) == 3  # six transactions, two a page

    out, _err = orderhub("export", "payouts", "shopify", "main", "--fetch", code=1)  # read again: only October's is new
    assert "read 2 payouts: 1 new, 0 changed, 1 unchanged" in out
    assert "UNMATCHED shopify-9999" in out and "DIFFERS" in out
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(PayoutRecord)) == 2

    shopify.token = "another"  # the access token was revoked
    _out, err = orderhub("export", "payouts", "shopify", "main", "--fetch", code=2)
    assert err.startswith("orderhub: shopify payouts could not be read") and "Traceback" not in err


def test_an_amazon_settlement_file_is_read_and_its_fees_booked_once(
    database: Database, tmp_path: Path, orderhub
) -> None:  # type: ignore[no-untyped-def]
    generate_month(database, per_channel=4)
    add_channel_account(database, "amazon", "us")
    add_destination(database, tmp_path, "books")
    run_export(database, "csv-journal", "books", engine=ENGINE)  # the month booked before any payout is read
    text, orders, fees = amazon_report(database)
    report = tmp_path / "settlement.txt"
    report.write_text(text)

    out, _err = orderhub("export", "payouts", "amazon", "us", "--file", str(report), "--json", code=1)

    [payout] = json.loads(out)["payouts"]
    assert (payout["payout_id"], payout["date"], payout["fees"]) == ("S-77", "2026-11-16", str(fees))
    assert [order["channel_order_id"] for order in payout["orders"]] == orders
    assert all(order["agrees"] for order in payout["orders"])
    assert [(line["kind"], line["fee"]) for line in payout["unmatched"]] == [("fee", "39.99")]  # no order named

    later = run_export(database, "csv-journal", "books", engine=ENGINE)
    booked = fee_entries(database)
    assert later.build.built == len(booked) == 3 and later.posted == 3  # two orders and the account's fee
    assert sum((record.total for record in booked), Decimal(0)) == fees
    for record in booked:
        assert {line.account for line in record.lines} == {"channel_fees", "clearing:amazon:us"}
        debit = sum((line.debit for line in record.lines), Decimal(0))
        assert debit == sum((line.credit for line in record.lines), Decimal(0)) == record.total

    out, _err = orderhub("export", "payouts", "amazon", "us", "--file", str(report), code=1)
    assert "0 new, 0 changed, 1 unchanged" in out
    again = run_export(database, "csv-journal", "books", engine=ENGINE)
    assert (again.build.built, again.build.adjusted, again.posted) == (0, 0, 0)
    assert len(fee_entries(database)) == 3


def test_a_malformed_settlement_file_is_refused_naming_its_line(database: Database, tmp_path: Path, orderhub) -> None:  # type: ignore[no-untyped-def]
    generate_month(database, per_channel=2)
    add_channel_account(database, "amazon", "us")
    text, _orders, _fees = amazon_report(database, bad_line=True)
    report = tmp_path / "settlement.txt"
    report.write_text(text)

    _out, err = orderhub("export", "payouts", "amazon", "us", "--file", str(report), code=2)

    bad = next(number for number, line in enumerate(text.splitlines(), start=1) if "12,3x" in line)
    assert f"line {bad}:" in err and "'12,3x' is not an amount" in err and "Traceback" not in err
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(PayoutRecord)) == 0
    report.write_text("order-id\tamount\n1\t2\n")
    _out, err = orderhub("export", "payouts", "amazon", "us", "--file", str(report), code=2)
    assert "line 1: not an Amazon settlement report" in err


def test_a_corrected_settlement_adjusts_its_fee_and_reconciles(database: Database, tmp_path: Path) -> None:
    generate_month(database, per_channel=3)
    add_channel_account(database, "amazon", "us")
    add_destination(database, tmp_path, "books")
    text, _orders, fees = amazon_report(database)
    report = tmp_path / "settlement.txt"
    report.write_text(text)
    read_file(database, "amazon", "us", report)
    run_export(database, "csv-journal", "books", engine=ENGINE)

    report.write_text(text.replace("Commission\t-4.50", "Commission\t-5.00"))  # Amazon re-issued the report
    [stored] = read_file(database, "amazon", "us", report)
    later = run_export(database, "csv-journal", "books", engine=ENGINE)

    assert stored.changed and not stored.created
    assert (later.build.built, later.build.adjusted) == (0, 1)
    with database.session() as session:
        lines = session.scalars(select(JournalLineRecord).where(JournalLineRecord.account == "channel_fees"))
        assert sum((line.debit - line.credit for line in lines), Decimal(0)) == fees + Decimal("0.50")
    assert run_reconcile(database, "csv-journal", "books", "2026-11").agrees  # fees do not disturb the sales
