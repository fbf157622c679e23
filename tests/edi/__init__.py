"""Shared by the EDI tests: the sample folder, a fixed-width ISA builder, and a canonical dump of a read tree."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hub.edi.envelope import Event, GroupStart, InterchangeStart, TransactionRead
from hub.edi.model import Finding, Interchange

SAMPLES = Path(__file__).parent / "samples"
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def isa(
    control: str = "000000101",
    *,
    version: str = "00401",
    isa11: str = "U",
    sender: str = "ACMERETAIL",
    receiver: str = "WIDGETSUPPLY",
    sep: str = "*",
    comp: str = ">",
) -> str:
    """An ISA padded to its fixed widths (105 characters, without the terminator)."""
    values = ["00", "", "00", "", "ZZ", sender, "ZZ", receiver, "240105", "1230", isa11, version, control, "0", "P"]
    return "ISA" + sep + sep.join(v.ljust(w) for v, w in zip(values, ISA_WIDTHS, strict=True)) + sep + comp


def po_set(number: str = "0001", *, lines: int = 1, se_count: int | None = None) -> list[str]:
    body = [f"ST*850*{number}", "BEG*00*SA*4500012345**20240105", "N1*ST*ACME DC 4*92*0004"]
    for i in range(1, lines + 1):
        body += [f"PO1*{i}*24*EA*4.75**UP*0123456789{i % 100:02d}", "PID*F****WIDGET"]
    body.append(f"CTT*{lines}")
    body.append(f"SE*{se_count if se_count is not None else len(body) + 1}*{number}")
    return body


def interchange(
    *sets: list[str],
    control: str = "000000101",
    group: str = "101",
    gs: str | None = None,
    term: str = "~",
    eol: str = "",
    **isa_options: Any,
) -> str:
    """An interchange with one PO group holding ``sets`` (lists of segments written with "*")."""
    segments = [gs or f"GS*PO*ACMERETAIL*WIDGETSUPPLY*20240105*1230*{group}*X*004010"]
    for transaction in sets:
        segments += transaction
    segments += [f"GE*{len(sets)}*{group}", f"IEA*1*{control}"]
    sep = isa_options.get("sep", "*")
    body = [segment.replace("*", sep) for segment in segments]
    return (term + eol).join([isa(control, **isa_options), *body]) + term + eol


def codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(finding.level.value, finding.code) for finding in findings]


def dump(interchanges: list[Interchange]) -> list[Any]:
    """Everything a reader decides about a file, as plain data, for comparing two readings."""
    return [
        {
            "isa": ix.isa,
            "delimiters": ix.delimiters,
            "findings": codes(ix.findings),
            "groups": [
                (
                    g.functional_id,
                    g.control_number,
                    g.version,
                    codes(g.findings),
                    [(t.set_id, t.control_number, t.segments, codes(t.findings)) for t in g.transactions],
                )
                for g in ix.groups
            ],
        }
        for ix in interchanges
    ]


def collect(events: Iterable[Event]) -> list[Interchange]:
    """The tree a stream of events describes (streaming itself leaves the containers empty)."""
    interchanges: list[Interchange] = []
    for event in events:
        if isinstance(event, InterchangeStart):
            interchanges.append(event.interchange)
        elif isinstance(event, GroupStart):
            event.interchange.groups.append(event.group)
        elif isinstance(event, TransactionRead):
            event.group.transactions.append(event.transaction)
    return interchanges
