"""The base model every canonical model derives from, and the field types they share.

Input is accepted in the loose shapes channels and partners really send (numeric strings, lowercase
country codes, floats for prices) and normalised once, here, so every model downstream sees one form.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, NoReturn, Self

from annotated_types import Ge
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from .lengths import explain_lengths


class CanonicalModel(BaseModel):
    """Base of every canonical model: immutable once built, and an unknown field is an error.

    Forbidding extra fields makes a misspelt field in a mapping fail loudly instead of vanishing.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Every way of validating a document words a too-long text as the hub does (see hub.canonical.lengths):
    # the limits are checked inside pydantic-core, and only a refused document is looked at again here.

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            _raise_explained(exc)

    # It only validates, as BaseModel's does: marked as pydantic marks its own (and RootModel's), so a model
    # nested in a document is still built inside pydantic-core instead of through a call to this method.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, **options: Any) -> Self:
        try:
            return super().model_validate(obj, **options)
        except ValidationError as exc:
            _raise_explained(exc)

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **options: Any) -> Self:
        try:
            return super().model_validate_json(json_data, **options)
        except ValidationError as exc:
            _raise_explained(exc)

    @classmethod
    def model_validate_strings(cls, obj: Any, **options: Any) -> Self:
        try:
            return super().model_validate_strings(obj, **options)
        except ValidationError as exc:
            _raise_explained(exc)


def _raise_explained(exc: ValidationError) -> NoReturn:
    explained = explain_lengths(exc)
    if explained is exc:
        raise exc
    raise explained from None


# --- text -------------------------------------------------------------------------------------------

NonEmptyStr = Annotated[str, StringConstraints(min_length=1)]


_CODES_KEPT = 1024


def _code(pattern: str, what: str) -> BeforeValidator:
    """Upper-case and strip a code, refusing it with a message that names the expected form."""
    compiled = re.compile(pattern)
    # Codes already seen in form: a document repeats its currency and units on every line, so a set look-up
    # answers nearly every call. Bounded, so odd input cannot grow it without end.
    seen: set[str] = set()

    def normalise(value: object) -> object:
        if not isinstance(value, str):
            return value  # the str schema reports the wrong type
        if value in seen:
            return value
        if compiled.fullmatch(value):
            if len(seen) < _CODES_KEPT:
                seen.add(value)
            return value  # already in form, as nearly every code is
        code = value.strip().upper()
        if not compiled.fullmatch(code):
            context = {"value": value, "what": what}
            raise PydanticCustomError("code_format", "'{value}' is not {what}", context)
        return code

    return BeforeValidator(normalise)


# StringConstraints carries each pattern into the JSON Schema; the before-validator ahead of it normalises
# case and gives the readable error, so the pattern check itself never fails.
_COUNTRY = r"^[A-Z]{2}$"
CountryCode = Annotated[
    str,
    StringConstraints(pattern=_COUNTRY),
    _code(_COUNTRY, "an ISO 3166-1 alpha-2 country code such as US or DE"),
]
"""ISO 3166-1 alpha-2 country code; lowercase input is upper-cased."""

_CURRENCY = r"^[A-Z]{3}$"
CurrencyCode = Annotated[
    str,
    StringConstraints(pattern=_CURRENCY),
    _code(_CURRENCY, "an ISO 4217 currency code such as USD or EUR"),
]
"""ISO 4217 currency code; lowercase input (as some payment APIs send) is upper-cased."""

_UOM = r"^[A-Z0-9]{2,3}$"
UnitOfMeasure = Annotated[
    str, StringConstraints(pattern=_UOM), _code(_UOM, "a unit of measure code such as EA, CA or C62")
]
"""Unit of measure code: X12 355 (EA, CA, PK) or UN/ECE Recommendation 20 (C62, KGM)."""

_SCAC = r"^[A-Z]{2,4}$"
Scac = Annotated[str, StringConstraints(pattern=_SCAC), _code(_SCAC, "a SCAC carrier code of 2 to 4 letters")]
"""Standard Carrier Alpha Code; lowercase input is upper-cased."""

Sscc = Annotated[str, StringConstraints(pattern=r"^\d{18}$")]
"""GS1 Serial Shipping Container Code: 18 digits."""

IDENTIFIER_QUALIFIER_PATTERN = r"^[a-z][a-z0-9_]*$"

Identifiers = Annotated[
    dict[Annotated[str, StringConstraints(pattern=IDENTIFIER_QUALIFIER_PATTERN)], NonEmptyStr],
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"pattern": IDENTIFIER_QUALIFIER_PATTERN},
            "additionalProperties": {"type": "string", "minLength": 1},
        }
    ),
]
"""Item identifiers by qualifier: gtin, upc, ean, isbn, vendor_part, buyer_part, manufacturer_part ..."""

IDENTIFIERS_HELP = (
    "Item identifiers by qualifier (lowercase snake_case): gtin, upc, ean, isbn, vendor_part, buyer_part, "
    "manufacturer_part."
)


# --- quantities -------------------------------------------------------------------------------------

_INTEGER_TEXT = re.compile(r"[+-]?\d{1,15}")


def _quantity(value: object) -> object:
    # Channels send quantities as strings ("3"), so a string of digits is accepted; anything that
    # could hide a fraction (3.5, "3.5", 3.0) or a type confusion (True) is refused.
    if type(value) is int:  # as mappings give it; a bool is not of this exact type
        return value
    if isinstance(value, bool):
        raise PydanticCustomError("quantity_type", "quantity must be a whole number, not a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    raise PydanticCustomError(
        "quantity_type",
        'quantity must be a whole number (an integer, or a string of digits such as "3"); '
        "fractions and floats are not accepted",
    )


Quantity = Annotated[int, Ge(0), BeforeValidator(_quantity)]
"""A count of units: a non-negative integer."""


# --- decimals ---------------------------------------------------------------------------------------

MAX_INTEGER_DIGITS = 18
MAX_FRACTION_DIGITS = 18
DECIMAL_PATTERN = rf"^-?\d{{1,{MAX_INTEGER_DIGITS}}}(\.\d{{1,{MAX_FRACTION_DIGITS}}})?$"
_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _decimal_error(detail: str) -> PydanticCustomError:
    return PydanticCustomError("decimal_value", "decimal number expected ({detail})", {"detail": detail})


# Plain fixed-point text within the bounds, as mappings and JSON documents carry amounts: the Decimal made from
# it needs none of the checks below (it is finite, bounded and has no exponent), only a sign fix for "-0".
_PLAIN_DECIMAL = re.compile(DECIMAL_PATTERN)


# Amounts already read from plain text, by that text: lines and documents repeat prices and totals. A Decimal
# is immutable, so sharing one is safe; emptied when full, so it stays small whatever the input.
_READ: dict[str, Decimal] = {}
_READ_KEPT = 1024


def _as_decimal(value: object) -> Decimal:
    if isinstance(value, str):
        number = _READ.get(value)
        if number is not None:
            return number
        if _PLAIN_DECIMAL.match(value):
            number = Decimal(value)
            if value[0] == "-" and number.is_zero():
                number = number.copy_abs()
            if len(_READ) >= _READ_KEPT:
                _READ.clear()
            _READ[value] = number
            return number
    if isinstance(value, bool):
        raise _decimal_error("a boolean is not a number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _decimal_error("NaN and Infinity are not amounts")
        # repr gives the shortest string that round-trips, so 0.1 becomes Decimal("0.1"),
        # not the binary expansion Decimal(0.1) would produce.
        number = Decimal(repr(value))
    elif isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value.strip()):
        number = Decimal(value.strip())
    else:
        raise _decimal_error('write it as a string of digits such as "12.30"')
    return _bounded(number)


def _bounded(number: Decimal) -> Decimal:
    if not number.is_finite():
        raise _decimal_error("NaN and Infinity are not amounts")
    if number.adjusted() >= MAX_INTEGER_DIGITS:
        raise _decimal_error(f"at most {MAX_INTEGER_DIGITS} digits before the decimal point")
    exponent = number.as_tuple().exponent  # an int for every finite decimal
    if isinstance(exponent, int) and -exponent > MAX_FRACTION_DIGITS:
        raise _decimal_error(f"at most {MAX_FRACTION_DIGITS} digits after the decimal point")
    if number.is_zero() and number.is_signed():
        number = number.copy_abs()
    # Rebuilding from fixed-point text turns 1E+2 into 100 and keeps 12.30 as 12.30, so the
    # serialized form never needs exponent notation and round trips keep their scale.
    return Decimal(format(number, "f"))


def decimal_text(number: Decimal) -> str:
    """Fixed-point text of a decimal, keeping its scale: Decimal("12.30") -> "12.30"."""
    return format(number, "f")


DecimalString = Annotated[
    Decimal,
    PlainValidator(_as_decimal),
    PlainSerializer(decimal_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN, "examples": ["12.30"]}),
]
"""A decimal number, exact, serialized in JSON as a string with its scale kept ("12.30")."""


# --- datetimes --------------------------------------------------------------------------------------


def _explain_naive(value: object, handler: ValidatorFunctionWrapHandler) -> datetime:
    try:
        result: datetime = handler(value)
    except ValidationError as exc:
        if any(error["type"] == "timezone_aware" for error in exc.errors()):
            raise PydanticCustomError(
                "timezone_aware",
                "datetime has no timezone; include an offset such as 2024-05-01T09:30:00Z or "
                "2024-05-01T11:30:00+02:00 (naive datetimes are ambiguous and rejected)",
            ) from None
        raise
    return result


Timestamp = Annotated[AwareDatetime, WrapValidator(_explain_naive)]
"""A timezone-aware datetime, written in JSON as RFC 3339 with an offset."""
