"""Fixtures for the canonical model tests: realistic example documents kept as JSON beside the tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).parent / "examples"

LoadExample = Callable[[str], dict[str, Any]]


@pytest.fixture
def example() -> LoadExample:
    """Load ``examples/<document name>.json`` fresh, so a test may change its copy."""

    def load(name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
        return data

    return load


@pytest.fixture
def order_data(example: LoadExample) -> dict[str, Any]:
    """A Shopify-like order: USD shop currency, EUR presentment, a custom line without SKU, a gift card."""
    return example("order.v1")
