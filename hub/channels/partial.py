"""Part of an order, from a body that is not a whole one: an order's items alone, its address alone, a
notification that summarises a change.

Such a body cannot become an order.v1 (it lacks what the model requires), and filling the gaps would make up an
order. It is shown instead for what it carries: the fields a mapping builds from it (the channel's order mapping
restricted to the fields the fragment feeds, or a mapping written for the fragment), each checked against the
type order.v1 gives that field, so a partial holds exactly what the order would. A part that is whole (a line
with its prices) is validated whole, with its defaults; one that is not (a line that has only an id and a
quantity, an address without its country) is validated field by field.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from hub.canonical.lengths import explain_lengths
from hub.mapping import MappingFileError, MappingInputError, load_mapping
from hub.mapping.operations import compile_fields

ALL = ("*",)  # Topic.partial: every field of the mapping (a mapping written for the fragment)

Build = Callable[[Any, Any], dict[str, Any]]


def partial_document(mapping: str, fields: tuple[str, ...], data: Any) -> dict[str, Any]:
    """The fields ``fields`` (ALL: every one) of mapping ``mapping`` built from ``data``, each checked against its
    type in the mapping's document; MappingInputError naming the field for a value that does not fit."""
    build, document = _builder(mapping, fields)
    return _checked(document, build(data, data), "")


@cache
def _builder(name: str, fields: tuple[str, ...]) -> tuple[Build, type[BaseModel]]:
    mapping = load_mapping(name)
    specs = mapping.spec.fields
    unknown = [field for field in fields if field not in specs] if fields != ALL else []
    if unknown:
        raise MappingFileError(f"mapping {name} builds no field {', '.join(unknown)}")
    chosen = specs if fields == ALL else {field: specs[field] for field in fields}
    return compile_fields(chosen, mapping.spec.tables), mapping.document_class


def _checked(model: type[BaseModel], data: dict[str, Any], path: str) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for name, value in data.items():
        if value is None:  # what the fragment does not say (an amount's currency, stated on the order) is left out
            continue
        info = model.model_fields.get(name)
        if info is None:
            raise MappingFileError(f"{model.__name__} has no field {name!r}")
        shown[name] = _value(_declared(model, name), value, f"{path}.{name}" if path else name)
    return shown


@cache  # one annotation object per field, so its adapter is built once (see _adapter)
def _declared(model: type[BaseModel], name: str) -> Any:
    """The field's type with the rules the model holds for it: pydantic keeps a field's constraints and
    validators (a SKU's length limit, a quantity's minimum) beside its bare type, and a bare ``str`` or
    ``int`` would let through what the whole document refuses."""
    info = model.model_fields[name]
    return Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation


def _value(annotation: Any, value: Any, path: str) -> Any:
    adapter = _adapter(annotation)
    try:
        return adapter.dump_python(adapter.validate_python(value), mode="json")
    except ValidationError as exc:
        whole = explain_lengths(exc)
    annotation = _bare(annotation)
    model = _model_in(annotation)
    if model is not None and isinstance(value, dict):
        return _checked(model, value, path)
    if get_origin(annotation) is list and isinstance(value, list):
        (item,) = get_args(annotation)
        return [_value(item, entry, f"{path}[{index}]") for index, entry in enumerate(value)]
    error = whole.errors()[0]
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
    raise MappingInputError(error["msg"], field=f"{path}{where}")


def _bare(annotation: Any) -> Any:
    """``list[Line]`` for ``Annotated[list[Line], MinLen(1)]``: the shape, for walking into a value."""
    return get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds: ``Address`` for ``Address | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        models = [_model_in(option) for option in get_args(annotation)]
        found = [model for model in models if model is not None]
        return found[0] if len(found) == 1 else None
    return None


_adapters: dict[int, tuple[Any, TypeAdapter[Any]]] = {}


def _adapter(annotation: Any) -> TypeAdapter[Any]:
    # Keyed by identity: field annotations live as long as their models, and some (Annotated with field
    # metadata) cannot be hashed.
    cached = _adapters.get(id(annotation))
    if cached is None or cached[0] is not annotation:
        cached = (annotation, TypeAdapter(annotation))
        _adapters[id(annotation)] = cached
    return cached[1]
