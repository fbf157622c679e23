"""Mapping files: find them, check them once, and run them.

A mapping file is YAML (or JSON) under ``mappings/``, named by its path without the extension
(``shopify/order``). It says which canonical document it produces and how each field is built::

    document: order.v1
    description: Shopify REST order -> canonical order
    tables:
      financial_status: {paid: paid, pending: pending}
    fields:
      channel: {const: shopify}
      channel_order_id: {copy: id, as: string}
      payment_status: {lookup: financial_status, from: financial_status, default: unknown}
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hub.canonical import CanonicalModel, document_class
from hub.mapping.errors import MappingFileError, MappingInputError
from hub.mapping.functions import get_function
from hub.mapping.operations import Call, Lookup, Operation, Spec, compile_fields
from hub.resources import resource

SUFFIXES = (".yaml", ".yml", ".json")


class MappingFile(BaseModel):
    """The top level of a mapping file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document: str = Field(description="Canonical document produced, e.g. order.v1.")
    description: str = Field(default="", description="What the mapping reads and produces.")
    tables: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Lookup tables by name.")
    fields: dict[str, Spec] = Field(description="How each field of the document is built.")

    @model_validator(mode="after")
    def _references_exist(self) -> MappingFile:
        document_class(self.document)
        for operation in _walk(self.fields):
            if isinstance(operation, Lookup) and isinstance(operation.lookup, str):
                if operation.lookup not in self.tables:
                    raise ValueError(f"lookup names table {operation.lookup!r}, which `tables` does not define")
            if isinstance(operation, Call):
                get_function(operation.call)
        return self


def _walk(node: Any) -> Any:
    if isinstance(node, Operation):
        yield node
        for name in type(node).model_fields:
            yield from _walk(getattr(node, name))
    elif isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


class Mapping:
    """A loaded mapping: run it on input data to get a validated canonical document."""

    def __init__(self, name: str, spec: MappingFile) -> None:
        self.name = name
        self.spec = spec
        self.document_class = document_class(spec.document)
        self._build = compile_fields(spec.fields, spec.tables)

    def run(self, data: Any) -> dict[str, Any]:
        """The document as plain JSON data, before canonical validation."""
        return self._build(data, data)

    def __call__(self, data: Any) -> CanonicalModel:
        raw = self.run(data)
        try:
            return self.document_class.model_validate(raw)
        except ValidationError as exc:
            raise invalid_document(self.spec.document, exc) from None


def invalid_document(document: str, exc: ValidationError) -> MappingInputError:
    """One readable error naming every field path the canonical model refused."""
    problems = "; ".join(f"{_location(error['loc'])}: {error['msg']}" for error in exc.errors())
    return MappingInputError(f"the result is not a valid {document}: {problems}")


def _location(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def parse_mapping(name: str, text: str) -> Mapping:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingFileError(f"mapping {name}: not valid YAML: {exc}") from None
    try:
        return Mapping(name, MappingFile.model_validate(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        raise MappingFileError(f"mapping {name}: {_location(first['loc'])}: {message}") from None
    except (KeyError, MappingFileError) as exc:
        raise MappingFileError(f"mapping {name}: {exc}") from None


@cache
def load_mapping(name: str) -> Mapping:
    """The shipped mapping ``name`` (e.g. ``shopify/order``), parsed and checked once per process."""
    folder = resource("mappings")
    for suffix in SUFFIXES:
        candidate = folder.joinpath(*f"{name}{suffix}".split("/"))
        if candidate.is_file():
            return parse_mapping(name, candidate.read_text(encoding="utf-8"))
    raise MappingFileError(f"no mapping named {name!r} under mappings/")


def mapping_json_schema() -> dict[str, Any]:
    """JSON Schema of mapping files, for editors and CI (published as schemas/mapping.schema.json)."""
    schema = MappingFile.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://orderhub.dev/schemas/mapping.schema.json",
        **schema,
    }


def render_mapping_schema() -> str:
    return json.dumps(mapping_json_schema(), indent=2, sort_keys=True) + "\n"
