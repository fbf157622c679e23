"""JSON Schema for the canonical documents: generate from the models, export to files, validate data.

The models are the source of truth; the files in ``schemas/canonical/`` are generated from them and
committed so integrators (and non-Python tools) can validate documents without this package.
A test fails when the committed files drift from the models.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from hub.resources import resource

from .errors import DocumentValidationError
from .registry import DOCUMENTS, document_class

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID_BASE = "https://orderhub.dev/schemas/canonical/"


def schema_dir() -> Path:
    """The folder holding the published canonical schemas: ``schemas/canonical`` in a checkout, the same
    files as ``hub.resources.schemas`` in an installed wheel. The only place that knows where they live."""
    return Path(str(resource("schemas") / "canonical"))


def generate_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of document ``name``, describing its JSON serialization."""
    body = document_class(name).model_json_schema(mode="serialization")
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": f"{SCHEMA_ID_BASE}{name}.json", **body}


def render_schema(name: str) -> str:
    """The text written to ``<name>.json``: sorted keys, two-space indent, trailing newline."""
    return json.dumps(generate_schema(name), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export_schemas(directory: str | os.PathLike[str]) -> list[Path]:
    """Write ``<name>.json`` for every registered document into ``directory``; return the paths written."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(DOCUMENTS):
        path = target / f"{name}.json"
        path.write_text(render_schema(name), encoding="utf-8")
        written.append(path)
    return written


def load_schema(name: str) -> dict[str, Any]:
    """The committed JSON Schema of document ``name``."""
    document_class(name)  # an unknown name gets the error listing known names, not a missing file
    path = schema_dir() / f"{name}.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing; run `orderhub schema export` to write it") from None
    schema: dict[str, Any] = json.loads(text)
    return schema


def _is_aware_datetime(value: object) -> bool:
    # jsonschema's own date-time check needs an optional package; RFC 3339 requires the offset, and
    # naive datetimes are exactly what the canonical model refuses, so check that here.
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value)
    return "T" in value.upper() and parsed.tzinfo is not None


def _format_checker() -> FormatChecker:
    checker = FormatChecker()
    checker.checks("date-time", raises=ValueError)(_is_aware_datetime)
    return checker


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name), format_checker=_format_checker())


def _error_path(error: ValidationError) -> str:
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "<document>"


def _explain(error: ValidationError) -> tuple[str, str]:
    # best_match descends into anyOf alternatives (every optional field is "X or null") to the error
    # that explains the failure; when no alternative stands out, list what each one wanted.
    best = best_match([error]) or error
    message = best.message
    if best.context:
        message += " (" + "; ".join(sorted({sub.message for sub in best.context})) + ")"
    return _error_path(best), message


def validate_document(name: str, data: Any) -> None:
    """Check JSON data against the committed schema of ``name``.

    Raises DocumentValidationError listing each failing path, e.g. ``lines[0].unit_price.amount``.
    """
    errors = list(_validator(name).iter_errors(data))
    if errors:
        raise DocumentValidationError(name, sorted(_explain(error) for error in errors))
