"""Many rows in one statement (``hub.db.bulk``): the rows stored are the ones an ``executemany`` of SQLAlchemy's
own insert or update would store, on both backends: ids in the order given, Python-side defaults and
``onupdate`` values filled, values through their column types, and an update that misses a guarded row
refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm.exc import StaleDataError

from hub.db.bulk import insert_rows, update_rows
from hub.db.models import ChannelAccount
from hub.db.session import Database
from tests.sql_statements import statements

ACCOUNTS = ChannelAccount.__table__
EASTERN = timezone(timedelta(hours=-5))


def _stored(database: Database) -> list[ChannelAccount]:
    with database.session(read_only=True) as session:
        return list(session.scalars(select(ChannelAccount).order_by(ChannelAccount.id)))


def _insert(database: Database, count: int, **extra: object) -> None:
    rows = [{"channel": "shopify", "account": f"shop-{n:03d}", **extra} for n in range(count)]
    with database.session() as session:
        insert_rows(session, ACCOUNTS, rows)


def test_inserted_rows_keep_their_order_and_get_their_defaults(database: Database) -> None:
    before = datetime.now(UTC)
    _insert(database, 120, settings={"shop": "x", "nested": [1, {"a": None}]}, watermark=None)
    stored = _stored(database)
    assert [row.account for row in stored] == [f"shop-{n:03d}" for n in range(120)]  # ids in the order given
    assert all(row.active is True for row in stored)  # scalar default
    assert all(row.created_at >= before and row.updated_at >= before for row in stored)  # callable default
    assert stored[7].settings == {"shop": "x", "nested": [1, {"a": None}]}
    assert stored[7].watermark is None


def test_instants_are_stored_in_utc_and_naive_ones_refused(database: Database) -> None:
    moment = datetime(2026, 11, 27, 9, 30, tzinfo=EASTERN)
    _insert(database, 2, watermark=moment)
    assert [row.watermark for row in _stored(database)] == [moment, moment]
    assert _stored(database)[0].watermark.tzinfo is not None  # type: ignore[union-attr]
    with pytest.raises((ValueError, StatementError), match="naive datetime"):  # SQLAlchemy wraps it on SQLite
        _insert(database, 1, watermark=datetime(2026, 11, 27, 9, 30))


def test_one_statement_for_the_whole_batch(database: Database) -> None:
    with statements() as sent, database.session() as session:
        insert_rows(session, ACCOUNTS, [{"channel": "woo", "account": f"site-{n}"} for n in range(50)])
        insert_rows(session, ACCOUNTS, [])
    assert len([s for s in sent if "channel_accounts" in s]) == 1


def test_update_sets_each_row_its_own_values_and_the_onupdate_column(database: Database) -> None:
    _insert(database, 3)
    stored = _stored(database)
    rows = [{"b_id": row.id, "settings": {"n": n}, "active": n != 1} for n, row in enumerate(stored)]
    with database.session() as session:
        update_rows(session, ACCOUNTS, rows, {"id": "b_id"})
    after = _stored(database)
    assert [row.settings for row in after] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [row.active for row in after] == [True, False, True]
    assert all(a.updated_at > b.updated_at for a, b in zip(after, stored, strict=True))
    assert [row.account for row in after] == [row.account for row in stored]  # columns not named stay


def test_an_update_whose_guard_no_longer_matches_is_refused(database: Database) -> None:
    _insert(database, 2)
    first, second = _stored(database)
    rows = [
        {"b_id": first.id, "b_account": "shop-000", "active": False},
        {"b_id": second.id, "b_account": "changed meanwhile", "active": False},
    ]
    with pytest.raises(StaleDataError, match="1 of 2 channel_accounts rows changed"):
        with database.session() as session:
            update_rows(session, ACCOUNTS, rows, {"id": "b_id", "account": "b_account"})
    assert [row.active for row in _stored(database)] == [True, True]  # the caller's transaction took it back


def test_rows_repeating_a_unique_key_are_skipped_and_the_inserted_ones_returned(database: Database) -> None:
    _insert(database, 1)  # shop-000 is stored already
    rows = [{"channel": "shopify", "account": name} for name in ("shop-new", "shop-000", "shop-other")]
    with database.session() as session:
        returned = insert_rows(session, ACCOUNTS, rows, skip_conflicts=["channel", "account"], returning=["account"])
    assert sorted(returned) == [("shop-new",), ("shop-other",)]
    assert [row.account for row in _stored(database)] == ["shop-000", "shop-new", "shop-other"]


def test_json_already_encoded_is_stored_as_given(database: Database) -> None:
    text = '{"b": [1, 2.50, "x"], "a": {"nested": true}}'
    with database.session() as session:
        insert_rows(
            session, ACCOUNTS, [{"channel": "woo", "account": "site", "settings": text}], json_text=["settings"]
        )
    assert _stored(database)[0].settings == {"a": {"nested": True}, "b": [1, 2.5, "x"]}


def test_a_value_longer_than_its_column_is_refused_never_cut(database: Database) -> None:
    long = "x" * 200  # channel_accounts.channel is VARCHAR(64)
    if database.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="too long"):
            with database.session() as session:
                insert_rows(session, ACCOUNTS, [{"channel": long, "account": "a"}])
        _insert(database, 1)
        rows = [{"b_id": _stored(database)[0].id, "channel": long}]
        with pytest.raises(DBAPIError, match="too long"):
            with database.session() as session:
                update_rows(session, ACCOUNTS, rows, {"id": "b_id"})
        assert [row.channel for row in _stored(database)] == ["shopify"]
    else:  # SQLite keeps text whole whatever the declared length
        with database.session() as session:
            insert_rows(session, ACCOUNTS, [{"channel": long, "account": "a"}])
        assert [row.channel for row in _stored(database)] == [long]
