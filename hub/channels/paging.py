"""Reading a channel's order list sorted by modification time without missing an order.

Paging such a list by number (page=2, offset=100) is not safe: an order modified during the pull moves to the
end of the list and shifts an unread order onto a page already read, and since its modification time is
older than the new watermark, no later pull reads it either. ``keyset_pages`` instead asks again from the
newest modification time it has seen (the boundary orders come back again and are no-ops by their dedupe
key), and falls back to the next page number only while a page brings nothing newer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from hub.channels.base import Pulled

Fetch = Callable[[datetime | None, int], list[Any]]


def keyset_pages(
    fetch: Fetch, since: datetime | None, convert: Callable[[Any], Pulled] = lambda item: item
) -> Iterator[Pulled]:
    """``fetch(modified_since, page_number)`` returns one page (inclusive of ``modified_since``), oldest first;
    ``convert`` turns each listed item into a Pulled, one at a time, so what was read before a failure is kept.

    Only an empty page ends the read: a server may cap a page below the size asked for, so a short page
    proves nothing. The last orders are therefore asked for once more (no-ops), and then the empty page.
    """
    cursor, page = since, 1
    while True:
        batch = fetch(cursor, page)
        if not batch:
            return
        newest: datetime | None = None
        for item in batch:
            pulled = convert(item)
            if pulled.updated_at is not None and (newest is None or pulled.updated_at > newest):
                newest = pulled.updated_at
            yield pulled
        if newest is None or (cursor is not None and newest <= cursor):
            page += 1  # nothing newer on this page: only a page number gets past it
        else:
            cursor, page = newest, 1
