"""N1 loops: a party or a postal address as N1 (name and id), N2 (company), N3 (street), N4 (place) and PER.

How a loop is written, and how the inbound mappings read it back (``x12_address`` / ``x12_parties``):

* N101 is the entity code of the party's role: buyer ``BY``, seller ``SE``, ship_to ``ST``, bill_to ``BT``,
  ship_from ``SF``, supplier ``SU``, remit_to ``RE``, store ``SN`` (a set may choose another code for a role,
  such as ``WH`` for the warehouse of an 846).
* N102 is the party's name, else the address's name, else its company. A loop needs a name or an id, since N1
  says nothing without one. N103/N104 carry the party's id and its qualifier; canonical qualifier names are
  translated (duns ``1``, duns_plus4 ``9``, gln ``UL``), X12 codes pass as they are, and an id without a
  qualifier goes as ``ZZ`` (mutually defined).
* N2 carries the company when the name is a person's. N3 has the street lines. N4 has city, region, postal code
  and country; it is left out when the address has only a country and that is US, which readers assume for an
  empty N404.
* PER (``IC``, information contact) carries the address's phone (``TE``) and email (``EM``) when it has any.

The inbound mappings read neither N2 nor PER, so company, phone and email do not come back from a round trip.
"""

from __future__ import annotations

from hub.canonical import Address, Party, PartyRole
from hub.edi.outbound.body import OutboundInvalid, Piece, SetBody, Src, ident, text

ROLE_CODES: dict[PartyRole, str] = {
    PartyRole.BUYER: "BY",
    PartyRole.SELLER: "SE",
    PartyRole.SHIP_TO: "ST",
    PartyRole.BILL_TO: "BT",
    PartyRole.SHIP_FROM: "SF",
    PartyRole.SUPPLIER: "SU",
    PartyRole.REMIT_TO: "RE",
    PartyRole.STORE: "SN",
}
ID_QUALIFIER_NAMES = {"duns": "1", "duns_plus4": "9", "gln": "UL"}
DEFAULT_ID_QUALIFIER = "ZZ"


def add_party(
    body: SetBody,
    party: Party | None,
    field: str,
    *,
    code: str | None = None,
    address: Address | None = None,
    address_field: str = "",
    fallback_id: Src | None = None,
) -> None:
    """One N1 loop for ``party`` (or for a bare ``address`` or id when there is no party).

    ``address`` overrides the party's own address (the order's ship_to for its ship_to party); ``code`` overrides
    the role's entity code; ``fallback_id`` is written (qualified ZZ) when the party has no id of its own.
    """
    if party is not None and address is None and party.address is not None:
        address, address_field = party.address, f"{field}.address"
    entity = code or (ROLE_CODES[party.role] if party is not None else None)
    if entity is None:
        raise ValueError("an N1 loop needs a party or an entity code")
    name = text(party.name, f"{field}.name") if party is not None else None
    if name is None and address is not None:
        name = text(address.name, f"{address_field}.name") or text(address.company, f"{address_field}.company")
    qualifier, identifier = _party_id(party, field)
    if identifier is None and fallback_id is not None:
        qualifier, identifier = DEFAULT_ID_QUALIFIER, fallback_id
    if name is None and identifier is None:
        where = field or address_field
        raise OutboundInvalid(
            f"{body.label}: {where} has neither a name nor an id, and its N1 ({entity}) needs one of them: give it a"
            " name (or company) or an id"
        )
    body.add("N1", entity, name, qualifier, identifier)
    if address is not None:
        _add_address(body, address, address_field, name)


def _party_id(party: Party | None, field: str) -> tuple[Piece, Piece]:
    if party is None or party.id is None:
        return None, None
    qualifier: Piece = DEFAULT_ID_QUALIFIER
    if party.id_qualifier is not None:
        written = ID_QUALIFIER_NAMES.get(party.id_qualifier.lower(), party.id_qualifier)
        qualifier = ident(written, f"{field}.id_qualifier")
    return qualifier, ident(party.id, f"{field}.id")


def _add_address(body: SetBody, address: Address, field: str, name: Src | None) -> None:
    company = text(address.company, f"{field}.company")
    if company is not None and name is not None and name.value != company.value:
        body.add("N2", company)
    street = [s for s in (text(address.line1, f"{field}.line1"), text(address.line2, f"{field}.line2")) if s]
    if street:
        body.add("N3", *street)
    place = (address.city, address.region, address.postal_code)
    if any(v is not None for v in place) or address.country != "US":
        body.add(
            "N4",
            text(address.city, f"{field}.city"),
            ident(address.region, f"{field}.region"),
            ident(address.postal_code, f"{field}.postal_code"),
            ident(address.country, f"{field}.country"),
        )
    add_contact(body, None, address.phone, address.email, field)


def add_contact(body: SetBody, name: Src | None, phone: str | None, email: str | None, field: str) -> None:
    """A PER (IC, information contact) with a name, phone (TE) and email (EM); nothing when all three are absent."""
    if name is None and phone is None and email is None:
        return
    contact: list[Piece] = []
    if phone is not None:
        contact += ["TE", ident(phone, f"{field}.phone")]
    if email is not None:
        contact += ["EM", ident(email, f"{field}.email")]
    body.add("PER", "IC", name, *contact)


def role_party(parties: list[Party], role: PartyRole) -> tuple[int, Party] | None:
    """The first party with ``role`` and its index in ``parties``."""
    for index, party in enumerate(parties):
        if party.role is role:
            return index, party
    return None
