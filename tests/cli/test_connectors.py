"""``orderhub connector`` and ``orderhub location add --fulfilled-by`` as an operator uses them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hub.db.models import Partner
from hub.inventory import adjust, parse_location, save_location
from tests.cli.hub_runner import Hub
from tests.processes import hub_env


def test_list_shows_installed_connectors_accounts_and_unfulfilled_locations(hub: Hub) -> None:
    listing = hub.json("connector", "list")
    fake = next(c for c in listing["connectors"] if c["name"] == "fake-3pl")
    assert fake == {"name": "fake-3pl", "kind": "3pl", "capabilities": ["submit_fulfillment", "webhooks"]}
    assert listing["accounts"] == [] and listing["warnings"] == []

    hub("connector", "add", "fake-3pl", "main", "--set", "base_url=https://3pl.test", "--secret", "api_key=env:K")
    hub("connector", "pause", "fake-3pl", "main", "--reason", "stocktake until Monday")
    with hub.database.session() as session:
        save_location(session, parse_location({"id": "dal1", "name": "Dallas", "kind": "warehouse"}))
        adjust(session, "LAMP", "dal1", 6, source="test")
    listing = hub.json("connector", "list")
    (account,) = listing["accounts"]
    assert account["destination"] == "fake-3pl:main" and account["paused"] is True
    assert account["paused_reason"] == "stocktake until Monday" and account["breaker"] == "closed"
    (warning,) = listing["warnings"]
    assert warning.startswith("location dal1 holds 6 units on hand but nobody fulfils it")

    text = hub("connector", "list")
    assert "fake-3pl:main" in text and "paused: stocktake until Monday" in text
    assert "warning: location dal1 holds 6 units" in text

    hub("location", "add", "dal1", "--fulfilled-by", "fake-3pl:main")
    assert hub.json("connector", "list")["warnings"] == []
    resumed = hub("connector", "resume", "fake-3pl", "main")
    assert "resumed fake-3pl:main" in resumed
    assert hub.json("connector", "list")["accounts"][0]["paused"] is False


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_add_validates_settings_and_show_prints_only_references(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    code, err = hub.fails("connector", "add", "fake-3pl", "main", "--secret", "api_key=env:FAKE_KEY")
    assert code == 2 and "fake-3pl settings are not valid: base_url: Field required" in err
    code, err = hub.fails("connector", "add", "fake-3pl", "main", "--set", "base_url=x", "--set", "api_key=s3cr3t")
    assert code == 2 and "api_key of fake-3pl is a secret: give a reference with --secret" in err
    code, err = hub.fails("connector", "add", "fake-3pl", "main", "--set", "base_url=x", "--secret", "api_key=s3cr3t")
    assert code == 2 and "must be a reference of the form env:NAME or file:PATH" in err and "s3cr3t" not in err
    code, err = hub.fails("connector", "add", "nosuch", "main")
    assert code == 2 and "no connector named 'nosuch'; known connectors:" in err and "fake-3pl" in err
    code, err = hub.fails("connector", "add", "fake-3pl", "main", "--set", "store_id")
    assert code == 2 and "--set 'store_id' is not KEY=VALUE" in err

    added = hub(
        "connector", "add", "fake-3pl", "main", "--set", "base_url=https://3pl.test", "--secret", "api_key=env:FAKE_KEY"
    )
    assert "added connector account fake-3pl:main" in added
    assert "/webhooks/connectors/fake-3pl/main" in added
    assert "updated" in hub("connector", "add", "fake-3pl", "main", "--set", "store_id=12")

    monkeypatch.setenv("FAKE_KEY", "s3cr3t-value")
    shown = hub.json("connector", "show", "fake-3pl", "main")
    assert shown["settings"] == {"base_url": "https://3pl.test", "store_id": "12"}
    assert shown["secrets"] == {"api_key": "env:FAKE_KEY"} and shown["paused"] is False
    text = hub("connector", "show", "fake-3pl", "main")
    assert "api_key = <secret from env:FAKE_KEY>" in text and "s3cr3t-value" not in text
    code, err = hub.fails("connector", "show", "fake-3pl", "other")
    assert code == 2 and "no connector account 'fake-3pl:other'" in err


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_check_runs_the_connectors_check_and_fails_in_one_line(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    hub(
        "connector", "add", "fake-3pl", "main", "--set", "base_url=https://3pl.test", "--secret", "api_key=env:FAKE_KEY"
    )
    code, err = hub.fails("connector", "check", "fake-3pl", "main")
    assert code == 1 and "check of fake-3pl:main failed" in err and "FAKE_KEY is not set" in err
    monkeypatch.setenv("FAKE_KEY", "wrong")
    code, err = hub.fails("connector", "check", "fake-3pl", "main")
    assert code == 1 and "check of fake-3pl:main failed (configuration): HTTP 401" in err
    monkeypatch.setenv("FAKE_KEY", "right")
    assert hub("connector", "check", "fake-3pl", "main").strip() == "fake-3pl:main: ok"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_location_fulfilled_by_is_checked_and_shown(hub: Hub) -> None:
    with hub.database.session() as session:
        session.add(Partner(id="ACME", name="Acme", kind="3pl", profile={}))
    hub("connector", "add", "fake-3pl", "east", "--set", "base_url=https://3pl.test", "--secret", "api_key=env:K")
    base = ["location", "add", "nyc1", "--name", "Newark", "--kind", "warehouse"]
    code, err = hub.fails(*base, "--fulfilled-by", "fake-3pl:west")
    assert code == 2 and "no connector account 'fake-3pl:west'; add it first" in err
    code, err = hub.fails(*base, "--fulfilled-by", "edi:NOBODY")
    assert code == 2 and "no trading partner 'NOBODY'" in err
    code, err = hub.fails(*base, "--fulfilled-by", "a warehouse")
    assert code == 2 and "fulfilled_by" in err
    assert "fulfilled by fake-3pl:east" in hub(*base, "--fulfilled-by", "fake-3pl:east")
    assert '"fulfilled_by": "fake-3pl:east"' in hub("location", "show", "nyc1")
    hub("location", "add", "nyc1", "--priority", "5")  # other options keep who fulfils it
    assert '"fulfilled_by": "fake-3pl:east"' in hub("location", "list")
    hub("location", "add", "nyc1", "--fulfilled-by", "edi:ACME")
    assert '"fulfilled_by": "edi:ACME"' in hub("location", "list")
    hub("location", "add", "nyc1", "--fulfilled-by", "self")
    assert '"fulfilled_by": "self"' in hub("location", "show", "nyc1")
    hub("location", "add", "nyc1", "--fulfilled-by", "none")
    assert '"fulfilled_by": null' in hub("location", "list")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unknown_account_is_one_line_from_the_real_command(database_url: str, tmp_path: Path) -> None:
    env = hub_env(HUB_DATABASE_URL=database_url, HUB_DATA_DIR=str(tmp_path))
    for args in (["connector", "check", "shipstation", "nope"], ["connector", "pause", "shipstation", "nope"]):
        result = subprocess.run(
            [sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("orderhub: no") and "'shipstation:nope'" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_x12_partners_deliveries_pause_and_resume_like_an_accounts(hub: Hub) -> None:
    with hub.database.session() as session:
        session.add(Partner(id="ACME", name="Acme", kind="3pl", profile={}))
    assert "paused edi:ACME: 997s late" in hub("connector", "pause", "edi", "ACME", "--reason", "997s late")
    (listed,) = hub.json("connector", "list")["accounts"]
    assert (listed["destination"], listed["paused"], listed["paused_reason"]) == ("edi:ACME", True, "997s late")
    assert "resumed edi:ACME" in hub("connector", "resume", "edi", "ACME")
    code, err = hub.fails("connector", "pause", "edi", "NOBODY")
    assert code == 2 and "'edi:NOBODY'" in err
