"""X12 dates (CCYYMMDD, format "%Y%m%d") read exactly as strptime reads them: the same day, the same refusal."""

from __future__ import annotations

from datetime import datetime

import pytest

from hub.mapping import MappingInputError, parse_mapping

MAPPING = """
document: order.v1
fields:
  day: {date: d, format: "%Y%m%d", date_only: true}
  at: {date: d, format: "%Y%m%d", assume_tz: UTC}
"""

VALID = ["20240115", "20241231", "20240229", "00010101", "99991231", "20241001", "20241110", "20240930", "2024011"]
INVALID = ["20240230", "20241301", "20240001", "20240100", "20241131", "00000101", "2024-01-15", "２０２４０１１５"]


@pytest.mark.parametrize("text", VALID)
def test_a_calendar_day_reads_as_strptime_reads_it(text: str) -> None:
    expected = datetime.strptime(text, "%Y%m%d")
    result = parse_mapping("days", MAPPING).run({"d": text})
    assert result == {"day": expected.date().isoformat(), "at": expected.isoformat() + "+00:00"}


@pytest.mark.parametrize("text", INVALID)
def test_a_text_that_is_no_calendar_day_is_refused_with_strptimes_reason(text: str) -> None:
    with pytest.raises(ValueError) as reason:
        datetime.strptime(text, "%Y%m%d")
    with pytest.raises(MappingInputError) as refused:
        parse_mapping("days", MAPPING).run({"d": text})
    assert refused.value.field == "day"
    assert str(reason.value) in str(refused.value)
