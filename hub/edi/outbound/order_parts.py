"""What the 850 and the 940 both take from a canonical ``Order``: its parties, requested carrier and note.

* Parties: the order's ship_to (and, for an 850, bill_to) address is written in the N1 loop of the party with
  that role, which gives it its name and id; an address without such a party gets a loop of its own. Every other
  party follows in the order's order, so a document read back lists its parties as they were.
* Carrier: the first shipping line's carrier is taken as a SCAC when it looks like one (two to four capital
  letters); the service is ``shipping_method``, else that shipping line's title.
* Note: the buyer's note, cleaned like any free text and cut into pieces of the element's length.
"""

from __future__ import annotations

import textwrap

from hub.canonical import Address, Order, PartyRole
from hub.edi.outbound.body import SetBody, Src, ident, text
from hub.edi.outbound.parties import ROLE_CODES, add_party, role_party

SCAC_LETTERS = range(2, 5)


def add_order_parties(
    body: SetBody, order: Order, addresses: tuple[tuple[PartyRole, Address | None, str], ...]
) -> None:
    """N1 loops: one per (role, address, field) in ``addresses``, then the order's other parties."""
    written: set[int] = set()
    for role, address, field in addresses:
        found = role_party(order.parties, role)
        if found is not None:
            index, party = found
            written.add(index)
            add_party(body, party, f"parties[{index}]", address=address, address_field=field)
        elif address is not None:
            add_party(body, None, "", code=ROLE_CODES[role], address=address, address_field=field)
    for index, party in enumerate(order.parties):
        if index not in written:
            add_party(body, party, f"parties[{index}]")


def requested_carrier(order: Order, service_limit: int) -> tuple[Src | None, Src | None]:
    """(SCAC, service) the order asks for, each None when unknown."""
    shipping = order.shipping_lines[0] if order.shipping_lines else None
    service = text(order.shipping_method, "shipping_method", limit=service_limit)
    if service is None and shipping is not None:
        service = text(shipping.title, "shipping_lines[0].title", limit=service_limit)
    carrier = shipping.carrier if shipping is not None else None
    scac = None
    if carrier is not None and carrier.isalpha() and carrier.isupper() and len(carrier) in SCAC_LETTERS:
        scac = ident(carrier, "shipping_lines[0].carrier")
    return scac, service


def note_pieces(notes: str | None, width: int) -> list[Src]:
    """The note in pieces of at most ``width`` characters, broken between words where it can be."""
    cleaned = text(notes, "notes")
    if cleaned is None:
        return []
    # Broken at spaces, which stay out of the pieces: a value may not end in a space.
    return [Src(piece, "notes") for piece in textwrap.wrap(cleaned.value, width, break_on_hyphens=False)]
