"""``orderhub subscriber`` as an operator uses it: a secret made and shown once, private URLs refused unless
allowed, rotation, and a disabled subscriber saying why."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hub.delivery.destinations import pause
from tests.cli.hub_runner import Hub


def test_add_makes_a_secret_file_readable_by_its_owner_only_and_shows_it_once(hub: Hub, tmp_path: Path) -> None:
    out = hub(
        "subscriber",
        "add",
        "erp",
        "http://127.0.0.1:9/hooks",
        "--events",
        "order.shipped,order.created",
        "--allow-private-network",
    )
    assert "added subscriber erp" in out
    shown = out.split("shown once): ")[1].strip()
    assert shown.startswith("whsec_")
    [secret_file] = (tmp_path / "secrets").iterdir()
    assert secret_file.read_text().strip() == shown
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    [view] = hub.json("subscriber", "list")
    assert view["url"] == "http://127.0.0.1:9/hooks"
    assert view["events"] == ["order.shipped", "order.created"] and view["secrets"] == ["secret"]
    assert shown not in hub("subscriber", "list")


def test_a_private_url_is_refused_without_the_admin_flag(hub: Hub) -> None:
    code, err = hub.fails("subscriber", "add", "erp", "http://127.0.0.1:9/hooks")
    assert code != 0 and "loopback" in err
    assert hub.json("subscriber", "list") == []  # nothing half-saved


def test_unknown_event_types_are_refused_naming_them(hub: Hub) -> None:
    code, err = hub.fails(
        "subscriber", "add", "erp", "http://127.0.0.1:9/h", "--events", "order.exploded", "--allow-private-network"
    )
    assert code != 0 and "order.exploded" in err


def test_rotation_signs_with_both_until_finished(hub: Hub) -> None:
    hub("subscriber", "add", "erp", "http://127.0.0.1:9/hooks", "--allow-private-network")
    out = hub("subscriber", "rotate", "erp")
    assert "new and the previous secret" in out and "whsec_" in out
    assert hub.json("subscriber", "list")[0]["secrets"] == ["previous_secret", "secret"]
    hub("subscriber", "rotate", "erp", "--finish")
    assert hub.json("subscriber", "list")[0]["secrets"] == ["secret"]


def test_a_disabled_subscriber_says_why_and_can_be_resumed(hub: Hub) -> None:
    hub("subscriber", "add", "erp", "http://127.0.0.1:9/hooks", "--allow-private-network")
    with hub.database.session() as session:
        pause(session, "events:erp", "disabled: every attempt of the published schedule failed")
    assert "paused: disabled: every attempt" in hub("subscriber", "list")
    assert "resumed" in hub("subscriber", "resume", "erp")
    assert hub.json("subscriber", "list")[0]["paused"] is False
    assert "removed" in hub("subscriber", "remove", "erp")
    assert hub.json("subscriber", "list")[0]["active"] is False
