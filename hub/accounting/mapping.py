"""A destination's account mapping: which of its accounts each logical account of the hub's journal posts to.

The hub's journal lines name logical accounts (``revenue``, ``tax:CA State Tax``, ``clearing:shopify``); the
mapping file, named by the connector account's ``mapping_file`` setting, is data the finance team owns::

    accounts:
      revenue: "4000"            # product sales
      discounts: "4050"          # discounts given (a contra-revenue account)
      shipping_income: "4100"    # shipping charged to buyers
      channel_fees: "6100"       # marketplace and payment fees
      cost_of_goods: "5000"      # what drop-ship suppliers invoice
      accounts_payable: "2000"   # owed to suppliers
      other_income: "4200"       # optional: handling and other charges to buyers (default: revenue)
      restocking_fees: "4300"    # optional: what a refund kept back (default: other_income)
      rounding: "4900"           # optional: cents between a channel's total and its parts (default: other_income)
    tax:                         # tax liability per tax name as the channel states it
      default: "2200"
      CA State Tax: "2210"
    clearing:                    # what each channel owes the merchant until it pays out
      default: "1200"
      shopify: "1210"            # a channel, or one account of it (shopify:eu)

YAML or JSON. Every problem is refused with the file and the path in it named, before anything is exported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator

from hub.errors import InputRejected


def _code_text(value: Any) -> Any:
    """YAML reads 4000 as a number; an account code is text either way, and never empty."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        value = value.strip()
        if not value:
            raise ValueError("an account code must not be empty")
        if len(value) > 100:
            raise ValueError("an account code is at most 100 characters")
    return value


AccountCode = Annotated[str, BeforeValidator(_code_text)]


class MappingFileError(InputRejected):
    """The mapping file cannot be read or is not a valid mapping; the message names the file and the path."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Accounts(_Strict):
    revenue: AccountCode
    discounts: AccountCode
    shipping_income: AccountCode
    channel_fees: AccountCode
    cost_of_goods: AccountCode
    accounts_payable: AccountCode
    other_income: AccountCode | None = None
    restocking_fees: AccountCode | None = None
    rounding: AccountCode | None = None


class AccountMapping(_Strict):
    accounts: Accounts
    tax: dict[str, AccountCode]
    clearing: dict[str, AccountCode]

    @model_validator(mode="after")
    def _defaults_present(self) -> AccountMapping:
        for table in ("tax", "clearing"):
            if "default" not in getattr(self, table):
                raise ValueError(f"{table}.default is required: the account for names the table does not list")
        return self

    def code_for(self, logical: str) -> str:
        """The account code of a logical account (``revenue``, ``tax:<name>``, ``clearing:<channel>``)."""
        table, _, name = logical.partition(":")
        if table == "tax":
            return self.tax.get(name, self.tax["default"])
        if table == "clearing":
            slug = name.partition(":")[0]
            return self.clearing.get(name) or self.clearing.get(slug) or self.clearing["default"]
        accounts = self.accounts
        if table == "other_income":
            return accounts.other_income or accounts.revenue
        if table in ("restocking_fees", "rounding"):
            return getattr(accounts, table) or accounts.other_income or accounts.revenue
        code = getattr(accounts, table, None)
        if not isinstance(code, str):
            raise KeyError(f"the journal has no logical account {logical!r}")
        return code


def load_mapping(path: str) -> AccountMapping:
    """The mapping in the file at ``path``; ``MappingFileError`` naming the file and, inside it, the path."""
    where = f"account mapping {path}"
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingFileError(f"{where} cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise MappingFileError(f"{where} is not UTF-8 text") from None
    try:
        data = json.loads(raw) if path.lower().endswith(".json") else yaml.safe_load(raw)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        form = "JSON" if path.lower().endswith(".json") else "YAML"
        raise MappingFileError(f"{where} is not valid {form}: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict):
        raise MappingFileError(f"{where}: the top level must be a mapping with accounts, tax and clearing")
    try:
        return AccountMapping.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_problem(error) for error in exc.errors())
        raise MappingFileError(f"{where}: {problems}") from None


def _problem(error: Any) -> str:
    location = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{location}: {message}" if location else message
