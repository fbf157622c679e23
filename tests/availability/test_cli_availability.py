"""``orderhub availability show`` and ``publish`` as an operator uses them (run through ``hub.cli.main``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.db.session import Database
from tests.availability.conftest import Shop
from tests.inventory.test_cli_inventory import Hub

RULES = """
channels:
  - channel: amazon
    share: {percent: 80}
    buffer: 1
  - channel: "*"
"""


@pytest.fixture
def hub(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Hub:
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    (tmp_path / "atp.yaml").write_text(RULES)
    monkeypatch.setenv("HUB_WORKER__AVAILABILITY_RULES", str(tmp_path / "atp.yaml"))
    shop = Shop(Database(database_url)).account("amazon").account("shopify").location("dal1")
    shop.stock("SKU-1", "dal1", 11).stock("SKU-2", "dal1", 3)
    shop.database.dispose()
    return Hub(capsys)


def test_show_prints_each_listing_with_how_it_was_reached(hub: Hub) -> None:
    assert hub("availability", "show", "--channel", "amazon", "--sku", "SKU-1") == (
        "amazon/main SKU-1: 7  (own: dal1 11 = 11, 80% = 8; buffer 1 held back -> 7; shown 7)\n"
    )
    lines = [json.loads(line) for line in hub("availability", "show", "--json").splitlines()]
    assert [(d["channel"], d["sku"], d["quantity"]) for d in lines] == [
        ("amazon", "SKU-1", 7),
        ("amazon", "SKU-2", 1),
        ("shopify", "SKU-1", 11),
        ("shopify", "SKU-2", 3),
    ]


def test_publish_prints_how_many_listings_changed(hub: Hub, tmp_path: Path) -> None:
    assert hub("availability", "publish") == "4 of 4 listings changed (run 1, all)\n"
    assert hub("availability", "publish") == "0 of 4 listings changed (run 2, all)\n"
    assert hub("availability", "publish", "--sku", "SKU-2") == "0 of 2 listings changed (run 3, skus)\n"
    (tmp_path / "cap.yaml").write_text("channels: [{channel: '*', share: {cap: 5}}]\n")
    assert hub("availability", "publish", "--rules", str(tmp_path / "cap.yaml")) == (
        "3 of 4 listings changed (run 4, all)\n"
    )


def test_a_broken_rule_file_is_one_line_and_records_nothing(hub: Hub, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("channels: [{channel: amazon, share: {percent: 180}}]\n")
    code, error = hub.fails("availability", "publish", "--rules", str(tmp_path / "bad.yaml"))
    assert code == 2
    assert error == (
        f"orderhub: {tmp_path / 'bad.yaml'}: channels[0].share.percent (amazon): 180 is greater than the maximum "
        "of 100\n"
    )
    assert hub("availability", "publish") == "4 of 4 listings changed (run 1, all)\n"
