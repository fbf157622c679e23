"""Money: an exact decimal amount with its ISO 4217 currency, and the currency checks documents share."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Context, Decimal
from enum import Enum
from functools import cache
from typing import Annotated, Any, TypeVar, get_args

from pydantic import BaseModel, BeforeValidator, Field, ValidationError

from .base import MAX_FRACTION_DIGITS, MAX_INTEGER_DIGITS, CanonicalModel, CurrencyCode, DecimalString
from .errors import CurrencyMismatchError

# Enough precision that adding two in-range amounts is always exact; the default context (28 digits)
# would silently round large amounts with many decimals.
_EXACT = Context(prec=MAX_INTEGER_DIGITS + MAX_FRACTION_DIGITS + 2)


class Money(CanonicalModel):
    """An amount of money in one currency. In JSON the amount is a string so no precision is lost:
    {"amount": "12.30", "currency": "USD"}."""

    amount: DecimalString = Field(
        description='Decimal amount as a string, scale kept as given ("12.30", "-5", "0.125").',
    )
    currency: CurrencyCode = Field(description="ISO 4217 currency code, three uppercase letters.")

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in ``currency``, the start value for summing amounts."""
        return cls(amount=Decimal(0), currency=currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other, "add")
        return Money(amount=_EXACT.add(self.amount, other.amount), currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other, "subtract")
        return Money(amount=_EXACT.subtract(self.amount, other.amount), currency=self.currency)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def _require_same_currency(self, other: Money, verb: str) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                f"cannot {verb} {other.currency} {other.amount} and {self.currency} {self.amount}: "
                "convert to one currency first"
            )


# Amounts as mappings and JSON documents write them ({"amount": "12.30", "currency": "USD"}), each validated
# once: an order repeats its currency on every amount and its prices from line to line. Reusing the Money
# validated for the same two texts is safe because a Money is frozen and its validation depends on those two
# texts alone (no context, no other field); any other input (other keys, numbers, a Money) is validated as
# usual. Emptied when full, so odd input cannot grow it without end.
_VALIDATED: dict[tuple[str, str], Money] = {}
_VALIDATED_KEPT = 1024


def _reuse_validated(value: Any) -> Any:
    """The Money already validated for these two texts, else ``value`` itself for the field's own validation.

    A before-validator, not a wrap: pydantic-core then makes no handler object per amount, and takes the Money
    returned here as it is (an instance of the field's class is not validated again)."""
    if type(value) is dict and len(value) == 2:
        amount, currency = value.get("amount"), value.get("currency")
        if type(amount) is str and type(currency) is str:
            money = _VALIDATED.get((amount, currency))
            if money is None:
                try:
                    money = _validate_money(value)
                except ValidationError:
                    return value  # refused where it stands, so the error names its path as without the table
                if len(_VALIDATED) >= _VALIDATED_KEPT:
                    _VALIDATED.clear()
                _VALIDATED[amount, currency] = money
            return money
    return value


_validate_money = Money.__pydantic_validator__.validate_python

Amount = Annotated[Money, BeforeValidator(_reuse_validated)]
"""A Money field: the same schema, JSON schema and errors as ``Money``, with repeated amounts validated once."""

OptionalAmount = Annotated[Money | None, BeforeValidator(_reuse_validated)]
"""``Money | None`` as :data:`Amount` (the validator wraps the union, so the field's annotation stays
``Money | None`` for code that reads it)."""

# Values that never hold money: skipped without a call, since every order is walked when it is validated.
_PLAIN = (str, int, float, Decimal, datetime, date, Enum, type(None))


def _may_hold_money(annotation: Any) -> bool:
    if annotation is Money:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return bool(_money_fields(annotation))
    if annotation is Any or isinstance(annotation, TypeVar):
        return True
    return any(_may_hold_money(argument) for argument in get_args(annotation))


@cache
def _money_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` whose declared type can hold a Money somewhere inside."""
    if model is Money:
        return ()
    fields: list[str] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if annotation is model or _may_hold_money(annotation):
            fields.append(name)
    return tuple(fields)


def money_in(value: object, path: str = "") -> Iterator[tuple[str, Money]]:
    """Every Money inside ``value`` (a model, list or dict), with its path such as ``lines[1].tax``."""
    if isinstance(value, Money):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in _money_fields(type(value)):
            item = getattr(value, name)
            if not isinstance(item, _PLAIN):
                yield from money_in(item, f"{path}.{name}" if path else name)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if not isinstance(item, _PLAIN):
                yield from money_in(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(item, _PLAIN):
                yield from money_in(item, f"{path}.{key}" if path else str(key))


# The money fields of each model class met by ``_all_in``, by exact class. ``isinstance`` against a pydantic model
# class runs Python code (its metaclass is an ABCMeta that checks attributes first), several thousand
# instructions a call: an order of 20 lines paid more for those checks than for validating its lines. Exact types
# and this table answer the same question for every model, list and amount of a document.
_FIELDS_OF: dict[type, tuple[str, ...]] = {}


def _all_in(value: Any, currency: str) -> bool:
    """Whether every Money inside ``value`` is in ``currency`` (the quick pass; paths only when one is not)."""
    kind = type(value)
    if kind is Money:
        return bool(value.currency == currency)
    fields = _FIELDS_OF.get(kind)
    items: Iterable[object]
    if fields is not None:
        items = map(value.__dict__.__getitem__, fields)  # a model's field values, without a getattr per field
    elif kind is list or kind is tuple:
        items = value
    elif isinstance(value, Money):
        return value.currency == currency
    elif isinstance(value, BaseModel):
        _FIELDS_OF[kind] = fields = _money_fields(type(value))
        items = map(value.__dict__.__getitem__, fields)
    elif isinstance(value, list | tuple):
        items = value
    elif isinstance(value, dict):
        items = value.values()
    else:
        return True
    for item in items:
        if item is None:  # an optional amount left out, the commonest value after a Money
            continue
        if type(item) is Money:
            if item.currency != currency:
                return False
        elif (inner := _FIELDS_OF.get(type(item))) is not None:  # a model met before (an order line): looked at here
            if not _amounts_in(item.__dict__, inner, currency):
                return False
        elif not isinstance(item, _PLAIN) and not _all_in(item, currency):
            return False
    return True


def _amounts_in(values: dict[str, object], fields: tuple[str, ...], currency: str) -> bool:
    for name in fields:
        amount = values[name]
        if amount is None:
            continue
        if type(amount) is Money:
            if amount.currency != currency:
                return False
        elif not _all_in(amount, currency):
            return False
    return True


def currency_problem(owner: BaseModel, field_names: Iterable[str], currency: str, label: str) -> str | None:
    """A sentence naming every amount in ``field_names`` that is not in ``currency``, or None if all are."""
    names = list(field_names)
    if all(_all_in(getattr(owner, name), currency) for name in names):
        return None
    wrong = [
        f"{path} is in {money.currency}"
        for name in names
        for path, money in money_in(getattr(owner, name), name)
        if money.currency != currency
    ]
    if not wrong:
        return None
    return f"every amount in {', '.join(names)} must be in the {label} {currency}: {'; '.join(wrong)}"
