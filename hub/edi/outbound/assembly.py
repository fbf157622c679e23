"""One outbound interchange from canonical documents: sets built, grouped, enveloped, read back and validated.

:func:`build_interchange` is the package's entry point:

1. Each document gets its set: the one ``set_ids`` names for it, else its type's default (Order 850,
   PurchaseOrderAck 855, Shipment 856, Invoice 810, InventoryAdvice 846; an Order can also be a 940, or the 860
   that cancels the PO it was sent as). The set's
   builder turns it into segments, checking what X12 cannot carry (a missing PO number, a delimiter in data) and
   naming the canonical field at fault.
2. Only when every document is built are control numbers drawn, so bad data spends none: ISA13 once, a GS06
   per functional group (one group per functional identifier, in the order the documents first need it), an
   ST02 per set.
3. The envelope follows the profile: ISA05/ISA06 are ``ours`` (us as the partner knows us), ISA07/ISA08
   ``theirs``; GS02/GS03 likewise; ISA12 the profile's control version, GS08 its version (retail variants such
   as 004010VICS included) and, in 5010, ST03 the same. ISA15 is the profile's usage, or T when the documents
   are test documents (``test`` true); test and production documents never share an interchange. ISA14 is 0:
   the profile has no setting for asking a partner for a TA1.
4. The text is read back with the hub's own reader and every set validated against its spec. Any finding
   refuses the whole interchange with :class:`OutboundInvalid`, whose message names the set, the segment
   position and id, the element, the code and the canonical field the value came from: a document the
   partner would refuse never leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from hub.canonical import CanonicalModel, InventoryAdvice, Invoice, Order, PurchaseOrderAck, Shipment
from hub.edi.control_numbers import Kind, format_number
from hub.edi.model import Finding, Interchange, Level
from hub.edi.outbound import (
    change_order,
    inventory_advice,
    invoice,
    order_ack,
    purchase_order,
    ship_notice,
    shipping_order,
)
from hub.edi.outbound.body import OutboundInvalid, SetBody, SetContext, SetWriter, required
from hub.edi.partners import PartnerProfile
from hub.edi.reader import read_interchanges
from hub.edi.spec import UnknownVersionError, load_library
from hub.edi.validate import validate_interchange
from hub.edi.writer import InterchangeHeader, OutGroup, OutInterchange, OutTransaction, WriterError, X12Writer

NumberSource = Callable[[Kind], int]

WRITERS: dict[str, SetWriter] = {
    w.set_id: w
    for w in (
        purchase_order.WRITER,
        change_order.WRITER,
        shipping_order.WRITER,
        order_ack.WRITER,
        ship_notice.WRITER,
        invoice.WRITER,
        inventory_advice.WRITER,
    )
}
DEFAULT_SETS: dict[type[CanonicalModel], str] = {
    Order: "850",
    PurchaseOrderAck: "855",
    Shipment: "856",
    Invoice: "810",
    InventoryAdvice: "846",
}
MAX_REPORTED = 10  # findings spelled out in one message; the rest are counted


class OutboundSet(NamedTuple):
    set_id: str  # ST01
    functional_id: str  # GS01
    group_control_number: str  # GS06
    control_number: str  # ST02
    reference: str  # PO number, shipment number (BSN02), invoice number (BIG02), advice id (BIA03) ...


@dataclass(frozen=True)
class Outbound:
    text: str  # the whole interchange, ISA to IEA
    control_number: str  # ISA13, nine digits
    transactions: tuple[OutboundSet, ...]


@dataclass
class _Built:
    writer: SetWriter
    body: SetBody
    reference: str
    functional_id: str
    control_number: str = ""
    group: _Group | None = None


@dataclass
class _Group:
    functional_id: str
    members: list[_Built] = field(default_factory=list)
    control_number: str = ""


def build_interchange(
    profile: PartnerProfile,
    documents: Sequence[CanonicalModel],
    numbers: NumberSource,
    *,
    set_ids: Sequence[str] | None = None,
    now: datetime | None = None,
) -> Outbound:
    """The documents as one X12 interchange for ``profile``'s partner, validated; see the module docstring.

    ``numbers`` hands out fresh control numbers (``hub.edi.control_numbers.NumberSource``). Raises
    :class:`OutboundInvalid` for a document that cannot be written or an interchange that does not validate.
    """
    if not documents:
        raise OutboundInvalid("there is no document to send: give build_interchange at least one")
    chosen = _set_ids(documents, set_ids)
    usage = _usage(profile, documents)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    built = [_build(profile, document, set_id, moment) for document, set_id in zip(documents, chosen, strict=True)]
    groups: dict[str, _Group] = {}
    for item in built:
        item.group = groups.setdefault(item.functional_id, _Group(item.functional_id))
        item.group.members.append(item)
    isa13 = numbers(Kind.ISA13)
    for group in groups.values():
        group.control_number = format_number(Kind.GS06, numbers(Kind.GS06))
        for item in group.members:
            item.control_number = format_number(Kind.ST02, numbers(Kind.ST02))
    text = _write(profile, list(groups.values()), isa13, usage, moment)
    _check(text, built)
    return Outbound(
        text=text,
        control_number=format_number(Kind.ISA13, isa13),
        transactions=tuple(  # in the order of ``documents``
            OutboundSet(b.writer.set_id, b.functional_id, b.group.control_number, b.control_number, b.reference)
            for b in built
            if b.group is not None
        ),
    )


def _set_ids(documents: Sequence[CanonicalModel], set_ids: Sequence[str] | None) -> list[str]:
    if set_ids is None:
        chosen = []
        for document in documents:
            default = DEFAULT_SETS.get(type(document))
            if default is None:
                raise OutboundInvalid(
                    f"a {type(document).__name__} has no X12 set the hub writes: send orders, purchase order"
                    " acknowledgments, shipments, invoices or inventory advices"
                )
            chosen.append(default)
        return chosen
    if isinstance(set_ids, str) or len(set_ids) != len(documents):
        raise OutboundInvalid(
            f"set_ids names {len(set_ids)} sets for {len(documents)} documents: give one set id per document"
        )
    for index, (document, set_id) in enumerate(zip(documents, set_ids, strict=True)):
        writer = WRITERS.get(set_id)
        if writer is None or not isinstance(document, writer.document):
            possible = sorted(s for s, w in WRITERS.items() if isinstance(document, w.document))
            raise OutboundInvalid(
                f"document {index} is a {type(document).__name__}, which cannot be written as a {set_id!r}:"
                f" choose {' or '.join(possible) or 'another document'}"
            )
    return list(set_ids)


def _usage(profile: PartnerProfile, documents: Sequence[CanonicalModel]) -> str:
    tests = {bool(getattr(d, "test", False)) for d in documents}
    if tests == {True, False}:
        raise OutboundInvalid(
            "test documents and production documents cannot share an interchange (ISA15 is T or P for all of"
            " it): build them separately"
        )
    return "T" if tests == {True} else profile.usage


def _build(profile: PartnerProfile, document: CanonicalModel, set_id: str, moment: datetime) -> _Built:
    writer = WRITERS[set_id]
    try:
        spec = load_library().get(set_id, profile.gs_version)
    except UnknownVersionError as exc:
        raise OutboundInvalid(f"the partner's gs_version cannot be written: {exc}") from None
    context = SetContext(profile, spec, profile.gs_version, profile.delimiters.delimiters(), moment)
    body = writer.build(document, context)
    reference = writer.reference(document)
    required(body.label, reference, writer.reference_field, f"it identifies the {set_id} to the partner")
    assert reference is not None
    return _Built(writer, body, reference, spec.functional_group)


def _write(profile: PartnerProfile, groups: list[_Group], isa13: int, usage: str, moment: datetime) -> str:
    header = InterchangeHeader(
        sender_qualifier=profile.ours.qualifier,
        sender_id=profile.ours.id,
        receiver_qualifier=profile.theirs.qualifier,
        receiver_id=profile.theirs.id,
        date=moment.strftime("%y%m%d"),
        time=moment.strftime("%H%M"),
        control_version=profile.control_version,
        control_number=isa13,
        usage=usage,
    )
    interchange = OutInterchange(header)
    implementation = profile.gs_version if _is_5010(profile.gs_version) else ""
    for group in groups:
        out = OutGroup(
            group.functional_id,
            profile.ours.gs_id,
            profile.theirs.gs_id,
            moment.strftime("%Y%m%d"),
            moment.strftime("%H%M"),
            group.control_number,
            profile.gs_version,
        )
        for item in group.members:
            set_id = item.writer.set_id
            out.transactions.append(OutTransaction(set_id, item.control_number, item.body.segments, implementation))
        interchange.groups.append(out)
    delimiters = profile.delimiters
    try:
        return X12Writer(delimiters.delimiters(), newline=delimiters.newline).interchange(interchange)
    except WriterError as exc:
        raise OutboundInvalid(f"the interchange for {profile.theirs} cannot be written: {exc}") from exc


def _is_5010(gs_version: str) -> bool:
    return gs_version[:6] >= "005010"


# -- read back and validate -----------------------------------------------------------------------------------


def _check(text: str, built: list[_Built]) -> None:
    interchanges = read_interchanges(text.encode("utf-8"))
    if len(interchanges) != 1:
        raise OutboundInvalid(f"the interchange written reads back as {len(interchanges)} interchanges, not one")
    interchange = interchanges[0]
    validate_interchange(interchange)
    problems = _problems(interchange, built)
    if problems:
        # AK5 code 5 ("one or more segments in error") only sums up the segment findings shown beside it.
        told = [m for f, m in problems if not (f.level is Level.TRANSACTION and f.code == "5")] or [
            m for _, m in problems
        ]
        shown = told[:MAX_REPORTED] + ([f"and {len(told) - MAX_REPORTED} more"] if len(told) > MAX_REPORTED else [])
        raise OutboundInvalid(
            "the partner would refuse this interchange, so it is not sent: "
            + "; ".join(shown)
            + ". Correct the fields named in the documents and build the interchange again",
            tuple(finding for finding, _ in problems),
        )


def _problems(interchange: Interchange, built: list[_Built]) -> list[tuple[Finding, str]]:
    """What the partner would refuse. A non-fatal finding (a value an open code list does not hold, as a
    partner's own qualifier often is) is accepted inbound, so it does not stop our own document either."""
    found = [(f, f"envelope: {_where(f)}code {f.code}: {f.message}") for f in interchange.findings if f.fatal]
    members = {(b.group.control_number if b.group else "", b.control_number): b for b in built}
    for group in interchange.groups:
        found += [
            (f, f"group {group.control_number}: {_where(f)}code {f.code}: {f.message}")
            for f in group.findings
            if f.fatal
        ]
        for tx in group.transactions:
            item = members.get((group.control_number, tx.control_number))
            fatal = [finding for finding in tx.findings if finding.fatal]
            found += [(finding, _set_message(tx.set_id, tx.control_number, item, finding)) for finding in fatal]
    return found


def _where(finding: Finding) -> str:
    if not finding.segment_id:
        return ""
    position = f"segment {finding.position} " if finding.position else ""
    element = f", element {finding.segment_id}{finding.element}" if finding.element else ""
    return f"{position}{finding.segment_id}{element} "


def _set_message(set_id: str, control_number: str, item: _Built | None, finding: Finding) -> str:
    name = item.body.label if item is not None else f"{set_id} {control_number}"
    source = item.body.source(finding.position, finding.element) if item is not None and finding.element else ""
    origin = f"(from {source}) " if source else ""
    return f"{name} (ST02 {control_number}): {_where(finding)}{origin}code {finding.code}: {finding.message}"
