"""The vocabulary of mapping files: each operation is a typed model that knows how to produce its value.

A field of the output is given by one operation object (``{copy: customer.email}``) or, as a shorthand, by
a path string (``customer.email``). Operations: ``copy``, ``const``, ``first``, ``lookup``, ``date``,
``sum``, ``money``, ``split``, ``call``, ``each`` and ``fields``. Any of them takes the modifiers ``default`` (used when
the value is missing or empty), ``as`` (string, integer, decimal, boolean) and ``required``.

Empty strings read as missing: channels send ``""`` where they mean "none" (Shopify SKUs, WooCommerce
addresses), and the canonical model has no empty strings. Fields whose value is missing are left out of the
output, so the canonical model's defaults apply.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from hub.mapping.errors import MappingInputError
from hub.mapping.functions import decimal_text, get_function, to_decimal
from hub.mapping.paths import read_path

Coercion = Literal["string", "integer", "decimal", "boolean"]


@dataclass(frozen=True)
class Scope:
    root: Any
    current: Any
    tables: dict[str, dict[str, Any]]
    field: str = ""

    def at(self, field: str) -> Scope:
        return replace(self, field=f"{self.field}.{field}" if self.field else field)

    def item(self, current: Any, index: int) -> Scope:
        return replace(self, current=current, field=f"{self.field}[{index}]")

    def read(self, path: str) -> Any:
        try:
            return blank_to_none(read_path(self.root, self.current, path))
        except MappingInputError as exc:
            raise MappingInputError(str(exc).split(": ", 1)[-1], field=self.field, source=path) from None

    def fail(self, message: str, source: str = "") -> MappingInputError:
        return MappingInputError(message, field=self.field, source=source)


def blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class Operation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    default: Any = Field(default=None, description="Value used when the operation yields nothing.")
    as_: Coercion | None = Field(default=None, alias="as", description="Convert the value to this type.")
    required: bool = Field(default=False, description="Fail when no value results (after the default).")

    def produce(self, scope: Scope) -> Any:
        raise NotImplementedError

    def apply(self, scope: Scope) -> Any:
        value = blank_to_none(self.produce(scope))
        if value is None or value == []:
            value = self.default
        if value is not None and self.as_ is not None:
            value = coerce(value, self.as_, scope)
        if value is None and self.required:
            source = self.copy_ if isinstance(self, Copy) else ""
            raise scope.fail("a value is required but the input has none", source=source)
        return value


class Copy(Operation):
    copy_: str = Field(alias="copy", description="Path of the input value.")  # `copy` would shadow BaseModel.copy

    def produce(self, scope: Scope) -> Any:
        return scope.read(self.copy_)


class Const(Operation):
    const: Any = Field(description="A fixed value.")

    def produce(self, scope: Scope) -> Any:
        return self.const


class First(Operation):
    first: list[Spec] = Field(min_length=1, description="The first of these that yields a value.")

    def produce(self, scope: Scope) -> Any:
        for candidate in self.first:
            value = evaluate(candidate, scope)
            if value is not None:
                return value
        return None


class Lookup(Operation):
    lookup: str | dict[str, Any] = Field(description="Name of a table in `tables`, or an inline table.")
    from_: Spec = Field(alias="from", description="The key to look up.")
    strict: bool = Field(default=False, description="Fail on a key the table lacks (otherwise: default).")

    def produce(self, scope: Scope) -> Any:
        key = evaluate(self.from_, scope)
        if key is None:
            return None
        table = scope.tables[self.lookup] if isinstance(self.lookup, str) else self.lookup
        text = str(key).lower() if isinstance(key, bool) else str(key)
        if text in table:
            return table[text]
        if self.strict:
            raise scope.fail(f"{key!r} is not one of {', '.join(map(repr, table))}")
        return None


class DateOp(Operation):
    date: Spec = Field(description="An ISO 8601 timestamp, a text in `format`, or an epoch number in `unit`.")
    format: str | None = Field(default=None, description="strptime format of the input text.")
    unit: Literal["s", "ms"] | None = Field(default=None, description="The input is an epoch number in this unit.")
    assume_tz: str | None = Field(default=None, description="Time zone for inputs that carry none (e.g. UTC).")
    date_only: bool = Field(default=False, description="Output the calendar day (YYYY-MM-DD) only.")

    def produce(self, scope: Scope) -> Any:
        raw = evaluate(self.date, scope)
        if raw is None:
            return None
        try:
            parsed = self._parse(raw)
        except (ValueError, OverflowError, TypeError) as exc:
            raise scope.fail(f"{raw!r} is not a date/time: {exc}") from None
        if self.date_only:
            return parsed.date().isoformat()
        if parsed.tzinfo is None:
            if self.assume_tz is None:
                raise scope.fail(f"{raw!r} has no time zone and the mapping gives no assume_tz")
            try:
                parsed = parsed.replace(tzinfo=ZoneInfo(self.assume_tz))
            except ZoneInfoNotFoundError:
                raise scope.fail(f"unknown time zone {self.assume_tz!r}") from None
        return parsed.isoformat()

    def _parse(self, raw: Any) -> datetime:
        if self.unit is not None:
            seconds = float(to_decimal(raw) or 0) / (1000 if self.unit == "ms" else 1)
            return datetime.fromtimestamp(seconds, tz=ZoneInfo("UTC"))
        text = str(raw).strip()
        if self.format:
            return datetime.strptime(text, self.format)
        return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)


class Sum(Operation):
    sum: list[Spec] = Field(min_length=1, description="Decimal sum of these values (lists are flattened).")

    def produce(self, scope: Scope) -> Any:
        total, seen = Decimal(0), False
        for part in self.sum:
            value = evaluate(part, scope)
            for item in value if isinstance(value, list) else [value]:
                try:
                    number = to_decimal(item)
                except ValueError as exc:
                    raise scope.fail(str(exc)) from None
                if number is not None:
                    total, seen = total + number, True
        return decimal_text(total) if seen else None


class MoneyOp(Operation):
    money: Spec = Field(description="The amount (a number or numeric text).")
    currency: Spec = Field(description="ISO 4217 code, e.g. a path such as $.currency.")

    def produce(self, scope: Scope) -> Any:
        try:
            amount = to_decimal(evaluate(self.money, scope))
        except ValueError as exc:
            raise scope.fail(str(exc)) from None
        if amount is None:
            return None
        return {"amount": decimal_text(amount), "currency": evaluate(self.currency, scope)}


class Split(Operation):
    split: Spec = Field(description="A text to cut into a list of trimmed, non-empty parts.")
    separator: str = Field(default=",", min_length=1)

    def produce(self, scope: Scope) -> Any:
        value = evaluate(self.split, scope)
        if value is None:
            return None
        if isinstance(value, list):
            return [str(part).strip() for part in value if str(part).strip()]
        return [part.strip() for part in str(value).split(self.separator) if part.strip()]


class Call(Operation):
    call: str = Field(description="Name of a registered mapping function (hub.mapping.functions).")
    args: list[Spec] = Field(default_factory=list, description="Arguments, each an operation or a path.")
    options: dict[str, Any] = Field(default_factory=dict, description="Constant keyword arguments.")

    def produce(self, scope: Scope) -> Any:
        function = get_function(self.call)
        arguments = [evaluate(argument, scope) for argument in self.args]
        try:
            return function(*arguments, **self.options)
        except ValueError as exc:
            raise scope.fail(f"{self.call}: {exc}") from None


class Where(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    equals: Any = None
    not_equals: Any = None
    present: bool | None = None

    def keeps(self, scope: Scope) -> bool:
        value = scope.read(self.path)
        if self.present is not None and (value is not None) != self.present:
            return False
        if self.equals is not None and value != self.equals:
            return False
        return self.not_equals is None or value != self.not_equals


class Each(Operation):
    each: str = Field(description="Path of a list; the rest applies to every item (paths are then relative).")
    fields: dict[str, Spec] | None = Field(default=None, description="Build an object per item.")
    value: Spec | None = Field(default=None, description="Build one value per item.")
    where: Where | None = Field(default=None, description="Keep only the items that pass this test.")

    def produce(self, scope: Scope) -> Any:
        items = scope.read(self.each)
        if items is None:
            return None
        if not isinstance(items, list):
            raise scope.fail(f"expected a list, found {type(items).__name__}", source=self.each)
        results = []
        for index, item in enumerate(items):
            inner = scope.item(item, index)
            if self.where is not None and not self.where.keeps(inner):
                continue
            result = build_object(self.fields, inner) if self.fields is not None else evaluate(self.value, inner)
            if result is not None:
                results.append(result)
        return results


class Fields(Operation):
    fields: dict[str, Spec] = Field(description="Build an object from these fields.")
    from_: str | None = Field(default=None, alias="from", description="Read paths relative to this one.")

    def produce(self, scope: Scope) -> Any:
        if self.from_ is not None:
            inner = scope.read(self.from_)
            if inner is None:
                return None
            scope = replace(scope, current=inner)
        return build_object(self.fields, scope) or None


OPERATION_KEYS = ("each", "copy", "const", "first", "lookup", "date", "sum", "money", "split", "call", "fields")


def _operation_tag(value: Any) -> str | None:
    if isinstance(value, str):
        return "path"
    if isinstance(value, Operation):
        return {
            Copy: "copy",
            Const: "const",
            First: "first",
            Lookup: "lookup",
            DateOp: "date",
            Sum: "sum",
            MoneyOp: "money",
            Split: "split",
            Call: "call",
            Each: "each",
            Fields: "fields",
        }[type(value)]
    if isinstance(value, dict):
        return next((key for key in OPERATION_KEYS if key in value), None)
    return None


Spec = Annotated[
    Annotated[str, Tag("path")]
    | Annotated[Copy, Tag("copy")]
    | Annotated[Const, Tag("const")]
    | Annotated[First, Tag("first")]
    | Annotated[Lookup, Tag("lookup")]
    | Annotated[DateOp, Tag("date")]
    | Annotated[Sum, Tag("sum")]
    | Annotated[MoneyOp, Tag("money")]
    | Annotated[Split, Tag("split")]
    | Annotated[Call, Tag("call")]
    | Annotated[Each, Tag("each")]
    | Annotated[Fields, Tag("fields")],
    Discriminator(
        _operation_tag,
        custom_error_type="unknown_operation",
        custom_error_message="expected a path or an object with one of: " + ", ".join(OPERATION_KEYS),
    ),
]

for _model in (First, Lookup, DateOp, Sum, MoneyOp, Split, Call, Each, Fields):
    _model.model_rebuild()


def evaluate(spec: Spec | None, scope: Scope) -> Any:
    if spec is None:
        return None
    if isinstance(spec, str):
        return scope.read(spec)
    return spec.apply(scope)


def build_object(fields: dict[str, Spec], scope: Scope) -> dict[str, Any]:
    result = {}
    for name, spec in fields.items():
        value = evaluate(spec, scope.at(name))
        if value is not None:
            result[name] = value
    return result


def coerce(value: Any, kind: Coercion, scope: Scope) -> Any:
    try:
        if kind == "string":
            return decimal_text(value) if isinstance(value, Decimal) else str(value)
        if kind == "decimal":
            number = to_decimal(value)
            return None if number is None else decimal_text(number)
        if kind == "integer":
            number = to_decimal(value)
            if number is None:
                return None
            if number != number.to_integral_value():
                raise ValueError(f"{value!r} is not a whole number")
            return int(number)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise ValueError(f"{value!r} is not a boolean")
    except ValueError as exc:
        raise scope.fail(str(exc)) from None
