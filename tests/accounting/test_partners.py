"""The generated month exported to the fake QuickBooks and Xero through the delivery engine: every entry
posted once (a re-run posts nothing), reconcile agrees to the cent with the ledger's read-back, and a
hand-edited order is the one difference."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.accounting.export import run_export
from hub.accounting.reconcile import run_reconcile
from hub.db.session import Database
from hub.delivery.accounts import save_account
from hub.delivery.config import EngineConfig
from tests.accounting.builders import generate_month
from tests.accounting.test_export import edit_first_price
from tests.fakes.quickbooks import FakeQuickBooks
from tests.fakes.xero import FakeXero

ENGINE = EngineConfig()
MAPPINGS = {
    "quickbooks": {
        "accounts": {
            "revenue": "79", "discounts": "81", "shipping_income": "80", "channel_fees": "90",
            "cost_of_goods": "91", "accounts_payable": "92", "other_income": "93",
        },
        "tax": {"default": "82"},
        "clearing": {"default": "1", "shopify": "4"},
    },
    "xero": {
        "accounts": {
            "revenue": "200", "discounts": "404", "shipping_income": "260", "channel_fees": "404",
            "cost_of_goods": "310", "accounts_payable": "610", "other_income": "260",
        },
        "tax": {"default": "820"},
        "clearing": {"default": "090"},
    },
}  # fmt: skip


@pytest.fixture(params=["quickbooks", "xero"])
def partner(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any]]:
    fake_class = FakeQuickBooks if request.param == "quickbooks" else FakeXero
    with fake_class() as fake:
        yield request.param, fake


def add_partner_account(
    database: Database, tmp_path: Path, name: str, fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    mapping = tmp_path / f"{name}.json"
    mapping.write_text(json.dumps(MAPPINGS[name]))
    settings = fake.settings(mapping_file=str(mapping))
    monkeypatch.setenv("TEST_ACCOUNTING_TOKEN", settings.pop("access_token"))
    with database.session() as session:
        save_account(session, name, "books", settings, {"access_token": "env:TEST_ACCOUNTING_TOKEN"})


def test_a_month_posted_once_and_reconciled_with_the_ledger(
    database: Database, tmp_path: Path, partner: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    name, fake = partner
    month = generate_month(database, per_channel=3)
    add_partner_account(database, tmp_path, name, fake, monkeypatch)

    first = run_export(database, name, "books", engine=ENGINE)
    second = run_export(database, name, "books", engine=ENGINE)

    assert first.planned == first.posted > 0, first.outcomes
    assert (second.planned, sum(second.outcomes.values())) == (0, 0)
    result = run_reconcile(database, name, "books", "2026-11")
    assert result.read_back == [] and result.agrees, (result.differences, result.read_back)

    edited = sorted(month.orders)[2]
    edit_first_price(database, edited, "77.70")
    result = run_reconcile(database, name, "books", "2026-11")
    assert [difference.order_id for difference in result.differences] == [edited]
