"""Ship-by days: the channel's own day wins, else the channel account's "ships within N business days"
promise, the same whichever way the order is written; the late filter and the late-shipments report see
orders judged by a promise; ``orderhub channel add/update --ship-within-days`` sets it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.canonical import Order
from hub.channels.new_orders import NewOrders
from hub.db.models import ChannelAccount, OrderRecord
from hub.db.session import Database
from hub.orders.ship_by import add_business_days, ship_by
from hub.orders.store import add_order
from hub.reports import ReportFilters, run_report
from tests.api.conftest import Api, api  # noqa: F401 - the api fixture
from tests.api.data import failed_message
from tests.routing.builders import order_data

FRIDAY = date(2026, 3, 6)


@pytest.mark.parametrize(
    ("placed", "days", "due"),
    [
        (date(2026, 3, 2), 2, date(2026, 3, 4)),  # Monday + 2: Wednesday
        (FRIDAY, 1, date(2026, 3, 9)),  # Friday + 1: Monday
        (FRIDAY, 3, date(2026, 3, 11)),  # Friday + 3: Wednesday
        (date(2026, 3, 7), 1, date(2026, 3, 9)),  # Saturday + 1: Monday
        (date(2026, 3, 8), 2, date(2026, 3, 10)),  # Sunday + 2: Tuesday
        (date(2026, 3, 7), 0, date(2026, 3, 9)),  # Saturday, same day: Monday
        (date(2026, 3, 4), 0, date(2026, 3, 4)),  # Wednesday, same day
        (date(2026, 3, 4), 5, date(2026, 3, 11)),  # a whole week
    ],
)
def test_business_days_skip_weekends(placed: date, days: int, due: date) -> None:
    assert add_business_days(placed, days) == due


def test_the_day_is_the_utc_day_and_the_channels_own_day_wins() -> None:
    late_friday_in_california = datetime(2026, 3, 6, 17, 30, tzinfo=UTC) + timedelta(hours=8)  # Saturday in UTC
    assert ship_by(None, late_friday_in_california, 1) == date(2026, 3, 9)
    assert ship_by(date(2026, 3, 20), late_friday_in_california, 1) == date(2026, 3, 20)
    assert ship_by(None, late_friday_in_california, None) is None


def add_account(database: Database, channel: str, account: str, **settings: Any) -> None:
    with database.session() as session:
        session.add(ChannelAccount(channel=channel, account=account, settings=settings))


def order(number: str, placed_at: str, **fields: Any) -> Order:
    short = {
        "channel_order_id": number,
        "placed_at": placed_at,
        "lines": [{"line_id": "1", "sku": "MUG", "quantity": 1}],
        "ship_to": {"country": "US", "region": "NY", "postal_code": "10001"},
        **fields,
    }
    return Order.model_validate(order_data(short))


def stored_ship_by(database: Database) -> dict[str, date | None]:
    with database.session() as session:
        return {row.channel_order_id: row.ship_by for row in session.scalars(select(OrderRecord))}


def test_both_write_paths_give_the_same_day(database: Database) -> None:
    add_account(database, "shopify", "main", ship_within_days=2)
    add_account(database, "shopify", "quiet")  # promises nothing
    friday = "2026-03-06T15:00:00Z"
    with database.session() as session:  # one by one, as a lone message is applied
        add_order(session, order("one-1", friday), account="main")
        add_order(session, order("one-2", friday, requested_ship_date="2026-03-20"), account="main")
        add_order(session, order("one-3", friday), account="quiet")
    new = NewOrders()  # a chunk's new orders, written together
    asked = order("many-2", friday, requested_ship_date="2026-03-20")
    new.add(failed_message(database), "orders/create", "main", [order("many-1", friday), asked])
    new.add(failed_message(database), "orders/create", "quiet", [order("many-3", friday)])
    with database.session() as session:
        new.write(session)
    found = stored_ship_by(database)
    tuesday, asked = date(2026, 3, 10), date(2026, 3, 20)
    assert found == {
        "one-1": tuesday,
        "one-2": asked,
        "one-3": None,
        "many-1": tuesday,
        "many-2": asked,
        "many-3": None,
    }


def test_promised_orders_show_as_late_in_the_list_and_the_report(api: Api) -> None:  # noqa: F811
    add_account(api.database, "woocommerce", "main", ship_within_days=1)
    placed = (datetime.now(UTC) - timedelta(days=10)).isoformat()
    with api.database.session() as session:
        overdue = add_order(session, order("7", placed, channel="woocommerce"), account="main").id
        add_order(session, order("8", datetime.now(UTC).isoformat(), channel="woocommerce"), account="main")
    token = api.token("read")
    response = api.get("/orders?late=true", token)
    assert [item["id"] for item in response.get_json()["items"]] == [overdue]
    with api.database.session() as session:
        (row,) = run_report(session, "late-shipments", ReportFilters()).records()
    assert (row["channel"], row["promised"], row["open_late"], row["on_time_rate"]) == ("woocommerce", 2, 1, 0.0)


def cli(database_url: str, tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {**os.environ, "HUB_DATABASE_URL": database_url, "HUB_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "hub", "channel", *args], env=env, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stdout + done.stderr


def promise_of(database: Database, account: str) -> object:
    with database.session() as session:
        row = session.scalars(select(ChannelAccount).where(ChannelAccount.account == account)).one()
        return row.settings.get("ship_within_days", "unset")


def test_the_command_sets_changes_and_removes_the_promise(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    assert cli(database_url, tmp_path, "add", "shopify", "s1", "--ship-within-days", "2")[0] == 0
    assert promise_of(database, "s1") == 2
    code, output = cli(database_url, tmp_path, "update", "shopify", "s1", "--ship-within-days", "two")
    assert code != 0 and output.count("\n") == 1 and "--ship-within-days" in output and "'two'" in output, output
    assert promise_of(database, "s1") == 2
    code, output = cli(database_url, tmp_path, "update", "shopify", "s1", "--set", "ship_within_days=45")
    assert code != 0 and "ship_within_days" in output and "0 to 30" in output, output
    assert cli(database_url, tmp_path, "update", "shopify", "s1", "--ship-within-days", "0")[0] == 0
    assert promise_of(database, "s1") == 0
    assert cli(database_url, tmp_path, "update", "shopify", "s1", "--ship-within-days", "none")[0] == 0
    assert promise_of(database, "s1") == "unset"
    code, output = cli(database_url, tmp_path, "update", "shopify", "nobody", "--ship-within-days", "1")
    assert code != 0 and "channel add" in output and output.count("\n") == 1, output
