"""The console fixture of tests/console, for the report pages."""

from tests.console.conftest import console  # noqa: F401 - a fixture, found by name
