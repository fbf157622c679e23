"""Recording available to sell: events only for real changes, the ledger watermark, the append-only events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DatabaseError

from hub.availability import PublishResult, Scope, default_rules, events_after, parse_rules, publish
from hub.db.models import AvailabilityEvent, PublishedAvailability
from hub.db.models.base import utcnow
from hub.inventory import adjust
from tests.availability.conftest import Shop

RULES = parse_rules(
    """
    channels:
      - channel: amazon
        share: {percent: 80}
      - channel: "*"
    """,
    "test.yaml",
)
LATER = timedelta(minutes=10)  # past the settle time, so a run's watermark takes in every entry before it


def _publish(shop: Shop, scope: Scope = Scope.ALL, *, reason: str = "test", **options: object) -> PublishResult:
    with shop.database.session() as session:
        return publish(session, RULES, reason=reason, scope=scope, now=utcnow() + LATER, **options)  # type: ignore[arg-type]


def _published(shop: Shop) -> dict[str, tuple[int, int]]:
    with shop.database.session() as session:
        rows = session.scalars(select(PublishedAvailability))
        return {f"{r.channel}/{r.account} {r.sku}": (r.quantity, r.preorder_quantity) for r in rows}


def test_first_publication_records_every_listing_and_a_recompute_with_nothing_changed_records_none(
    shop: Shop,
) -> None:
    shop.account("amazon").account("shopify").location("dal1").stock("SKU-1", "dal1", 10).stock("SKU-2", "dal1", 1)
    first = _publish(shop)
    assert (first.computed, first.changed) == (4, 4)
    assert _published(shop) == {
        "amazon/main SKU-1": (8, 0),
        "amazon/main SKU-2": (0, 0),
        "shopify/main SKU-1": (10, 0),
        "shopify/main SKU-2": (1, 0),
    }
    again = _publish(shop)
    assert (again.computed, again.changed) == (4, 0)
    with shop.database.session() as session:
        events = events_after(session)
    assert len(events) == 4
    assert all(event.old_quantity is None and event.reason == "test" for event in events)


def test_a_stock_change_records_old_and_new_figures_for_the_listings_it_moved(shop: Shop) -> None:
    shop.account("amazon").account("shopify").location("dal1").stock("SKU-1", "dal1", 10)
    shop.stock("SKU-2", "dal1", 5)
    _publish(shop)
    with shop.database.session() as session:
        seen = events_after(session)[-1].id
    shop.stock("SKU-1", "dal1", 1)  # 11 now: amazon 8 -> 8 (80%, rounded down), shopify 10 -> 11
    result = _publish(shop, reason="scheduled")
    assert result.changed == 1
    with shop.database.session() as session:
        (event,) = events_after(session, seen)
    assert (event.channel, event.sku, event.old_quantity, event.new_quantity) == ("shopify", "SKU-1", 10, 11)
    assert (event.reason, event.explanation) == ("scheduled", "own: dal1 11 = 11; shown 11")
    assert _published(shop)["shopify/main SKU-1"] == (11, 0)


def test_only_skus_whose_inventory_changed_since_the_last_run_are_recomputed(shop: Shop) -> None:
    shop.account("shopify").location("dal1")
    for sku in ("SKU-1", "SKU-2", "SKU-3"):
        shop.stock(sku, "dal1", 4)
    assert _publish(shop, Scope.CHANGED).computed == 3  # first run: every SKU in the ledger
    assert _publish(shop, Scope.CHANGED).computed == 0  # nothing since
    shop.stock("SKU-2", "dal1", -1)
    changed = _publish(shop, Scope.CHANGED)
    assert (changed.computed, changed.changed) == (1, 1)
    assert _published(shop)["shopify/main SKU-2"] == (3, 0)
    assert _publish(shop, Scope.CHANGED).computed == 0


def test_entries_too_recent_to_have_settled_are_read_again_by_the_next_run(shop: Shop) -> None:
    shop.account("shopify").location("dal1").stock("SKU-1", "dal1", 4)
    with shop.database.session() as session:
        early = publish(session, RULES, reason="test", scope=Scope.CHANGED)  # now: the entry is seconds old
    assert (early.computed, early.watermark) == (1, 0)
    again = _publish(shop, Scope.CHANGED)
    assert (again.computed, again.changed) == (1, 0)  # read again, nothing to record
    assert _publish(shop, Scope.CHANGED).computed == 0


def test_a_run_over_named_skus_leaves_the_watermark_for_the_changed_run(shop: Shop) -> None:
    shop.account("shopify").location("dal1").stock("SKU-1", "dal1", 4).stock("SKU-2", "dal1", 4)
    named = _publish(shop, Scope.SKUS, skus=["SKU-1"])
    assert (named.computed, named.watermark) == (1, 0)
    assert _published(shop) == {"shopify/main SKU-1": (4, 0)}
    changed = _publish(shop, Scope.CHANGED)
    assert (changed.computed, changed.changed) == (2, 1)


def test_a_rule_change_is_picked_up_by_a_full_run(shop: Shop) -> None:
    shop.account("amazon").location("dal1").stock("SKU-1", "dal1", 10)
    _publish(shop)
    with shop.database.session() as session:
        result = publish(session, default_rules(), reason="rules", now=utcnow() + LATER)
    assert result.changed == 1
    assert _published(shop) == {"amazon/main SKU-1": (10, 0)}


def test_change_events_are_append_only(shop: Shop) -> None:
    shop.account("shopify").location("dal1").stock("SKU-1", "dal1", 4)
    _publish(shop)
    with pytest.raises(DatabaseError, match="append-only"), shop.database.session() as session:
        session.execute(update(AvailabilityEvent).values(new_quantity=99))
    with pytest.raises(DatabaseError, match="append-only"), shop.database.session() as session:
        session.execute(text("DELETE FROM availability_events"))
    with shop.database.session() as session:
        assert [event.new_quantity for event in events_after(session)] == [4]


def test_publishing_runs_in_the_callers_transaction(shop: Shop) -> None:
    shop.account("shopify").location("dal1").stock("SKU-1", "dal1", 4)
    with pytest.raises(RuntimeError), shop.database.session() as session:
        adjust(session, "SKU-1", "dal1", 1, source="test")
        publish(session, RULES, reason="test")
        raise RuntimeError("the caller fails after publishing")
    assert _published(shop) == {}
    with shop.database.session() as session:
        assert events_after(session) == []
