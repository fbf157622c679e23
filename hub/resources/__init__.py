"""Data shipped with the hub: ``schemas`` (JSON Schemas) and ``mappings`` (declarative mapping files).

In the repository they are the top-level ``schemas/`` and ``mappings/`` folders; the build maps them here.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def resource(kind: str) -> Traversable:
    """The folder of shipped data ``kind`` ("schemas" or "mappings"), in a checkout or an installed wheel."""
    return files(f"hub.resources.{kind}")
