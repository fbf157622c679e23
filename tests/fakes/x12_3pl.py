"""A fake X12 3PL behind mailbox directories: it reads the 940s the hub drops for it, answers with a 997, and
ships with a 945, each in an interchange of its own with its own control numbers.

The two directories are the hub's view of a mailbox transport: the hub writes into ``from_hub`` (the
transport's ``outbound``) and polls ``to_hub`` (its ``inbound``). The fake reads X12 with a small parser of its
own (delimiters from the ISA, segments split by the terminator), not with the hub's reader, so a fault the
hub's writer and reader share cannot hide here.

* ``collect()`` takes the new files in ``from_hub``: each 940 becomes a ``ShippingOrder`` (depositor order
  number W0502, PO W0503, ship-to N1, lines from LX/W01/N9 LI), each 997 the hub sends about the fake's own
  documents an ``Acknowledgment``; files are taken once, by name.
* ``acknowledge(orders, code="A")`` drops a 997 for the groups those 940s came in (AK5 ``code`` per 940, AK9
  for the group; ``R`` with reason 5 to reject).
* ``ship(order, tracking=..., lines=...)`` drops a 945: W06 with the depositor order number, the shipment id
  and the PO; the tracking number as N9 CN; G62 11 ship date; W27 carrier; one LX/W12 per line with the units
  shipped (all of them unless ``lines`` says otherwise) and N9 LI echoing the hub's line id; W03 totals.

Answers are published the way a careful partner does: written under a dot-name, then renamed, and dated
``settled_age`` seconds back so the hub's next poll takes them at once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from pathlib import Path


@dataclass(frozen=True)
class Envelope:
    """Where a set came from: the interchange (ISA13), group (GS01, GS06) and set (ST01, ST02)."""

    isa13: str
    usage: str
    functional_id: str
    gs06: str
    set_id: str
    st02: str


@dataclass(frozen=True)
class OrderedLine:
    line_id: str | None  # N9 LI in the W01 loop
    sku: str | None  # the VN item of W01
    quantity: int  # W0101
    uom: str  # W0102


@dataclass(frozen=True)
class ShippingOrder:
    """A 940 as the fake read it."""

    file: str
    envelope: Envelope
    status: str  # W0501: N original, F cancel ...
    depositor_order: str  # W0502
    po_number: str | None  # W0503
    ship_to: str | None  # N102 of N1*ST
    lines: tuple[OrderedLine, ...]

    @property
    def test(self) -> bool:
        return self.envelope.usage == "T"


@dataclass(frozen=True)
class Acknowledgment:
    """A 997 from the hub: which of the fake's groups and sets it answered, and how."""

    file: str
    functional_id: str  # AK101
    group: str  # AK102
    sets: tuple[tuple[str, str, str], ...]  # (AK201, AK202, AK501)
    code: str  # AK901


Segment = list[str]


def split_interchanges(text: str) -> list[tuple[Segment, list[Segment]]]:
    """Each interchange of ``text`` as (ISA elements, the segments after it up to IEA). The delimiters are
    those of the first ISA (element separator at its 4th character, segment terminator after ISA16)."""
    text = text.lstrip()
    if not text.startswith("ISA") or len(text) < 106:
        return []
    element, terminator = text[3], text[105]
    found: list[tuple[Segment, list[Segment]]] = []
    for part in text.split(terminator):
        segment = part.strip().split(element)
        if segment[0] == "ISA":
            found.append((segment, []))
        elif segment[0] and segment[0] != "IEA" and found:
            found[-1][1].append(segment)
    return found


def _element(segment: Segment, position: int) -> str | None:
    return segment[position] if len(segment) > position and segment[position] else None


def _sets(isa: Segment, segments: list[Segment]) -> Iterable[tuple[Envelope, list[Segment]]]:
    gs: Segment = []
    current: list[Segment] = []
    for segment in segments:
        if segment[0] == "GS":
            gs = segment
        elif segment[0] == "ST":
            current = [segment]
        elif segment[0] == "SE":
            st = current[0]
            yield Envelope(isa[13].strip(), isa[15].strip(), gs[1], gs[6], st[1], st[2]), current[1:]
        elif current:
            current.append(segment)


def read_shipping_order(file: str, envelope: Envelope, body: list[Segment]) -> ShippingOrder:
    w05 = next(segment for segment in body if segment[0] == "W05")
    ship_to = next((_element(s, 2) for s in body if s[0] == "N1" and _element(s, 1) == "ST"), None)
    lines: list[OrderedLine] = []
    w01: Segment | None = None
    for segment in body:
        if segment[0] == "W01":
            w01 = segment
        elif segment[0] == "N9" and _element(segment, 1) == "LI" and w01 is not None:
            lines.append(_ordered(w01, _element(segment, 2)))
            w01 = None
        elif segment[0] in ("LX", "W76") and w01 is not None:  # a line without N9 LI
            lines.append(_ordered(w01, None))
            w01 = None
    status, depositor, po = _element(w05, 1) or "", _element(w05, 2) or "", _element(w05, 3)
    return ShippingOrder(file, envelope, status, depositor, po, ship_to, tuple(lines))


def _ordered(w01: Segment, line_id: str | None) -> OrderedLine:
    pairs = [(w01[i], w01[i + 1]) for i in (4, 6, 15) if _element(w01, i) and _element(w01, i + 1)]
    sku = next((value for qualifier, value in pairs if qualifier == "VN"), None)
    return OrderedLine(line_id, sku, int(w01[1]), _element(w01, 2) or "EA")


@dataclass
class FakeX12ThreePL:
    from_hub: Path  # the hub's mailbox outbound: the hub drops its 940s (and 997s) here
    to_hub: Path  # the hub's mailbox inbound: the fake drops its 997s and 945s here
    isa_id: str = "ACME3PL"  # the fake's ISA06 / GS02
    hub_id: str = "ORDERHUB"  # the hub's ISA08 / GS03, as the partner profile names it
    settled_age: float = 60.0
    orders: list[ShippingOrder] = field(default_factory=list)
    acknowledgments: list[Acknowledgment] = field(default_factory=list)
    dropped: list[Path] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._isa13 = count(701)
        self._gs06 = count(301)
        self._shipments = count(1)

    # -- reading what the hub sent --

    def collect(self) -> list[ShippingOrder]:
        """Read the files the hub dropped since the last call; returns the new 940s."""
        new: list[ShippingOrder] = []
        for path in sorted(self.from_hub.iterdir()):
            if path.name.startswith(".") or path.name in self._seen or not path.is_file():
                continue
            self._seen.add(path.name)
            for isa, segments in split_interchanges(path.read_text()):
                for envelope, body in _sets(isa, segments):
                    if envelope.set_id == "940":
                        new.append(read_shipping_order(path.name, envelope, body))
                    elif envelope.set_id == "997":
                        self.acknowledgments.append(_acknowledgment(path.name, body))
        self.orders.extend(new)
        return new

    def wait_for_orders(self, total: int, timeout: float = 60.0) -> list[ShippingOrder]:
        """Collect until ``total`` 940s have arrived (for tests with real workers); AssertionError on time-out."""
        deadline = time.monotonic() + timeout
        while len(self.orders) < total:
            if time.monotonic() > deadline:
                raise AssertionError(f"the fake 3PL received {len(self.orders)} 940(s), not {total}, in {timeout}s")
            time.sleep(0.2)
            self.collect()
        return list(self.orders)

    # -- answering --

    def acknowledge(self, orders: Sequence[ShippingOrder], code: str = "A") -> Path:
        """A 997 for the groups ``orders`` came in: AK5 ``code`` for each of those 940s."""
        groups: dict[str, list[ShippingOrder]] = {}
        for order in orders:
            groups.setdefault(order.envelope.gs06, []).append(order)
        transactions = []
        for number, (gs06, members) in enumerate(groups.items(), 1):
            body = [f"AK1*OW*{gs06}"]
            for order in members:
                body += [f"AK2*940*{order.envelope.st02}", "AK5*A" if code == "A" else f"AK5*{code}*5"]
            accepted = len(members) if code in ("A", "E") else 0
            body.append(f"AK9*{code}*{len(members)}*{len(members)}*{accepted}")
            transactions.append(("997", f"{number:04d}", body))
        return self._drop("FA", transactions, test=any(order.test for order in orders))

    def ship(
        self,
        order: ShippingOrder,
        *,
        tracking: str,
        scac: str = "UPSN",
        carrier: str = "UPS GROUND",
        lines: dict[str, int] | None = None,
        shipment_id: str | None = None,
        shipped_on: datetime | None = None,
    ) -> Path:
        """A 945 for ``order``: every ordered unit shipped, or ``lines`` (line id -> units)."""
        day = f"{(shipped_on or datetime.now(UTC)):%Y%m%d}"
        shipment = shipment_id or f"SHP{next(self._shipments):05d}"
        body = [f"W06*F*{order.depositor_order}*{day}*{shipment}**{order.po_number or ''}".rstrip("*")]
        if order.ship_to:
            body.append(f"N1*ST*{order.ship_to}")
        body += [f"N9*CN*{tracking}", f"G62*11*{day}", f"W27*M*{scac}*{carrier}"]
        total = 0
        for number, line in enumerate(order.lines, 1):
            shipped = line.quantity if lines is None else lines.get(line.line_id or "", 0)
            total += shipped
            item = f"**VN*{line.sku}" if line.sku else ""
            body += [f"LX*{number}", f"W12*CC*{line.quantity}*{shipped}*{line.quantity - shipped}*{line.uom}{item}"]
            if line.line_id:
                body.append(f"N9*LI*{line.line_id}")
        body.append(f"W03*{total}")
        return self._drop("SW", [("945", "0001", body)], test=order.test)

    # -- writing --

    def _drop(self, functional_id: str, transactions: list[tuple[str, str, list[str]]], *, test: bool) -> Path:
        isa13, gs06 = next(self._isa13), next(self._gs06)
        moment = datetime.now(UTC)
        text = (
            f"ISA*00*{'':10}*00*{'':10}*ZZ*{self.isa_id:<15}*ZZ*{self.hub_id:<15}*{moment:%y%m%d}*{moment:%H%M}"
            f"*U*00401*{isa13:09d}*0*{'T' if test else 'P'}*>~\n"
            f"GS*{functional_id}*{self.isa_id}*{self.hub_id}*{moment:%Y%m%d}*{moment:%H%M}*{gs06}*X*004010~\n"
        )
        for set_id, control_number, body in transactions:
            segments = [f"ST*{set_id}*{control_number}", *body]
            text += "".join(f"{segment}~\n" for segment in segments)
            text += f"SE*{len(segments) + 1}*{control_number}~\n"
        text += f"GE*{len(transactions)}*{gs06}~\nIEA*1*{isa13:09d}~\n"
        path = self.to_hub / f"{self.isa_id.lower()}_{isa13:09d}.x12"
        partial = self.to_hub / f".{path.name}.part"
        partial.write_text(text)
        moment_s = time.time() - self.settled_age
        os.utime(partial, (moment_s, moment_s))
        partial.rename(path)
        self.dropped.append(path)
        return path


def _acknowledgment(file: str, body: list[Segment]) -> Acknowledgment:
    functional_id = group = code = ""
    sets: list[tuple[str, str, str]] = []
    current: tuple[str, str] | None = None
    for segment in body:
        if segment[0] == "AK1":
            functional_id, group = segment[1], segment[2]
        elif segment[0] == "AK2":
            current = (segment[1], segment[2])
        elif segment[0] == "AK5" and current is not None:
            sets.append((*current, segment[1]))
            current = None
        elif segment[0] == "AK9":
            code = segment[1]
    return Acknowledgment(file, functional_id, group, tuple(sets), code)
