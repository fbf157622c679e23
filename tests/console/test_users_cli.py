"""``orderhub user add|list|remove``: the password is prompted or read from a file, stored only as a hash."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from hub.cli import cli
from hub.console.users import log_in
from hub.db.models import ConsoleUser
from tests.cli.conftest import hub  # noqa: F401 - the fixture
from tests.cli.hub_runner import Hub

PASSWORD = "a long enough secret"


def test_add_list_and_remove(hub: Hub, tmp_path: Path) -> None:  # noqa: F811
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD + "\n")
    assert "added" in hub("user", "add", "Desk@Example.com", "--role", "operator", "--password-file", str(secret))
    prompted = CliRunner().invoke(
        cli, ["user", "add", "view@example.com", "--role", "viewer"], input="x" * 12 + "\n" + "x" * 12 + "\n"
    )
    assert prompted.exit_code == 0, prompted.output
    listed = hub("user", "list")
    assert "desk@example.com  operator" in listed and "view@example.com  viewer" in listed
    with hub.database.session() as session:
        stored = session.scalars(select(ConsoleUser).where(ConsoleUser.email == "desk@example.com")).one()
        assert PASSWORD not in stored.password_hash and stored.password_hash.startswith("scrypt:")
        assert log_in(session, "desk@example.com", PASSWORD, "127.0.0.1").role == "operator"
    assert "removed" in hub("user", "remove", "desk@example.com")
    assert "desk@example.com" not in hub("user", "list")


def test_bad_input_is_one_line(hub: Hub, tmp_path: Path) -> None:  # noqa: F811
    short = tmp_path / "short"
    short.write_text("short")
    code, err = hub.fails("user", "add", "ops@example.com", "--role", "viewer", "--password-file", str(short))
    assert code != 0 and "at least 10 characters" in err
    code, err = hub.fails("user", "add", "not-an-email", "--role", "viewer", "--password-file", str(short))
    assert code != 0 and "not an email address" in err
    code, err = hub.fails("user", "add", "ops@example.com", "--role", "viewer", "--password-file", str(tmp_path / "no"))
    assert code != 0 and "--password-file" in err
    code, err = hub.fails("user", "remove", "nobody@example.com")
    assert code != 0 and "no user" in err
    good = tmp_path / "good"
    good.write_text(PASSWORD)
    hub("user", "add", "ops@example.com", "--role", "viewer", "--password-file", str(good))
    code, err = hub.fails("user", "add", "OPS@example.com", "--role", "admin", "--password-file", str(good))
    assert code != 0 and "exists" in err
