"""What each channel account may show, computed from stock stored on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.availability import SharesExceedStock, default_rules
from tests.availability.conftest import TODAY, Shop


def test_the_shipped_rules_show_every_own_location_to_every_channel_and_no_supplier_stock(shop: Shop) -> None:
    shop.account("shopify").account("amazon", "us")
    shop.location("dal1").location("nyc1", "store", postal_region="US:100").location("acme", "supplier")
    shop.stock("SKU-1", "dal1", 7).stock("SKU-1", "nyc1", 3).stock("SKU-1", "acme", 50)
    assert shop.quantities(default_rules()) == {"amazon/us SKU-1": 10, "shopify/main SKU-1": 10}
    explanation = shop.compute(default_rules())[("shopify", "main", "SKU-1")].explanation
    assert explanation == "own: dal1 7 + nyc1 3 = 10; shown 10"


def test_locations_feed_channels_by_id_kind_country_and_region(shop: Shop) -> None:
    for channel in ("shopify", "amazon", "ebay", "walmart"):
        shop.account(channel)
    shop.location("dal1").location("hou1", postal_region="US:770").location("nyc1", "store", postal_region="US:100")
    shop.location("lon1", "3pl", postal_region="GB:EC1")
    for location, units in (("dal1", 1), ("hou1", 10), ("nyc1", 100), ("lon1", 1000)):
        shop.stock("SKU-1", location, units)
    rules = """
    channels:
      - channel: shopify
        locations: {ids: [dal1, nyc1]}
      - channel: amazon
        locations: {kinds: [warehouse, 3pl], countries: [US]}
      - channel: ebay
        locations: {regions: ["US:75", "GB"]}
      - channel: walmart
        locations: {countries: [US], exclude: [hou1]}
    """
    assert shop.quantities(rules) == {
        "shopify/main SKU-1": 101,
        "amazon/main SKU-1": 11,
        "ebay/main SKU-1": 1001,
        "walmart/main SKU-1": 101,
    }


def test_a_marketplace_shown_80_percent_leaves_20_percent_held_back_rounding_down(shop: Shop) -> None:
    shop.account("amazon").account("shopify").location("dal1").stock("SKU-1", "dal1", 13)
    rules = """
    channels:
      - channel: amazon
        share: {percent: 80}
      - channel: "*"
    """
    found = shop.compute(rules)
    assert found[("amazon", "main", "SKU-1")].quantity == 10  # 10.4 rounded down: 3 units held back
    assert found[("shopify", "main", "SKU-1")].quantity == 13
    assert found[("amazon", "main", "SKU-1")].explanation == "own: dal1 13 = 13, 80% = 10; shown 10"


def test_a_fixed_cap_limits_what_a_channel_shows_and_never_adds_units(shop: Shop) -> None:
    shop.account("etsy").location("dal1").stock("SKU-BIG", "dal1", 500).stock("SKU-SMALL", "dal1", 4)
    rules = "channels: [{channel: etsy, share: {cap: 25}}]"
    assert shop.quantities(rules) == {"etsy/main SKU-BIG": 25, "etsy/main SKU-SMALL": 4}
    both = "channels: [{channel: etsy, share: {percent: 50, cap: 25}}]"
    assert shop.quantities(both) == {"etsy/main SKU-BIG": 25, "etsy/main SKU-SMALL": 2}


def test_a_buffer_holds_units_back_and_a_floor_hides_the_last_few(shop: Shop) -> None:
    shop.account("shopify").location("dal1")
    for sku, units in (("SKU-A", 10), ("SKU-B", 4), ("SKU-C", 2)):
        shop.stock(sku, "dal1", units)
    assert shop.quantities("channels: [{channel: shopify, buffer: 3}]") == {
        "shopify/main SKU-A": 7,
        "shopify/main SKU-B": 1,
        "shopify/main SKU-C": 0,
    }
    assert shop.quantities("channels: [{channel: shopify, floor: 4}]") == {
        "shopify/main SKU-A": 10,
        "shopify/main SKU-B": 4,
        "shopify/main SKU-C": 0,
    }
    found = shop.compute("channels: [{channel: shopify, buffer: 1, floor: 4}]")
    assert found[("shopify", "main", "SKU-B")].quantity == 0
    assert found[("shopify", "main", "SKU-B")].explanation.endswith("3 is below the floor of 4 -> 0; shown 0")


def test_supplier_stock_counts_only_where_drop_ship_is_on_with_its_own_share(shop: Shop) -> None:
    shop.account("shopify").account("amazon").account("ebay")
    shop.location("dal1").location("acme", "supplier").stock("SKU-1", "dal1", 10).stock("SKU-1", "acme", 41)
    rules = """
    channels:
      - channel: shopify
        dropship: {count: true}
      - channel: amazon
        share: {percent: 50}
        dropship: {count: true, percent: 25}
      - channel: ebay
        dropship: {count: false}
    """
    found = shop.compute(rules)
    assert {key[0]: value.quantity for key, value in found.items()} == {"shopify": 51, "amazon": 15, "ebay": 10}
    assert found[("amazon", "main", "SKU-1")].explanation == (
        "own: dal1 10 = 10, 50% = 5; drop-ship: acme 41 = 41, 25% = 10; shown 15"
    )


def test_pre_order_from_a_fixed_quantity_and_from_stock_expected_within_the_window(shop: Shop) -> None:
    shop.account("shopify").location("dal1").location("hou1", postal_region="US:770")
    shop.incoming("SKU-NEW", "dal1", 40, TODAY + timedelta(days=10), "PO-1")
    shop.incoming("SKU-NEW", "hou1", 15, TODAY + timedelta(days=30), "PO-2")
    shop.incoming("SKU-NEW", "hou1", 99, TODAY + timedelta(days=31), "PO-3")  # outside the window
    shop.incoming("SKU-NEW", "hou1", 77, None, "PO-4")  # no date: not promised
    shop.incoming("SKU-STOCKED", "dal1", 20, TODAY + timedelta(days=2), "PO-5")
    shop.stock("SKU-STOCKED", "dal1", 5)
    rules = """
    channels:
      - channel: shopify
        preorder: {incoming_within_days: 30, percent: 50}
        overrides:
          SKU-LAUNCH: {preorder: 200}
    """
    found = shop.compute(rules)
    new = found[("shopify", "main", "SKU-NEW")]
    assert (new.quantity, new.preorder_quantity) == (0, 27)  # (40 + 15) x 50%, rounded down
    assert new.explanation.endswith("pre-order 27: 55 expected by 2026-12-22, 50%")
    launch = found[("shopify", "main", "SKU-LAUNCH")]  # no stock row anywhere: named by its override
    assert (launch.quantity, launch.preorder_quantity) == (0, 200)
    stocked = found[("shopify", "main", "SKU-STOCKED")]
    assert (stocked.quantity, stocked.preorder_quantity) == (5, 0)  # in stock: sold as stock, not pre-order


def test_sku_overrides_replace_the_rule_for_exact_skus_before_patterns(shop: Shop) -> None:
    shop.account("amazon").location("dal1")
    for sku in ("SKU-1", "SKU-2", "CLEAR-1", "CLEAR-9"):
        shop.stock(sku, "dal1", 10)
    rules = """
    channels:
      - channel: amazon
        share: {percent: 50}
        buffer: 1
        overrides:
          "CLEAR-*": {listed: false}
          CLEAR-9: {share: {percent: 100}}
          SKU-2: {buffer: 0}
    """
    assert shop.quantities(rules) == {
        "amazon/main CLEAR-1": 0,
        "amazon/main CLEAR-9": 9,  # exact override over the pattern; the rule's buffer still applies
        "amazon/main SKU-1": 4,
        "amazon/main SKU-2": 5,
    }
    assert shop.compute(rules)[("amazon", "main", "CLEAR-1")].explanation == "not listed on this channel (override)"


def test_quantities_are_never_negative_and_an_over_committed_location_takes_nothing_from_others(shop: Shop) -> None:
    shop.account("shopify").location("dal1").location("hou1", postal_region="US:770")
    shop.stock("SKU-1", "dal1", 5, safety=9).stock("SKU-1", "hou1", 3)  # dal1 available: -4
    shop.stock("SKU-2", "dal1", 2)
    assert shop.quantities("channels: [{channel: shopify, buffer: 3}]") == {
        "shopify/main SKU-1": 0,
        "shopify/main SKU-2": 0,
    }
    assert shop.quantities(default_rules()) == {"shopify/main SKU-1": 3, "shopify/main SKU-2": 2}
    explanation = shop.compute(default_rules())[("shopify", "main", "SKU-1")].explanation
    assert explanation == "own: hou1 3 (none at dal1) = 3; shown 3"


def test_the_most_specific_rule_wins_and_inactive_or_uncovered_accounts_are_left_out(shop: Shop) -> None:
    shop.account("shopify", "eu").account("shopify", "us").account("amazon").account("ebay", "old", active=False)
    shop.location("dal1").stock("SKU-1", "dal1", 10)
    rules = """
    channels:
      - channel: shopify
        account: us
        share: {cap: 1}
      - channel: shopify
        share: {cap: 2}
      - channel: amazon
        share: {cap: 3}
    """
    assert shop.quantities(rules) == {"shopify/eu SKU-1": 2, "shopify/us SKU-1": 1, "amazon/main SKU-1": 3}


def test_only_the_skus_asked_for_are_computed(shop: Shop) -> None:
    shop.account("shopify").location("dal1").stock("SKU-1", "dal1", 1).stock("SKU-2", "dal1", 2)
    assert shop.quantities(default_rules(), ["SKU-2", "SKU-404"]) == {
        "shopify/main SKU-2": 2,
        "shopify/main SKU-404": 0,
    }


def test_exclusive_shares_never_sum_above_the_pool_and_rules_that_would_are_refused(shop: Shop) -> None:
    shop.account("amazon").account("shopify").account("ebay")
    shop.location("dal1").location("hou1", postal_region="US:770")
    shop.stock("SKU-1", "dal1", 33).stock("SKU-1", "hou1", 17)
    rules = """
    shares: exclusive
    channels:
      - channel: amazon
        share: {percent: 20}
      - channel: shopify
        share: {percent: 70}
      - channel: ebay
        locations: {ids: [hou1]}
        share: {percent: 10}
    """
    found = shop.quantities(rules)
    assert found == {"amazon/main SKU-1": 10, "shopify/main SKU-1": 35, "ebay/main SKU-1": 1}
    assert sum(found.values()) <= 50
    greedy = rules.replace("percent: 10}", "percent: 11}")
    with pytest.raises(SharesExceedStock) as refused:
        shop.compute(greedy)
    assert str(refused.value) == (
        "shares are exclusive, but location 'hou1' gives stock of SKU-1 to amazon/main 20%, ebay/main 11%, "
        "shopify/main 70%: 101% in all; lower the percentages to 100% in total, narrow the locations, "
        "or set shares: overlap"
    )


def test_an_override_that_breaks_exclusive_shares_is_refused_for_its_sku(shop: Shop) -> None:
    shop.account("amazon").account("shopify").location("dal1").stock("SKU-1", "dal1", 5).stock("HOT", "dal1", 5)
    rules = """
    shares: exclusive
    channels:
      - channel: amazon
        share: {percent: 40}
        overrides: {HOT: {share: {percent: 80}}}
      - channel: shopify
        share: {percent: 60}
    """
    with pytest.raises(SharesExceedStock, match="gives stock of HOT to amazon/main 80%, shopify/main 60%"):
        shop.compute(rules)
    assert shop.quantities(rules, ["SKU-1"]) == {"amazon/main SKU-1": 2, "shopify/main SKU-1": 3}
