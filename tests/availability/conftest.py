"""Fixtures for the available-to-sell tests: a migrated database on each backend, channel accounts, locations
and stock written through the inventory functions the hub itself uses."""

from __future__ import annotations

from datetime import date

import pytest

from hub.availability import Availability, AvailabilityRules, compute, parse_rules
from hub.db.models import ChannelAccount
from hub.db.session import Database
from hub.inventory import IncomingSource, adjust, expect, set_safety_stock
from tests.inventory.conftest import add_location

TODAY = date(2026, 11, 22)


class Shop:
    """A merchant's set-up, built step by step in a test: accounts, locations, stock."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def account(self, channel: str, account: str = "main", *, active: bool = True) -> Shop:
        with self.database.session() as session:
            session.add(ChannelAccount(channel=channel, account=account, active=active, settings={}))
        return self

    def location(self, location_id: str, kind: str = "warehouse", **fields: object) -> Shop:
        add_location(self.database, location_id, kind, **fields)
        return self

    def stock(self, sku: str, location_id: str, units: int, *, safety: int = 0) -> Shop:
        with self.database.session() as session:
            adjust(session, sku, location_id, units, source="test")
            if safety:
                set_safety_stock(session, sku, location_id, safety, source="test")
        return self

    def incoming(self, sku: str, location_id: str, units: int, expected_on: date | None, reference: str) -> Shop:
        with self.database.session() as session:
            expect(
                session,
                sku,
                location_id,
                units,
                source_type=IncomingSource.PO,
                reference=reference,
                expected_on=expected_on,
                source="test",
            )
        return self

    def compute(
        self, rules: str | AvailabilityRules, skus: list[str] | None = None
    ) -> dict[tuple[str, str, str], Availability]:
        chosen = parse_rules(rules, "test.yaml") if isinstance(rules, str) else rules
        with self.database.session() as session:
            return compute(session, chosen, skus, today=TODAY)

    def quantities(self, rules: str | AvailabilityRules, skus: list[str] | None = None) -> dict[str, int]:
        """``{"channel/account SKU": quantity}`` for a compact comparison."""
        return {f"{c}/{a} {s}": found.quantity for (c, a, s), found in self.compute(rules, skus).items()}


@pytest.fixture
def shop(database: Database) -> Shop:
    return Shop(database)
