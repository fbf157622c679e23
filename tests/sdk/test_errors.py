from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.sdk.errors import (
    AlreadyDelivered,
    ConfigurationError,
    PermanentError,
    TransientError,
    classify_http_status,
    parse_retry_after,
)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, None),
        (201, None),
        (204, None),
        (400, PermanentError),
        (401, ConfigurationError),
        (403, ConfigurationError),
        (404, PermanentError),
        (409, AlreadyDelivered),
        (422, PermanentError),
        (408, TransientError),
        (429, TransientError),
        (500, TransientError),
        (502, TransientError),
        (503, TransientError),
    ],
)
def test_http_status_classification(status: int, expected: type | None) -> None:
    error = classify_http_status(status, "detail")
    if expected is None:
        assert error is None
    else:
        assert type(error) is expected
        assert error.status_code == status and f"HTTP {status}" in str(error)


def test_retry_after_in_seconds_or_http_date() -> None:
    assert parse_retry_after("120") == 120.0
    now = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Sun, 22 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("garbage") is None and parse_retry_after(None) is None
    error = classify_http_status(429, "slow down", retry_after="7")
    assert isinstance(error, TransientError) and error.retry_after == 7.0
