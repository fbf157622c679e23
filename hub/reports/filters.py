"""What a report is asked for: a range of order days, a channel, a location; parsed once for every door.

Days are UTC calendar days and both ends are included: ``--from 2026-11-01 --to 2026-11-30`` is every order
placed in November. The console, the CSV download, the CLI and the API all turn their text into a
``ReportFilters`` here, so a bad day reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from hub.errors import InputRejected

MAX_TEXT = 128


@dataclass(frozen=True)
class ReportFilters:
    start: date | None = None  # first day included
    end: date | None = None  # last day included
    channel: str | None = None
    location: str | None = None

    @property
    def placed_from(self) -> datetime | None:
        return datetime.combine(self.start, time(), UTC) if self.start else None

    @property
    def placed_before(self) -> datetime | None:
        """The instant after the last day: orders are placed strictly before it."""
        return datetime.combine(self.end + timedelta(days=1), time(), UTC) if self.end else None

    def as_query(self) -> dict[str, str]:
        """The filters as the console's and the API's query parameters (blank ones left out)."""
        values = {"from": self.start, "to": self.end, "channel": self.channel, "location": self.location}
        return {name: str(value) for name, value in values.items() if value}


def parse_day(name: str, text: str | None) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputRejected(f"{name} {text.strip()[:40]!r} is not a day: give it as YYYY-MM-DD") from None


def parse_text(name: str, text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    if len(text) > MAX_TEXT or "\x00" in text:
        raise InputRejected(f"{name} is not a valid name (at most {MAX_TEXT} characters)")
    return text.strip()


def make_filters(
    start: date | None, end: date | None, channel: str | None = None, location: str | None = None
) -> ReportFilters:
    if start and end and start > end:
        raise InputRejected(f"from {start} is after to {end}: the range would hold no day")
    return ReportFilters(start, end, channel, location)


def parse_filters(values: Mapping[str, str | None], prefix: str = "") -> ReportFilters:
    """Filters from text (a query string or command-line options): ``from``, ``to``, ``channel``, ``location``.
    ``prefix`` is how the user wrote the names ("--" on the command line), so an error names what they typed."""
    return make_filters(
        parse_day(f"{prefix}from", values.get("from")),
        parse_day(f"{prefix}to", values.get("to")),
        parse_text(f"{prefix}channel", values.get("channel")),
        parse_text(f"{prefix}location", values.get("location")),
    )
