"""Keyset paging never loses an order that an offset pager would skip when the list shifts mid-pull."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.channels.base import Pulled
from hub.channels.paging import keyset_pages

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class ShiftingList:
    """A channel's order list sorted by modification time; order A is modified right after page 1 is read."""

    def __init__(self) -> None:
        self.orders = {name: T0 + timedelta(minutes=index) for index, name in enumerate("ABCDEFG")}
        self.calls = 0

    def fetch(self, since: datetime | None, page: int, size: int = 3) -> list[Pulled]:
        self.calls += 1
        if self.calls == 2:
            self.orders["A"] = T0 + timedelta(hours=1)
        listed = sorted((at, name) for name, at in self.orders.items() if since is None or at >= since)
        chunk = listed[(page - 1) * size : page * size]
        return [Pulled(topic="order", key=f"{name}:{at.isoformat()}", body=b"{}", updated_at=at) for at, name in chunk]


def test_keyset_pages_read_every_order_despite_a_shift() -> None:
    channel = ShiftingList()
    seen = {pulled.key.split(":")[0] for pulled in keyset_pages(channel.fetch, None)}
    assert seen == set("ABCDEFG")


def test_offset_paging_would_have_missed_one() -> None:
    channel = ShiftingList()
    seen, page = set(), 1
    while batch := channel.fetch(None, page):
        seen |= {pulled.key.split(":")[0] for pulled in batch}
        page += 1
    assert seen != set("ABCDEFG")  # D slid onto page 1 after it was read


def test_a_full_page_of_one_instant_moves_on_by_page_number() -> None:
    same = [Pulled(topic="order", key=f"o{i}", body=b"{}", updated_at=T0) for i in range(7)]
    calls: list[tuple[datetime | None, int]] = []

    def fetch(since: datetime | None, page: int) -> list[Pulled]:
        calls.append((since, page))
        return same[(page - 1) * 3 : page * 3]

    assert [pulled.key for pulled in keyset_pages(fetch, T0)] == [f"o{i}" for i in range(7)]
    assert calls == [(T0, 1), (T0, 2), (T0, 3), (T0, 4)]
