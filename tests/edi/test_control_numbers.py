"""Control numbers are persistent per partner and kind, and never handed out twice, even under concurrency."""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

import pytest
from sqlalchemy import update

from hub.db.models import ControlNumber, Partner
from hub.db.session import Database
from hub.edi.control_numbers import WRAP, Kind, NumberSource, allocate, draw, format_number, peek

THREADS = 8
PROCESSES = 4
DRAWS = 25


def add_partner(database: Database, partner_id: str = "acme") -> None:
    with database.session() as session:
        session.add(Partner(id=partner_id, name=partner_id.title(), kind="trading_partner", profile={}))


def test_each_partner_and_kind_counts_on_its_own_from_one(database: Database) -> None:
    add_partner(database, "acme")
    add_partner(database, "globex")
    numbers = NumberSource(database, "acme")
    assert [numbers(Kind.ISA13) for _ in range(3)] == [1, 2, 3]
    assert [numbers(Kind.GS06), numbers(Kind.ST02)] == [1, 1]
    assert allocate(database, "globex", Kind.ISA13) == [1]
    assert allocate(database, "acme", Kind.ISA13, count=4) == [4, 5, 6, 7]
    with database.session() as session:
        assert peek(session, "acme", Kind.ISA13) == 7
        assert peek(session, "globex", Kind.GS06) == 0


def test_numbers_survive_a_new_engine(database_url: str) -> None:
    first = Database(database_url)
    add_partner(first)
    allocate(first, "acme", Kind.ISA13, count=5)
    first.dispose()
    second = Database(database_url)
    try:
        assert allocate(second, "acme", Kind.ISA13) == [6]
    finally:
        second.dispose()


def test_a_draw_rolled_back_with_its_transaction_is_not_spent(database: Database) -> None:
    add_partner(database)
    with pytest.raises(RuntimeError), database.session() as session:
        assert draw(session, "acme", Kind.ISA13) == [1]
        raise RuntimeError("sending failed before commit")
    assert allocate(database, "acme", Kind.ISA13) == [1]


def test_isa13_wraps_from_999999999_to_1_and_never_issues_0(database: Database) -> None:
    add_partner(database)
    allocate(database, "acme", Kind.ISA13)
    with database.session() as session:
        session.execute(update(ControlNumber).values(value=WRAP - 2))
    assert allocate(database, "acme", Kind.ISA13) == [999_999_998]
    assert allocate(database, "acme", Kind.ISA13, count=3) == [999_999_999, 1, 2]
    assert format_number(Kind.ISA13, 999_999_999) == "999999999"


def test_numbers_are_written_the_way_x12_wants_them() -> None:
    assert format_number(Kind.ISA13, 57) == "000000057"
    assert format_number(Kind.GS06, 57) == "57"
    assert format_number(Kind.ST02, 57) == "0057"
    assert format_number(Kind.ST02, 123456) == "123456"


def test_a_partner_must_exist(database: Database) -> None:
    with pytest.raises(Exception, match="(?i)foreign key"):
        allocate(database, "nobody", Kind.ISA13)


def test_threads_drawing_at_once_get_every_number_exactly_once(database: Database) -> None:
    add_partner(database)
    start = threading.Barrier(THREADS)  # all begin together, before the row exists: the first-use race too
    drawn: list[list[int]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            start.wait()
            for _ in range(DRAWS):
                drawn[index] += allocate(database, "acme", Kind.ST02)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = [n for batch in drawn for n in batch]
    assert sorted(numbers) == list(range(1, THREADS * DRAWS + 1))  # no duplicates, no gaps
    assert all(batch == sorted(batch) for batch in drawn)  # each drawer sees its numbers increase


def _draw_in_process(url: str, start: Any, draws: int) -> list[int]:  # start: a Manager().Event()
    database = Database(url)
    try:
        start.wait(timeout=60)
        return [allocate(database, "acme", Kind.ISA13)[0] for _ in range(draws)]
    finally:
        database.dispose()


def test_processes_drawing_at_once_get_every_number_exactly_once(database_url: str) -> None:
    database = Database(database_url)
    add_partner(database)
    database.dispose()
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(PROCESSES) as pool:
        start = manager.Event()
        pending = [pool.apply_async(_draw_in_process, (database_url, start, DRAWS)) for _ in range(PROCESSES)]
        start.set()
        batches = [result.get(timeout=120) for result in pending]
    numbers = [n for batch in batches for n in batch]
    assert sorted(numbers) == list(range(1, PROCESSES * DRAWS + 1))
    assert all(len(batch) == DRAWS for batch in batches)
