"""A fake X12 drop-ship supplier: it reads the 850s the hub leaves for it (in a directory: a mailbox, or the
directory an SFTP server serves) and answers through the hub's mailbox inbound with a 997, an 855, an 856
and an 810, each in an interchange of its own with its own control numbers.

It reads X12 with the small parser of the fake 3PL (``tests.fakes.x12_3pl``), not with the hub's reader.

* ``collect()`` takes new files: each 850 becomes a ``PurchaseOrder`` (BEG purpose and PO number, ship-to
  N1, lines from PO1: line id, quantity, price, the VN item and our SK); files are taken once, by name.
* ``acknowledge(po, code="A")``: a 997 for the group the 850 came in.
* ``answer(po, statuses={line_id: "IA"|"IR"|"IB"|"IC", ...}, quantities=..., ship_on=...)``: an 855, BAK02 AT
  (all accepted), AC (some changed or refused) or RJ (all refused), one ACK per PO1.
* ``ship(pos, cartons=[{line_id: units}, ...], trackings=[...])``: one 856 for several POs: HL S (carrier,
  ship date), then per PO an HL O (PRF01 the PO number) with an HL P per carton (MAN GM SSCC, MAN CP
  tracking) holding HL I items (LIN with VN and SK, SN1 units).
* ``invoice(po, prices=..., quantities=...)``: an 810 (BIG with the PO number, IT1 per line, TDS total).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from itertools import count
from pathlib import Path

from tests.fakes.x12_3pl import Envelope, Segment, _sets, split_interchanges


@dataclass(frozen=True)
class PoLine:
    line_id: str
    quantity: int
    uom: str
    price: Decimal | None
    item: str | None  # the supplier's own number (VN)
    sku: str | None  # the buyer's SKU (SK)


@dataclass(frozen=True)
class PurchaseOrder:
    file: str
    envelope: Envelope
    purpose: str  # BEG01: 00 original, 01 cancellation
    po_type: str  # BEG02
    po_number: str  # BEG03
    ship_to: str | None  # N102 of N1*ST
    lines: tuple[PoLine, ...]

    @property
    def test(self) -> bool:
        return self.envelope.usage == "T"


def _element(segment: Segment, position: int) -> str | None:
    return segment[position] if len(segment) > position and segment[position] else None


def read_purchase_order(file: str, envelope: Envelope, body: list[Segment]) -> PurchaseOrder:
    beg = next(segment for segment in body if segment[0] == "BEG")
    ship_to = next((_element(s, 2) for s in body if s[0] == "N1" and _element(s, 1) == "ST"), None)
    lines = []
    for segment in body:
        if segment[0] != "PO1":
            continue
        pairs = {segment[i]: segment[i + 1] for i in range(6, len(segment) - 1, 2) if segment[i]}
        price = _element(segment, 4)
        lines.append(
            PoLine(
                segment[1],
                int(segment[2]),
                _element(segment, 3) or "EA",
                Decimal(price) if price else None,
                pairs.get("VN"),
                pairs.get("SK"),
            )
        )
    return PurchaseOrder(file, envelope, beg[1], beg[2], beg[3], ship_to, tuple(lines))


@dataclass
class FakeX12Supplier:
    from_hub: Path  # where the hub leaves its 850s (an SFTP server's directory, or a mailbox)
    to_hub: Path  # the hub's mailbox inbound: the fake drops its answers here
    isa_id: str = "SUPPLIER1"
    hub_id: str = "ORDERHUB"
    settled_age: float = 60.0
    orders: list[PurchaseOrder] = field(default_factory=list)
    dropped: list[Path] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every file the hub left, in the order read
    _seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._isa13 = count(501)
        self._gs06 = count(201)
        self._numbers = count(1)

    # -- reading what the hub sent --

    def collect(self) -> list[PurchaseOrder]:
        new: list[PurchaseOrder] = []
        for path in sorted(self.from_hub.iterdir()):
            if path.name.startswith(".") or path.name in self._seen or not path.is_file():
                continue
            self._seen.add(path.name)
            self.files.append(path.name)
            for isa, segments in split_interchanges(path.read_text()):
                for envelope, body in _sets(isa, segments):
                    if envelope.set_id == "850":
                        new.append(read_purchase_order(path.name, envelope, body))
        self.orders.extend(new)
        return new

    def wait_for_orders(self, total: int, timeout: float = 60.0) -> list[PurchaseOrder]:
        deadline = time.monotonic() + timeout
        self.collect()
        while len(self.orders) < total:
            if time.monotonic() > deadline:
                received = len(self.orders)
                raise AssertionError(f"the fake supplier received {received} 850(s), not {total}, in {timeout}s")
            time.sleep(0.2)
            self.collect()
        return list(self.orders)

    # -- answering --

    def acknowledge(self, po: PurchaseOrder, code: str = "A") -> Path:
        body = [f"AK1*PO*{po.envelope.gs06}", f"AK2*850*{po.envelope.st02}"]
        body.append("AK5*A" if code == "A" else f"AK5*{code}*5")
        body.append(f"AK9*{code}*1*1*{1 if code in ('A', 'E') else 0}")
        return self._drop("FA", [("997", body)], test=po.test)

    def answer(
        self,
        po: PurchaseOrder,
        statuses: dict[str, str] | None = None,
        *,
        quantities: dict[str, int] | None = None,
        ship_on: datetime | None = None,
        ack_number: str = "SO-1",
    ) -> Path:
        """An 855: ACK01 per line (``IA`` when not given), the units (all ordered unless ``quantities``)."""
        statuses = statuses or {}
        codes = [statuses.get(line.line_id, "IA") for line in po.lines]
        accepted = {"IA", "AC", "AR"}
        head = "AT" if all(c in accepted for c in codes) else "RJ" if all(c == "IR" for c in codes) else "AC"
        day = f"{datetime.now(UTC):%Y%m%d}"
        body = [f"BAK*00*{head}*{po.po_number}*{day}****{ack_number}*{day}"]
        for line, code in zip(po.lines, codes, strict=True):
            units = (quantities or {}).get(line.line_id, line.quantity)
            price = f"{line.price}" if line.price is not None else ""
            body.append(f"PO1*{line.line_id}*{line.quantity}*{line.uom}*{price}**{self._pairs(line)}")
            ack = f"ACK*{code}*{units}*{line.uom}"
            if ship_on is not None:
                ack += f"*068*{ship_on:%Y%m%d}"
            body.append(ack)
        body.append(f"CTT*{len(po.lines)}")
        return self._drop("PR", [("855", body)], test=po.test)

    def ship(
        self,
        shipments: Sequence[tuple[PurchaseOrder, Sequence[dict[str, int]]]],
        *,
        trackings: Sequence[str],
        scac: str = "UPSN",
        shipment_id: str | None = None,
    ) -> Path:
        """One 856 for several POs: per PO, its cartons (line id -> units), each with the next tracking number."""
        moment = datetime.now(UTC)
        number = shipment_id or f"ASN{next(self._numbers):05d}"
        body = [f"BSN*00*{number}*{moment:%Y%m%d}*{moment:%H%M}", "HL*1**S", f"TD5*B*2*{scac}*U*UPS GROUND"]
        body.append(f"DTM*011*{moment:%Y%m%d}")
        hl, tracking = 1, iter(trackings)
        for po, cartons in shipments:
            hl += 1
            order_hl = hl
            body += [f"HL*{order_hl}*1*O", f"PRF*{po.po_number}"]
            if po.ship_to:
                body.append(f"N1*ST*{po.ship_to}")
            for carton in cartons:
                hl += 1
                pack_hl = hl
                sscc = f"00{next(self._numbers):018d}"
                body += [f"HL*{pack_hl}*{order_hl}*P", f"MAN*GM*{sscc}", f"MAN*CP*{next(tracking)}"]
                lines = {line.line_id: line for line in po.lines}
                for line_id, units in carton.items():
                    hl += 1
                    line = lines[line_id]
                    body += [f"HL*{hl}*{pack_hl}*I", f"LIN*{line_id}*{self._pairs(line)}", f"SN1**{units}*{line.uom}"]
        body.append(f"CTT*{hl}")
        return self._drop("SH", [("856", body)], test=any(po.test for po, _ in shipments))

    def invoice(
        self,
        po: PurchaseOrder,
        *,
        prices: dict[str, Decimal] | None = None,
        quantities: dict[str, int] | None = None,
        invoice_number: str | None = None,
    ) -> Path:
        """An 810 for ``po``: every line at its PO price and units unless ``prices``/``quantities`` say otherwise."""
        day = f"{datetime.now(UTC):%Y%m%d}"
        number = invoice_number or f"INV-{next(self._numbers):05d}"
        body = [f"BIG*{day}*{number}**{po.po_number}"]
        total = Decimal(0)
        for line in po.lines:
            units = (quantities or {}).get(line.line_id, line.quantity)
            price = (prices or {}).get(line.line_id, line.price if line.price is not None else Decimal("1.00"))
            total += units * price
            body.append(f"IT1*{line.line_id}*{units}*{line.uom}*{price}**{self._pairs(line)}")
        body += [f"TDS*{int(total * 100)}", f"CTT*{len(po.lines)}"]
        return self._drop("IN", [("810", body)], test=po.test)

    # -- writing --

    @staticmethod
    def _pairs(line: PoLine) -> str:
        pairs = [("VN", line.item), ("SK", line.sku)]
        return "*".join(f"{q}*{v}" for q, v in pairs if v)

    def _drop(self, functional_id: str, transactions: list[tuple[str, list[str]]], *, test: bool) -> Path:
        isa13, gs06 = next(self._isa13), next(self._gs06)
        moment = datetime.now(UTC)
        text = (
            f"ISA*00*{'':10}*00*{'':10}*ZZ*{self.isa_id:<15}*ZZ*{self.hub_id:<15}*{moment:%y%m%d}*{moment:%H%M}"
            f"*U*00401*{isa13:09d}*0*{'T' if test else 'P'}*>~\n"
            f"GS*{functional_id}*{self.isa_id}*{self.hub_id}*{moment:%Y%m%d}*{moment:%H%M}*{gs06}*X*004010~\n"
        )
        for number, (set_id, body) in enumerate(transactions, 1):
            segments = [f"ST*{set_id}*{number:04d}", *body]
            text += "".join(f"{segment}~\n" for segment in segments)
            text += f"SE*{len(segments) + 1}*{number:04d}~\n"
        text += f"GE*{len(transactions)}*{gs06}~\nIEA*1*{isa13:09d}~\n"
        path = self.to_hub / f"{self.isa_id.lower()}_{isa13:09d}.x12"
        partial = self.to_hub / f".{path.name}.part"
        partial.write_text(text)
        moment_s = time.time() - self.settled_age
        os.utime(partial, (moment_s, moment_s))
        partial.rename(path)
        self.dropped.append(path)
        return path
