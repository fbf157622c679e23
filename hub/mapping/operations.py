"""The vocabulary of mapping files: each operation is a typed model that knows how to produce its value.

A field of the output is given by one operation object (``{copy: customer.email}``) or, as a shorthand, by
a path string (``customer.email``). Operations: ``copy``, ``const``, ``first``, ``lookup``, ``date``,
``sum``, ``money``, ``split``, ``call``, ``each`` and ``fields``. Any of them takes the modifiers ``default`` (used when
the value is missing or empty), ``as`` (string, integer, decimal, boolean) and ``required``.

Operations are compiled once, when the mapping is loaded, into plain closures ``(root, current) -> value``:
a mapping runs for every inbound document, so the per-field work is only what the field needs. An error
raised deep inside names its output field as it travels up (``lines[3].unit_price``).

Empty strings read as missing: channels send ``""`` where they mean "none" (Shopify SKUs, WooCommerce
addresses), and the canonical model has no empty strings. Fields whose value is missing are left out of the
output, so the canonical model's defaults apply.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from hub.mapping.errors import MappingInputError
from hub.mapping.functions import decimal_text, get_function, to_decimal
from hub.mapping.functions.core import shown
from hub.mapping.paths import parse_path, read_parts

Coercion = Literal["string", "integer", "decimal", "boolean"]
MAX_INTEGER_DIGITS = 18  # `as: integer` gives a quantity or a count: it must fit a 64-bit column


DAY_FORMAT = "%Y%m%d"  # CCYYMMDD, every X12 date

Fn = Callable[[Any, Any], Any]  # compiled operation: (input root, current item) -> value or None
Tables = dict[str, dict[str, Any]]


def within(exc: MappingInputError, part: str) -> MappingInputError:
    """The error as seen one level up: ``part`` (a field name or ``[index]``) put before its field path."""
    inner = exc.field
    field = part + ("." + inner if inner and not inner.startswith("[") else inner)
    return MappingInputError(exc.message, field=field, source=exc.source)


def reader(path: str, clean: Callable[[Any], Any] | None = None) -> Fn:
    """A compiled path read: missing values, nulls and blank strings read as None (and whatever else
    ``clean`` turns to None: ``present`` also drops empty lists)."""
    from_root, parts = parse_path(path)
    finish = blank_to_none if clean is None else clean
    lists = clean is not None  # whether a value that is neither text nor None still needs ``clean``
    if len(parts) == 1 and isinstance(parts[0], str):
        key = parts[0]

        def read_key(root: Any, current: Any) -> Any:
            if from_root:
                current = root
            if isinstance(current, dict):
                value = current.get(key)
                if isinstance(value, str):  # text, as nearly every value is: cleaned here, without a call
                    return value.strip() or None
                return finish(value) if lists and value is not None else value
            return finish(read_parts(current, parts, path))

        return read_key
    if len(parts) == 2 and isinstance(parts[0], str) and isinstance(parts[1], str):
        first, second = parts  # "BEG.03": a segment's element, the commonest path of all

        def read_pair(root: Any, current: Any) -> Any:
            if from_root:
                current = root
            if isinstance(current, dict):
                inner = current.get(first)
                if isinstance(inner, dict):
                    value = inner.get(second)
                    if isinstance(value, str):
                        return value.strip() or None
                    return finish(value) if lists and value is not None else value
                if inner is None:
                    return None
            return finish(read_parts(current, parts, path))

        return read_pair

    def read(root: Any, current: Any) -> Any:
        return finish(read_parts(root if from_root else current, parts, path))

    return read


def _nothing(root: Any, current: Any) -> Any:
    return None


def blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def present(value: Any) -> Any:
    """What a field gets from a value: blank text and an empty list read as missing (None)."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list) and not value:
        return None
    return value


_LOOSE = (str, list)  # the values ``present`` may change; every other value is taken as it is


class Operation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    default: Any = Field(default=None, description="Value used when the operation yields nothing.")
    as_: Coercion | None = Field(default=None, alias="as", description="Convert the value to this type.")
    required: bool = Field(default=False, description="Fail when no value results (after the default).")

    # Whether the producer's value is already what a field gets (never blank text or an empty list), so no
    # pass of ``present`` is needed over it.
    presents: ClassVar[bool] = False

    def producer(self, tables: Tables) -> Fn:
        """The operation's own work, compiled; the modifiers are added by :meth:`compile`."""
        raise NotImplementedError

    def presented(self, tables: Tables) -> Fn:
        """The operation without modifiers: its producer's value as a field gets it (see ``present``)."""
        produce = self.producer(tables)
        if self.presents:
            return produce

        def plain(root: Any, current: Any) -> Any:
            value = produce(root, current)
            if isinstance(value, str):
                return value.strip() or None
            return None if isinstance(value, list) and not value else value

        return plain

    def compile(self, tables: Tables) -> Fn:
        """The producer with the modifiers, in the least work each combination needs: a mapping runs for
        every inbound document, and most fields have no modifier or a default only."""
        default, kind, required, presents = self.default, self.as_, self.required, self.presents
        if default is None and kind is None and not required:
            return self.presented(tables)
        produce = self.producer(tables)
        if kind is None and not required:

            def defaulted(root: Any, current: Any) -> Any:
                value = produce(root, current)
                if not presents and isinstance(value, _LOOSE):
                    value = value.strip() or None if isinstance(value, str) else present(value)
                return default if value is None else value

            return defaulted
        source = self.copy_ if isinstance(self, Copy) else ""

        def modified(root: Any, current: Any) -> Any:
            value = produce(root, current)
            if not presents and isinstance(value, _LOOSE):
                value = value.strip() or None if isinstance(value, str) else present(value)
            if value is None:
                value = default
            if value is not None and kind is not None:
                value = coerce(value, kind)
            if value is None and required:
                raise MappingInputError("a value is required but the input has none", source=source)
            return value

        return modified


class Copy(Operation):
    copy_: str = Field(alias="copy", description="Path of the input value.")  # `copy` would shadow BaseModel.copy
    presents: ClassVar[bool] = True  # its read drops blank text and empty lists itself

    def producer(self, tables: Tables) -> Fn:
        return reader(self.copy_, present)


class Const(Operation):
    const: Any = Field(description="A fixed value.")

    def producer(self, tables: Tables) -> Fn:
        const = self.const
        return lambda root, current: const


class First(Operation):
    first: list[Spec] = Field(min_length=1, description="The first of these that yields a value.")

    def producer(self, tables: Tables) -> Fn:
        candidates = [compile_spec(candidate, tables) for candidate in self.first]

        def first(root: Any, current: Any) -> Any:
            for candidate in candidates:
                value = candidate(root, current)
                if value is not None:
                    return value
            return None

        return first


class Lookup(Operation):
    lookup: str | dict[str, Any] = Field(description="Name of a table in `tables`, or an inline table.")
    from_: Spec = Field(alias="from", description="The key to look up.")
    strict: bool = Field(default=False, description="Fail on a key the table lacks (otherwise: default).")

    def producer(self, tables: Tables) -> Fn:
        key_of = compile_spec(self.from_, tables)
        table = tables[self.lookup] if isinstance(self.lookup, str) else self.lookup
        strict = self.strict

        def lookup(root: Any, current: Any) -> Any:
            key = key_of(root, current)
            if key is None:
                return None
            text = str(key).lower() if isinstance(key, bool) else str(key)
            if text in table:
                return table[text]
            if strict:
                raise MappingInputError(f"{shown(key)} is not one of {', '.join(map(repr, table))}")
            return None

        return lookup


class DateOp(Operation):
    presents: ClassVar[bool] = True  # an ISO text or None
    date: Spec = Field(description="An ISO 8601 timestamp, a text in `format`, or an epoch number in `unit`.")
    format: str | None = Field(default=None, description="strptime format of the input text.")
    unit: Literal["s", "ms"] | None = Field(default=None, description="The input is an epoch number in this unit.")
    assume_tz: str | None = Field(default=None, description="Time zone for inputs that carry none (e.g. UTC).")
    date_only: bool = Field(default=False, description="Output the calendar day (YYYY-MM-DD) only.")

    def producer(self, tables: Tables) -> Fn:
        raw_of = compile_spec(self.date, tables)
        return lambda root, current: self._convert(raw_of(root, current))

    def _convert(self, raw: Any) -> Any:
        if raw is None:
            return None
        try:
            parsed = self._parse(raw)
        except (ValueError, OverflowError, TypeError) as exc:
            reason = f": {exc}" if len(str(exc)) <= 80 else ""  # some reasons repeat the whole input
            raise MappingInputError(f"{shown(raw)} is not a date/time{reason}") from None
        if self.date_only:
            return parsed.date().isoformat()
        if parsed.tzinfo is None:
            if self.assume_tz is None:
                raise MappingInputError(f"{shown(raw)} has no time zone and the mapping gives no assume_tz")
            try:
                parsed = parsed.replace(tzinfo=ZoneInfo(self.assume_tz))
            except ZoneInfoNotFoundError:
                raise MappingInputError(f"unknown time zone {self.assume_tz!r}") from None
        return parsed.isoformat()

    def _parse(self, raw: Any) -> datetime:
        if self.unit is not None:
            seconds = float(to_decimal(raw) or 0) / (1000 if self.unit == "ms" else 1)
            return datetime.fromtimestamp(seconds, tz=ZoneInfo("UTC"))
        text = str(raw).strip()
        if self.format:
            if self.format == DAY_FORMAT and len(text) == 8 and text.isascii() and text.isdigit():
                try:  # what strptime gives for a valid CCYYMMDD (the X12 date), at a fraction of its cost
                    return datetime(int(text[:4]), int(text[4:6]), int(text[6:]))
                except ValueError:
                    pass  # not a calendar day: strptime gives the reason
            return datetime.strptime(text, self.format)
        return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)


class Sum(Operation):
    presents: ClassVar[bool] = True  # a number's text or None
    sum: list[Spec] = Field(min_length=1, description="Decimal sum of these values (lists are flattened).")

    def producer(self, tables: Tables) -> Fn:
        parts = [compile_spec(part, tables) for part in self.sum]

        def total_of(root: Any, current: Any) -> Any:
            total, seen = Decimal(0), False
            for part in parts:
                value = part(root, current)
                for item in value if isinstance(value, list) else [value]:
                    try:
                        number = to_decimal(item)
                        if number is not None:
                            total, seen = total + number, True
                    except ValueError as exc:
                        raise MappingInputError(str(exc)) from None
            return decimal_text(total) if seen else None

        return total_of


class MoneyOp(Operation):
    presents: ClassVar[bool] = True  # an object or None
    money: Spec = Field(description="The amount (a number or numeric text).")
    currency: Spec = Field(description="ISO 4217 code, e.g. a path such as $.currency.")

    def producer(self, tables: Tables) -> Fn:
        amount_of, currency_of = compile_spec(self.money, tables), compile_spec(self.currency, tables)

        def money(root: Any, current: Any) -> Any:
            try:
                amount = to_decimal(amount_of(root, current))
            except ValueError as exc:
                raise MappingInputError(str(exc)) from None
            if amount is None:
                return None
            return {"amount": decimal_text(amount), "currency": currency_of(root, current)}

        return money


class Split(Operation):
    split: Spec = Field(description="A text to cut into a list of trimmed, non-empty parts.")
    separator: str = Field(default=",", min_length=1)

    def producer(self, tables: Tables) -> Fn:
        value_of, separator = compile_spec(self.split, tables), self.separator

        def split(root: Any, current: Any) -> Any:
            value = value_of(root, current)
            if value is None:
                return None
            if isinstance(value, list):
                return [str(part).strip() for part in value if str(part).strip()]
            return [part.strip() for part in str(value).split(separator) if part.strip()]

        return split


class Call(Operation):
    call: str = Field(description="Name of a registered mapping function (hub.mapping.functions).")
    args: list[Spec] = Field(default_factory=list, description="Arguments, each an operation or a path.")
    options: dict[str, Any] = Field(default_factory=dict, description="Constant keyword arguments.")

    def presented(self, tables: Tables) -> Fn:
        if len(self.args) != 1:
            return super().presented(tables)
        function, name, options = get_function(self.call), self.call, self.options
        argument = compile_spec(self.args[0], tables)

        def call_presented(root: Any, current: Any) -> Any:  # the commonest call, in one step
            try:
                value = function(argument(root, current), **options)
            except (ValueError, ArithmeticError) as exc:
                raise _call_error(name, exc) from None
            if isinstance(value, str):
                return value.strip() or None
            return None if isinstance(value, list) and not value else value

        return call_presented

    def producer(self, tables: Tables) -> Fn:
        function, name, options = get_function(self.call), self.call, self.options
        arguments = [compile_spec(argument, tables) for argument in self.args]
        if len(arguments) == 1:  # most calls take one argument: no list of values to build
            (argument,) = arguments

            def call_one(root: Any, current: Any) -> Any:
                try:
                    return function(argument(root, current), **options)
                except (ValueError, ArithmeticError) as exc:
                    raise _call_error(name, exc) from None

            return call_one

        def call(root: Any, current: Any) -> Any:
            values = [argument(root, current) for argument in arguments]
            try:
                return function(*values, **options)
            except (ValueError, ArithmeticError) as exc:
                raise _call_error(name, exc) from None

        return call


def _call_error(name: str, exc: ValueError | ArithmeticError) -> MappingInputError:
    if isinstance(exc, ValueError):
        return MappingInputError(f"{name}: {exc}")
    # decimal overflow or precision, float overflow: numbers too big
    return MappingInputError(f"{name}: the numbers are out of range ({type(exc).__name__})")


class Where(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    equals: Any = None
    not_equals: Any = None
    present: bool | None = None

    def compile(self) -> Callable[[Any, Any], bool]:
        read, present, equals, not_equals = reader(self.path), self.present, self.equals, self.not_equals

        def keeps(root: Any, current: Any) -> bool:
            value = read(root, current)
            if present is not None and (value is not None) != present:
                return False
            if equals is not None and value != equals:
                return False
            return not_equals is None or value != not_equals

        return keeps


class Each(Operation):
    each: str = Field(description="Path of a list; the rest applies to every item (paths are then relative).")
    fields: dict[str, Spec] | None = Field(default=None, description="Build an object per item.")
    value: Spec | None = Field(default=None, description="Build one value per item.")
    where: Where | None = Field(default=None, description="Keep only the items that pass this test.")

    def producer(self, tables: Tables) -> Fn:
        items_of, path = reader(self.each), self.each
        build = compile_fields(self.fields, tables) if self.fields is not None else compile_spec(self.value, tables)
        keeps = self.where.compile() if self.where is not None else None

        def each(root: Any, current: Any) -> Any:
            items = items_of(root, current)
            if items is None:
                return None
            if not isinstance(items, list):
                raise MappingInputError(f"expected a list, found {type(items).__name__}", source=path)
            results = []
            for index, item in enumerate(items):
                try:
                    if keeps is not None and not keeps(root, item):
                        continue
                    result = build(root, item)
                except MappingInputError as exc:
                    raise within(exc, f"[{index}]") from None
                if result is not None:
                    results.append(result)
            return results

        return each


class Fields(Operation):
    presents: ClassVar[bool] = True  # a non-empty object or None
    fields: dict[str, Spec] = Field(description="Build an object from these fields.")
    from_: str | None = Field(default=None, alias="from", description="Read paths relative to this one.")

    def producer(self, tables: Tables) -> Fn:
        build = compile_fields(self.fields, tables)
        inner_of = reader(self.from_) if self.from_ is not None else None

        def fields(root: Any, current: Any) -> Any:
            if inner_of is not None:
                current = inner_of(root, current)
                if current is None:
                    return None
            return build(root, current) or None

        return fields


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


def compile_spec(spec: Spec | None, tables: Tables) -> Fn:
    if spec is None:
        return _nothing
    if isinstance(spec, str):
        return reader(spec)
    return spec.compile(tables)


# Whether ``compile_fields`` writes each ``fields`` block out as a generated function (hub.mapping.generate) or
# runs the interpreted closures below; both give the same values and errors (the tests run every golden case
# both ways), the generated one in a fraction of the calls.
GENERATE = True


def compile_fields(fields: dict[str, Spec], tables: Tables) -> Callable[[Any, Any], dict[str, Any]]:
    """Build an object: each field's value, left out when None; an error names the field it happened in."""
    if GENERATE:
        from hub.mapping.generate import generated_fields  # imports this module: resolved at compile time

        return generated_fields(fields, tables)
    return interpreted_fields(fields, tables)


def interpreted_fields(fields: dict[str, Spec], tables: Tables) -> Callable[[Any, Any], dict[str, Any]]:
    """``compile_fields`` as a loop over the fields' compiled closures."""
    compiled = [(name, compile_spec(spec, tables)) for name, spec in fields.items()]

    def build(root: Any, current: Any) -> dict[str, Any]:
        result = {}
        for name, value_of in compiled:
            try:
                value = value_of(root, current)
            except MappingInputError as exc:
                raise within(exc, name) from None
            if value is not None:
                result[name] = value
        return result

    return build


def coerce(value: Any, kind: Coercion) -> Any:
    try:
        if kind == "string":
            return decimal_text(value) if isinstance(value, Decimal) else str(value)
        if kind == "decimal":
            number = to_decimal(value)
            return None if number is None else decimal_text(number)
        if kind == "integer":
            if isinstance(value, str) and value.isdigit() and value.isascii() and len(value) <= MAX_INTEGER_DIGITS:
                return int(value)
            number = to_decimal(value)
            if number is None:
                return None
            if number != number.to_integral_value():
                raise ValueError(f"{shown(value)} is not a whole number")
            if number.adjusted() >= MAX_INTEGER_DIGITS:
                raise ValueError(f"{shown(value)} has more than {MAX_INTEGER_DIGITS} digits")
            return int(number)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise ValueError(f"{shown(value)} is not a boolean")
    except ValueError as exc:
        raise MappingInputError(str(exc)) from None
