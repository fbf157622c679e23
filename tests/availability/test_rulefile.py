"""Rule files: what they become, and errors that name the file, the path inside it and what to change."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from hub.availability import (
    AvailabilityRulesError,
    ShareMode,
    availability_schema,
    default_rules,
    load_rules,
    parse_rules,
)


def _error(text: str) -> str:
    with pytest.raises(AvailabilityRulesError) as refused:
        parse_rules(text, "atp.yaml")
    return str(refused.value)


def test_a_rule_file_becomes_rules_with_overrides_laid_over_the_channel_settings() -> None:
    rules = parse_rules(
        """
        version: 1
        shares: exclusive
        channels:
          - channel: shopify
            account: main
            share: {percent: 80, cap: 500}
            buffer: 2
            dropship: {count: true, percent: 50}
            preorder: {incoming_within_days: 30}
            overrides:
              SKU-1: {buffer: 0, preorder: 12}
              "CLEAR-*": {listed: false}
        """,
        "atp.yaml",
    )
    assert rules.mode is ShareMode.EXCLUSIVE
    rule = rules.rule_for("shopify", "main")
    assert rule is not None and rule.label == "atp.yaml: channels[0] (shopify/main)"
    assert (rule.terms.percent, rule.terms.cap, rule.terms.buffer) == (Decimal(80), 500, 2)
    assert (rule.terms.dropship, rule.terms.dropship_percent, rule.terms.preorder_days) == (True, Decimal(50), 30)
    one = rule.terms_for("SKU-1")
    assert (one.buffer, one.preorder_fixed, one.percent, one.cap) == (0, 12, Decimal(80), 500)
    assert rule.terms_for("CLEAR-7").listed is False and rule.terms_for("SKU-2") is rule.terms
    assert rules.rule_for("shopify", "other") is None and set(rule.overrides) == {"SKU-1"}


def test_the_shipped_rules_cover_every_channel_with_all_own_stock() -> None:
    rules = default_rules()
    rule = rules.rule_for("anything", "at-all")
    assert rule is not None and rule.channel == "*"
    assert (rule.terms.percent, rule.terms.dropship, rule.terms.buffer) == (Decimal(100), False, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "channels: [{channel: amazon, share: {percent: 120}}]",
            "atp.yaml: channels[0].share.percent (amazon): 120 is greater than the maximum of 100",
        ),
        (
            "channels: [{channel: amazon, bufer: 2}]",
            "atp.yaml: channels[0] (amazon): unknown key 'bufer'; allowed here: channel, account, description, "
            "locations, share, buffer, floor, dropship, preorder, overrides",
        ),
        (
            "channels: [{channel: ebay, locations: {kinds: [depot]}}]",
            "atp.yaml: channels[0].locations.kinds[0] (ebay): 'depot' is not one of: warehouse, store, 3pl, supplier",
        ),
        (
            "channels: [{channel: Shopify}]",
            "atp.yaml: channels[0].channel (Shopify): 'Shopify' is not a channel name: lower-case letters, digits, "
            "'_', '.', '-', or '*'",
        ),
        (
            "channels: [{channel: etsy, overrides: {SKU-1: {preorder: -1}}}]",
            "atp.yaml: channels[0].overrides.SKU-1.preorder (etsy): -1 is less than the minimum of 0",
        ),
        (
            "channels: [{channel: etsy, preorder: {percent: 50}}]",
            "atp.yaml: channels[0].preorder (etsy): 'incoming_within_days' is a required property; add it",
        ),
        (
            "channel: etsy",
            "atp.yaml: (top level): unknown key 'channel'; allowed here: version, description, shares, channels",
        ),
        ("version: 1", "atp.yaml: (top level): 'channels' is a required property; add it"),
        ("channels: [{channel: etsy}\n", "atp.yaml: not valid YAML or JSON at line 2, column 1:"),
        (
            "channels: [{channel: etsy, share: {cap: 1}}, {channel: etsy, buffer: 1}]",
            "atp.yaml: channels[1] (etsy): atp.yaml: channels[0] (etsy) already sets the rules for this channel; "
            "keep one rule for it",
        ),
        (
            "channels: [{channel: '*', account: main}]",
            "atp.yaml: channels[0] (*/main): an account needs its channel; name the channel, not '*'",
        ),
    ],
)
def test_mistakes_are_reported_with_the_file_and_the_path_inside_it(text: str, message: str) -> None:
    assert _error(text).startswith(message)


def test_a_directory_of_rule_files_is_read_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "10-marketplaces.yaml").write_text("channels: [{channel: amazon, share: {percent: 20}}]\n")
    (tmp_path / "20-rest.json").write_text('{"channels": [{"channel": "*"}]}')
    (tmp_path / "notes.txt").write_text("not a rule file")
    rules = load_rules(tmp_path)
    assert [rule.channel for rule in rules.rules] == ["amazon", "*"]
    assert rules.sources == (str(tmp_path / "10-marketplaces.yaml"), str(tmp_path / "20-rest.json"))


def test_directory_files_must_not_repeat_a_channel_or_disagree_on_shares(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("channels: [{channel: amazon}]\n")
    (tmp_path / "b.yaml").write_text("channels: [{channel: amazon, buffer: 1}]\n")
    with pytest.raises(AvailabilityRulesError, match=r"b.yaml: channels\[0\] \(amazon\): .*a.yaml: channels\[0\]"):
        load_rules(tmp_path)
    (tmp_path / "b.yaml").write_text("shares: exclusive\nchannels: [{channel: ebay}]\n")
    with pytest.raises(AvailabilityRulesError, match="the files disagree on shares"):
        load_rules(tmp_path)


def test_missing_and_empty_places_are_reported(tmp_path: Path) -> None:
    with pytest.raises(AvailabilityRulesError, match="no rule files"):
        load_rules(tmp_path)
    with pytest.raises(AvailabilityRulesError, match="cannot read the rule file"):
        load_rules(tmp_path / "absent.yaml")


def test_the_published_schema_is_a_valid_json_schema_with_a_description_for_editors() -> None:
    schema = availability_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith("availability.schema.json") and schema["properties"]["shares"]["default"] == "overlap"
