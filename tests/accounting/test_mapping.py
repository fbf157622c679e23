"""Account mapping files: every problem refused with the file and the path inside it named."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.accounting.mapping import MappingFileError, load_mapping
from tests.accounting.builders import MAPPING


def write(tmp_path: Path, text: str, name: str = "mapping.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_the_codes_of_each_logical_account(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, MAPPING))
    assert mapping.code_for("revenue") == "4000"  # a YAML number is read as the code it spells
    assert mapping.code_for("tax:CA State Tax") == "2210"
    assert mapping.code_for("tax:VAT") == "2200"
    assert mapping.code_for("clearing:shopify:main") == "1210"  # by channel
    assert mapping.code_for("clearing:woocommerce:eu") == "1220"  # by channel account
    assert mapping.code_for("clearing:amazon:us") == "1200"  # the default
    assert mapping.code_for("rounding") == "4000"  # no rounding or other income account: revenue
    assert mapping.code_for("restocking_fees") == "4300"


@pytest.mark.parametrize(
    ("text", "name", "problem"),
    [
        (MAPPING.replace("  revenue: 4000\n", ""), "mapping.yaml", "accounts.revenue: Field required"),
        (MAPPING.replace('  default: "2200"\n', ""), "mapping.yaml", "tax.default is required"),
        (
            MAPPING.replace('  shopify: "1210"', "  shopify: ''"),
            "mapping.yaml",
            "clearing.shopify: an account code must not be empty",
        ),
        (MAPPING + "acounts: {}\n", "mapping.yaml", "acounts: Extra inputs are not permitted"),
        ("accounts: [\n", "mapping.yaml", "is not valid YAML"),
        ('{"accounts": 1}', "mapping.json", "accounts: Input should be a valid dictionary"),
        ("- just\n- a list\n", "mapping.yaml", "the top level must be a mapping"),
    ],
)
def test_a_bad_mapping_names_the_file_and_the_path(tmp_path: Path, text: str, name: str, problem: str) -> None:
    path = write(tmp_path, text, name)
    with pytest.raises(MappingFileError) as refused:
        load_mapping(path)
    assert str(refused.value).startswith(f"account mapping {path}")
    assert problem in str(refused.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(MappingFileError, match=f"account mapping {tmp_path}/nowhere.yaml cannot be read"):
        load_mapping(str(tmp_path / "nowhere.yaml"))
