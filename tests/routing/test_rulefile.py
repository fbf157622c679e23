"""Rule files: the shipped rules, loading from files and directories, and the errors a merchant gets for a
mistake: each names the file, the path inside it and what to write instead."""

from __future__ import annotations

import json
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from hub.routing import RuleFileError, default_rules, load_rules, parse_rules, routing_schema
from hub.routing.rulefile import parse_duration
from hub.routing.ruleset import Match
from hub.routing.steps import registered

REPO = Path(__file__).resolve().parents[2]


def rule_error(text: str) -> str:
    with pytest.raises(RuleFileError) as caught:
        parse_rules(textwrap.dedent(text), "rules.yaml")
    return str(caught.value)


def test_shipped_rules_validate_against_the_published_schema() -> None:
    shipped = yaml.safe_load((REPO / "hub" / "routing" / "rules" / "default.yaml").read_text())
    Draft202012Validator(routing_schema()).validate(shipped)
    rules = default_rules()
    assert [rule.name for rule in rules.rules] == ["pickup-in-store", "wholesale", "expedited", "standard"]
    assert rules.rules[-1].when == Match()  # the last rule takes every order
    assert all(rule.source == "default.yaml (shipped)" for rule in rules.rules)


def test_the_schema_describes_exactly_the_registered_steps() -> None:
    schema = routing_schema()
    for kind in ("filter", "sort"):
        listed = schema["$defs"][f"{kind}_step"]["properties"][kind]["enum"]
        assert sorted(listed) == sorted(registered(kind)), kind
        for name in listed:
            assert f"{kind}.{name}" in schema["$defs"], f"no parameters described for {kind} {name}"


def test_the_published_schema_file_is_the_one_loaded() -> None:
    published = json.loads((REPO / "schemas" / "routing.schema.json").read_text())
    assert published == routing_schema()
    Draft202012Validator.check_schema(published)


def test_unknown_filter_names_file_path_rule_and_the_known_filters() -> None:
    message = rule_error(
        """
        rules:
          - name: fast
            pipeline:
              - filter: can_ship
              - filter: can_fly
        """
    )
    assert message.startswith("rules.yaml: rules[0].pipeline[1].filter (rule 'fast'): unknown filter 'can_fly'; ")
    assert "known filters: before_cutoff, can_pickup, can_ship," in message


def test_unknown_sort_lists_the_known_sorts() -> None:
    message = rule_error("rules: [{name: r, pipeline: [{sort: closest}]}]")
    assert message.startswith("rules.yaml: rules[0].pipeline[0].sort (rule 'r'): unknown sort 'closest'; known sorts:")
    assert "nearest" in message


def test_a_parameter_of_the_wrong_type_names_its_path() -> None:
    message = rule_error("rules: [{name: r, pipeline: [{filter: within_distance, km: far}]}]")
    assert message == (
        "rules.yaml: rules[0].pipeline[0].km (rule 'r'): 'far' is not of type 'number'. Largest distance in kilometres."
    )


def test_a_missing_parameter_is_named() -> None:
    message = rule_error("rules: [{name: r, pipeline: [{filter: within_distance}]}]")
    assert message == "rules.yaml: rules[0].pipeline[0] (rule 'r'): 'km' is a required property"


def test_an_unknown_parameter_lists_the_ones_the_step_takes() -> None:
    message = rule_error("rules: [{name: r, pipeline: [{sort: nearest, bucket: 5}]}]")
    assert (
        message
        == "rules.yaml: rules[0].pipeline[0] (rule 'r'): sort nearest takes no parameter 'bucket'; it takes: bucket_km"
    )
    message = rule_error("rules: [{name: r, pipeline: [{filter: can_ship, fast: true}]}]")
    assert message.endswith("filter can_ship takes no parameter 'fast'; it takes no parameters")


def test_a_step_that_is_neither_filter_nor_sort() -> None:
    message = rule_error("rules: [{name: r, pipeline: [{nearest: true}]}]")
    assert message == (
        "rules.yaml: rules[0].pipeline[0] (rule 'r'): a pipeline step names a filter or a sort, "
        "e.g. {filter: can_ship} or {sort: nearest}"
    )


def test_a_misspelt_location_kind() -> None:
    message = rule_error("rules: [{name: r, pipeline: [{filter: kind, include: [warhouse]}]}]")
    assert message == (
        "rules.yaml: rules[0].pipeline[0].include[0] (rule 'r'): "
        "'warhouse' is not one of: warehouse, store, 3pl, supplier"
    )


def test_a_bad_duration_explains_the_form() -> None:
    message = rule_error("rules: [{name: r, pipeline: [], policy: {auto_cancel_after: 3 days}}]")
    assert message.startswith("rules.yaml: rules[0].policy.auto_cancel_after (rule 'r'): '3 days' does not match")
    assert 'a number and a unit, m (minutes), h (hours), d (days) or w (weeks): "30m", "14d"' in message


def test_split_limit_must_be_positive() -> None:
    message = rule_error("rules: [{name: r, pipeline: [], policy: {allow_split: 0}}]")
    assert message == "rules.yaml: rules[0].policy.allow_split (rule 'r'): 0 is less than the minimum of 1"


def test_unknown_keys_and_missing_rules() -> None:
    assert rule_error("rule: []").startswith("rules.yaml: (top level): unknown key 'rule'; allowed here: version")
    assert rule_error("version: 1") == "rules.yaml: (top level): 'rules' is a required property"
    assert rule_error("rules: [{name: r, pipeline: [], when: {chanel: x}}]").startswith(
        "rules.yaml: rules[0].when (rule 'r'): unknown key 'chanel'; allowed here: channel, tags"
    )


def test_duplicate_rule_names_and_bad_yaml() -> None:
    assert rule_error("rules: [{name: a, pipeline: []}, {name: a, pipeline: []}]") == (
        "rules.yaml: rule name 'a' is used twice; give each rule its own name"
    )
    assert rule_error("rules: [{name: a, pipeline: [}").startswith("rules.yaml: not valid YAML at line 1, column")


def test_defaults_and_rule_policies_merge_over_the_schema_defaults() -> None:
    rules = parse_rules(
        textwrap.dedent(
            """
            defaults:
              policy: {allow_split: 3, allow_backorder: true, hold: {tags: [hold]}}
            rules:
              - {name: a, pipeline: [], policy: {allow_split: false, hold: {test_orders: false}}}
              - {name: b, pipeline: [{filter: before_cutoff}], policy: {allow_split: true}}
            """
        ),
        "rules.yaml",
    )
    first, second = rules.rules
    assert (first.policy.max_locations, first.policy.allow_backorder, first.policy.allow_dropship) == (1, True, False)
    assert first.policy.holds.tags == ("hold",) and first.policy.holds.test_orders is False
    assert second.policy.max_locations is None and second.policy.holds.test_orders is True
    assert second.policy.reroute_every == timedelta(hours=1) and second.policy.auto_cancel_after is None
    (step,) = second.pipeline
    assert step.params == {"if_none_left": "keep"} and step.label == "filter before_cutoff"


def test_durations() -> None:
    assert parse_duration("45m") == timedelta(minutes=45)
    assert parse_duration("2w") == timedelta(weeks=2)
    assert parse_duration(None) is None
    with pytest.raises(RuleFileError, match="not a duration"):
        parse_duration("1y")


def test_load_rules_from_a_directory_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "20-standard.yaml").write_text("rules: [{name: standard, pipeline: [{sort: nearest}]}]")
    (tmp_path / "10-vip.yml").write_text("rules: [{name: vip, when: {tags: vip}, pipeline: []}]")
    (tmp_path / "notes.txt").write_text("not a rule file")
    rules = load_rules(tmp_path)
    assert [rule.name for rule in rules.rules] == ["vip", "standard"]
    assert rules.rules[0].source.endswith("10-vip.yml")


def test_load_rules_errors_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("rules: [{name: same, pipeline: []}]")
    (tmp_path / "b.json").write_text('{"rules": [{"name": "same", "pipeline": []}]}')
    with pytest.raises(RuleFileError, match="rule name 'same' is used twice"):
        load_rules(tmp_path)
    (tmp_path / "b.json").write_text('{"rules": [{"name": "other", "pipeline": [{"sort": "fastest"}]}]}')
    with pytest.raises(RuleFileError) as caught:
        load_rules(tmp_path)
    assert str(caught.value).startswith(
        f"{tmp_path / 'b.json'}: rules[0].pipeline[0].sort (rule 'other'): unknown sort"
    )
    with pytest.raises(RuleFileError, match="cannot read the rule file: No such file or directory"):
        load_rules(tmp_path / "missing.yaml")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RuleFileError, match=r"no rule files \(\*.yaml, \*.yml, \*.json\) in this directory"):
        load_rules(empty)
