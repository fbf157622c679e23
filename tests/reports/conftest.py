"""The console and API fixtures of tests/console and tests/api, for the report pages and endpoint."""

from tests.api.conftest import api  # noqa: F401 - fixtures, found by name
from tests.console.conftest import console  # noqa: F401
