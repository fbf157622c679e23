"""Rule files the operator edits (routing, available to sell): YAML or JSON, one file or a directory of them.

The formats differ, the reading does not: a path is one file, or every ``*.yaml``/``*.yml``/``*.json`` of a
directory in name order; a file that cannot be read or parsed gives one error naming it and, for bad YAML,
the line and column. Each caller passes its own error class, so its errors stay in its own tree.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

SUFFIXES = (".yaml", ".yml", ".json")

ErrorFactory = Callable[[str], Exception]


def rule_files(path: Path, error: ErrorFactory) -> list[Path]:
    """``path`` itself, or the rule files of the directory ``path`` in name order (at least one)."""
    if not path.is_dir():
        return [path]
    found = sorted(item for item in path.iterdir() if item.suffix in SUFFIXES and item.is_file())
    if not found:
        raise error(f"{path}: no rule files (*.yaml, *.yml, *.json) in this directory")
    return found


def read_rule_file(path: Path, error: ErrorFactory) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read the rule file: {getattr(exc, 'strerror', None) or exc}") from None


def parse_yaml(text: str, source: str, error: ErrorFactory, *, what: str = "YAML") -> Any:
    """The data in ``text`` (JSON is YAML, so one reader serves both); ``what`` names the format in errors."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{source}: not valid {what}{where}: {problem}") from None
