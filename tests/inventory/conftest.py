"""Fixtures for the inventory tests: a migrated database on each backend with locations in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.canonical import InventoryAdvice
from hub.db.session import Database
from hub.edi.documents import to_documents
from hub.edi.reader import read_interchanges
from hub.inventory import Level, get_level, parse_location, save_location
from hub.inventory.ledger import totals

SAMPLE_846 = Path(__file__).parents[1] / "edi" / "spec_samples" / "846_4010.x12"


def add_location(database: Database, location_id: str, kind: str = "warehouse", **fields: Any) -> str:
    document = {
        "id": location_id,
        "name": f"{kind} {location_id}",
        "kind": kind,
        "capabilities": ["ship"],
        "postal_region": "US:752",
    } | fields
    with database.session() as session:
        save_location(session, parse_location(document))
    return location_id


@pytest.fixture
def warehouse(database: Database) -> str:
    return add_location(database, "dal1")


def level_of(database: Database, sku: str, location_id: str) -> Level:
    """The level as stored, after checking that its ledger explains it bucket by bucket (read without the
    write lock: callers check it while a transaction of theirs is open)."""
    with database.session(read_only=True) as session:
        level = get_level(session, sku, location_id)
        sums = totals(session, sku, location_id)
    assert {str(bucket): total for bucket, total in sums.items()} == {
        str(bucket): level.value(bucket) for bucket in sums
    }, "the ledger does not sum to the level"
    return level


def sample_advice() -> InventoryAdvice:
    """The project's 846 sample with a QTY 63 (100 on order, due 2024-02-01 by its SCH) for the first item."""
    data = SAMPLE_846.read_bytes().replace(b"QTY*33*120*EA~", b"QTY*33*120*EA~\nQTY*63*100*EA~")
    (interchange,) = read_interchanges(data.replace(b"SE*15*0001", b"SE*16*0001"))
    (group,) = interchange.groups
    (transaction,) = group.transactions
    (advice,) = to_documents(transaction, group, interchange)
    assert isinstance(advice, InventoryAdvice)
    return advice
