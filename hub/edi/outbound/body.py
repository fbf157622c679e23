"""The body of one outbound transaction set while it is built, and the value formats X12 wants.

Every set builder (one module per set in this package) fills a :class:`SetBody`: the segments between ST and SE,
each value remembered with the canonical field it came from (:class:`Src`). That memory is what lets an error
found later, by the validator reading the finished interchange back, say "ship_to.postal_code" instead of only
"N403". Values are checked for the interchange's delimiters as they are added, so a ``*`` in a customer name
is refused naming the field before anything is written.

Formats (functions below, each returning a :class:`Src` or None for an absent value):

* :func:`text` is for free text (names, address lines, descriptions): accents are taken off letters (X12's
  character set is ASCII), runs of white space, line ends included, become one space, and the value is trimmed.
  With ``limit`` a description is cut to the element's length; identifiers and amounts never are.
* :func:`ident` is for identifiers and codes, which go out exactly as given.
* :func:`decimal` writes an R element (``12.30`` keeps its scale), :func:`cents` an N2 element (implied two
  decimals, ``244.38`` -> ``24438``), refusing an amount with fractions of a cent.
* :func:`day` and :func:`clock` write DT (CCYYMMDD) and TM (HHMM, HHMMSS when there are seconds) elements; a
  timestamp is written in UTC, which is how the inbound mappings read X12 times back.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from hub.canonical import CanonicalModel
from hub.canonical.base import decimal_text
from hub.edi.model import Delimiters, Finding
from hub.edi.partners import PartnerProfile
from hub.edi.spec import CompositeSpec, TransactionSpec, iter_refs
from hub.edi.writer import OutSegment
from hub.errors import InputRejected


class OutboundInvalid(InputRejected):
    """A canonical document cannot go out as X12 for this partner; the message says what, where and what to do.

    ``findings`` holds the validator's findings when the built interchange itself was refused.
    """

    def __init__(self, message: str, findings: tuple[Finding, ...] = ()) -> None:
        super().__init__(message)
        self.findings = findings


@dataclass(frozen=True)
class Src:
    """A value to write and the canonical field it came from ("lines[2].unit_price")."""

    value: str
    field: str


Piece = str | Src | None
# A simple element, or a composite given as its components.
Element = Piece | tuple[Piece, ...]


@dataclass(frozen=True)
class SetContext:
    """What a set builder needs besides its document: the partner, the spec it must satisfy, the delimiters."""

    profile: PartnerProfile
    spec: TransactionSpec
    gs_version: str  # GS08 as the partner wants it (004010VICS ...)
    delimiters: Delimiters
    now: datetime  # when the interchange is built, in UTC

    @property
    def five010(self) -> bool:
        return self.spec.version >= "005010"

    def max_length(self, segment_id: str, position: int) -> int:
        """The longest value element ``position`` of ``segment_id`` may hold in this set and version."""
        for ref in iter_refs(self.spec.body):
            if ref.id == segment_id:
                element = ref.segment.elements[position - 1]
                if isinstance(element, CompositeSpec):
                    raise ValueError(f"{segment_id}{position:02d} is a composite")
                return element.max
        raise ValueError(f"{segment_id} is not in the {self.spec.set_id} spec")


class SetBody:
    """The segments of one transaction set (ST and SE excluded) and the canonical field behind each value."""

    def __init__(self, context: SetContext, label: str) -> None:
        self.context = context
        self.label = label  # "850 for PO 4500012346": how messages name the document
        self.segments: list[OutSegment] = []
        self.sources: list[dict[str, str]] = []  # per segment: "03" or "03:1" -> canonical field
        self._forbidden = frozenset(context.delimiters.characters() | {"\r", "\n"})

    def add(self, segment_id: str, *elements: Element) -> None:
        values: list[str | tuple[str, ...]] = []
        sources: dict[str, str] = {}
        for number, element in enumerate(elements, 1):
            if isinstance(element, tuple):
                parts = [self._piece(part, f"{number:02d}:{index}", sources) for index, part in enumerate(element, 1)]
                first = next((sources[k] for k in sorted(sources) if k.startswith(f"{number:02d}:")), None)
                if first is not None:
                    sources[f"{number:02d}"] = first
                values.append(tuple(parts))
            else:
                values.append(self._piece(element, f"{number:02d}", sources))
        self.segments.append(OutSegment(segment_id, tuple(values)))
        self.sources.append(sources)

    def _piece(self, piece: Piece, where: str, sources: dict[str, str]) -> str:
        if piece is None:
            return ""
        if isinstance(piece, str):
            return piece
        bad = self._forbidden.intersection(piece.value)
        if bad:
            shown = ", ".join(repr(c) for c in sorted(bad))
            raise OutboundInvalid(
                f"{self.label}: {piece.field} {piece.value!r} contains {shown}, a delimiter of the X12 the partner"
                " receives: change the value, or give the partner other delimiters in its profile"
            )
        sources[where] = piece.field
        return piece.value

    def count(self, segment_id: str) -> int:
        return sum(1 for s in self.segments if s.id == segment_id)

    def source(self, position: int, element: str) -> str:
        """The canonical field behind ``element`` ("03", "04:2") of the segment at ``position`` (ST = 1)."""
        index = position - 2
        if not 0 <= index < len(self.sources):
            return ""
        found = self.sources[index]
        return found.get(element) or found.get(element.split(":")[0], "")


@dataclass(frozen=True)
class SetWriter:
    """How one transaction set is written: the canonical document it takes, its builder and its reference."""

    set_id: str
    document: type[CanonicalModel]
    build: Callable[[CanonicalModel, SetContext], SetBody]
    reference: Callable[[CanonicalModel], str | None]  # the document's key in X12 (PO number, BSN02 ...)
    reference_field: str  # the canonical field the reference is read from, for the missing-value error


# -- values -------------------------------------------------------------------------------------------------


def required(label: str, value: object, field: str, why: str) -> None:
    """Refuse a document that lacks a value X12 cannot do without; ``why`` names the element that needs it."""
    if value is None or value == "":
        raise OutboundInvalid(f"{label}: {field} is missing, and {why}: set {field} and build the document again")


def ident(value: str | None, field: str) -> Src | None:
    return None if value is None else Src(value, field)


def text(value: str | None, field: str, limit: int | None = None) -> Src | None:
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = " ".join(plain.split())
    if limit is not None:
        cleaned = cleaned[:limit].rstrip()
    return Src(cleaned, field) if cleaned else None


def decimal(value: Decimal | int | None, field: str) -> Src | None:
    if value is None:
        return None
    return Src(decimal_text(Decimal(value)), field)


def cents(label: str, value: Decimal | None, field: str) -> Src | None:
    if value is None:
        return None
    scaled = value.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise OutboundInvalid(
            f"{label}: {field} is {decimal_text(value)}, but X12 carries this amount in whole cents (implied two"
            " decimals): round it to cents"
        )
    return Src(str(int(scaled)), field)


def day(value: date | datetime | None, field: str) -> Src | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.astimezone(UTC)
    return Src(value.strftime("%Y%m%d"), field)


def clock(value: datetime | None, field: str) -> Src | None:
    if value is None:
        return None
    utc = value.astimezone(UTC)
    return Src(utc.strftime("%H%M%S" if utc.second else "%H%M"), field)
