"""People and organisations: postal addresses, the consumer who placed an order, and B2B parties."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from .base import CanonicalModel, CountryCode, NonEmptyStr


class Address(CanonicalModel):
    """A postal address. Only the country is required: billing addresses from some payment methods
    carry little else, and whether an address is complete enough to ship to is a business check."""

    name: NonEmptyStr | None = Field(default=None, description="Name of the person at this address.")
    company: NonEmptyStr | None = Field(default=None, description="Company or organisation name.")
    line1: NonEmptyStr | None = Field(default=None, description="First street address line.")
    line2: NonEmptyStr | None = Field(default=None, description="Second address line: apartment, suite, building.")
    city: NonEmptyStr | None = Field(default=None, description="City, town or locality.")
    region: NonEmptyStr | None = Field(
        default=None,
        description="State, province or region, preferably its ISO 3166-2 subdivision code without "
        'the country prefix ("CA" for California, "ON" for Ontario).',
    )
    postal_code: NonEmptyStr | None = Field(default=None, description="Postal or ZIP code.")
    country: CountryCode = Field(
        description='ISO 3166-1 alpha-2 country code ("US", "DE"); lowercase input is upper-cased.'
    )
    phone: NonEmptyStr | None = Field(default=None, description="Phone number for this address.")
    email: NonEmptyStr | None = Field(default=None, description="Email address for this address.")


class Customer(CanonicalModel):
    """The consumer or account that placed an order. Email is kept as sent: channels deliver
    addresses that a strict validator would refuse, and losing the order would be worse."""

    email: NonEmptyStr | None = Field(default=None, description="Customer email address.")
    name: NonEmptyStr | None = Field(default=None, description="Customer full name.")
    phone: NonEmptyStr | None = Field(default=None, description="Customer phone number.")
    channel_customer_id: NonEmptyStr | None = Field(
        default=None, description="The customer's identifier in the sales channel, if it has one."
    )


class PartyRole(StrEnum):
    """The role a party plays in a document (X12 N101 entity codes map onto these)."""

    BUYER = "buyer"
    SELLER = "seller"
    SHIP_TO = "ship_to"
    BILL_TO = "bill_to"
    SHIP_FROM = "ship_from"
    SUPPLIER = "supplier"
    REMIT_TO = "remit_to"
    STORE = "store"


class Party(CanonicalModel):
    """An organisation or location taking part in a B2B document, identified the EDI way: an
    identification code and the qualifier that says what kind of code it is."""

    role: PartyRole = Field(description="What this party is in the document.")
    name: NonEmptyStr | None = Field(default=None, description="Party name.")
    id_qualifier: NonEmptyStr | None = Field(
        default=None,
        description='What kind of identifier `id` is: an X12 N103 code ("92" assigned by buyer, '
        '"1" DUNS, "UL" GLN) or a name such as "gln" or "store_number".',
    )
    id: NonEmptyStr | None = Field(default=None, description="The party's identification code.")
    address: Address | None = Field(default=None, description="The party's postal address.")

    @model_validator(mode="after")
    def _qualifier_needs_id(self) -> Self:
        if self.id_qualifier is not None and self.id is None:
            raise ValueError("id_qualifier is set but id is missing: a qualifier only describes an id")
        return self
