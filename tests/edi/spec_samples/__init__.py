"""Sample X12 files for the spec, validator and pyx12 map tests, and a tiny splitter for them.

The splitter is only for these known-delimiter samples (``*`` elements, ``~`` segments, ``>`` components,
line ends after terminators); the hub's real reader is ``hub.edi.reader``.
"""

from __future__ import annotations

from pathlib import Path

from hub.edi.model import Segment, Transaction

HERE = Path(__file__).parent


def read(name: str) -> str:
    return (HERE / name).read_text(encoding="ascii")


def split_segments(text: str) -> list[Segment]:
    pieces = (p.strip("\r\n") for p in text.split("~"))
    return [Segment(p.split("*")[0], tuple(p.split("*")[1:]), i) for i, p in enumerate(x for x in pieces if x)]


def transactions(text: str) -> list[tuple[str, Transaction]]:
    """(GS08, transaction) for every ST..SE in the text."""
    out: list[tuple[str, Transaction]] = []
    version, current = "", None
    for seg in split_segments(text):
        if seg.id == "GS":
            version = seg.element(8)
        elif seg.id == "ST":
            current = Transaction(seg.element(1), seg.element(2), [seg], seg.element(3))
        elif current is not None:
            current.segments.append(seg)
            if seg.id == "SE":
                out.append((version, current))
                current = None
    return out


GOOD = [
    "850_4010.x12",
    "850_5010.x12",
    "855_4010.x12",
    "856_4010.x12",
    "856_5010.x12",
    "810_4010.x12",
    "846_4010.x12",
    "940_4010.x12",
    "945_4010.x12",
    "997_4010.x12",
    "997_5010.x12",
]


def drop_segment(text: str, segment: str) -> str:
    """Remove one segment (given without its terminator) and keep SE01 right."""
    changed = text.replace(segment + "~\n", "", 1)
    assert changed != text, segment
    return recount(changed)


def recount(text: str) -> str:
    lines = text.splitlines(keepends=True)
    st = next(i for i, line in enumerate(lines) if line.startswith("ST*"))
    se = next(i for i, line in enumerate(lines) if line.startswith("SE*"))
    parts = lines[se].split("*")
    lines[se] = "*".join([parts[0], str(se - st + 1), *parts[2:]])
    return "".join(lines)


def replace_once(text: str, old: str, new: str) -> str:
    changed = text.replace(old, new, 1)
    assert changed != text, old
    return changed


# (case, sample, edit, expected findings as (AK3 code or "", segment id, position, AK4 element, AK4 code,
# data element)). Both pyx12 with the generated maps and the hub's validator must report exactly these, except
# for the positions in PYX12_POSITION.
BROKEN = [
    (
        "850 missing BEG",
        "850_4010.x12",
        lambda t: drop_segment(t, "BEG*00*SA*PO12345**20240115"),
        [("3", "BEG", 2, "", "", "")],
    ),
    (
        "850 bad BEG01 code",
        "850_4010.x12",
        lambda t: replace_once(t, "BEG*00*SA", "BEG*99*SA"),
        [("", "BEG", 2, "01", "7", "353")],
    ),
    (
        "850 BEG03 too long",
        "850_4010.x12",
        lambda t: replace_once(t, "*PO12345*", "*PO1234567890123456789012*"),
        [("", "BEG", 2, "03", "5", "324")],
    ),
    (
        "850 bad N101 code",
        "850_4010.x12",
        lambda t: replace_once(t, "N1*ST*STORE", "N1*XX*STORE"),
        [("", "N1", 14, "01", "7", "98")],
    ),
    (
        "850 bad PO103 unit",
        "850_4010.x12",
        lambda t: replace_once(t, "PO1*1*12*EA", "PO1*1*12*QQ"),
        [("", "PO1", 18, "03", "7", "355")],
    ),
    (
        "850 bad SLN03 relationship",
        "850_4010.x12",
        lambda t: replace_once(t, "SLN*2**I", "SLN*2**Q"),
        [("", "SLN", 28, "03", "7", "662")],
    ),
    (
        "850 5010 missing BEG",
        "850_5010.x12",
        lambda t: drop_segment(t, "BEG*00*SA*PO12345**20240115"),
        [("3", "BEG", 2, "", "", "")],
    ),
    (
        "850 5010 REF02 too long",
        "850_5010.x12",
        lambda t: replace_once(t, "REF*IA*" + "9" * 40, "REF*IA*" + "9" * 51),
        [("", "REF", 5, "02", "5", "127")],
    ),
    (
        "856 missing BSN",
        "856_4010.x12",
        lambda t: drop_segment(t, "BSN*00*SHIP0001*20240116*1530*0001"),
        [("3", "BSN", 2, "", "", "")],
    ),
    (
        "856 bad HL03 code",
        "856_4010.x12",
        lambda t: replace_once(t, "HL*2*1*O", "HL*2*1*X"),
        [("", "HL", 13, "03", "7", "735")],
    ),
    (
        "856 SN103 too long",
        "856_4010.x12",
        lambda t: replace_once(t, "SN1*1*12*EA", "SN1*1*12*EAC"),
        [("", "SN1", 19, "03", "5", "355"), ("", "SN1", 19, "03", "7", "355")],
    ),
    (
        "856 5010 bad TD504",
        "856_5010.x12",
        lambda t: replace_once(t, "UPSN*M*", "UPSN*Q*"),
        [("", "TD5", 6, "04", "7", "91")],
    ),
    ("810 missing TDS", "810_4010.x12", lambda t: drop_segment(t, "TDS*24438"), [("3", "TDS", 19, "", "", "")]),
    (
        "810 BIG02 too long",
        "810_4010.x12",
        lambda t: replace_once(t, "INV0001", "INV0001INV0001INV0001XX"),
        [("", "BIG", 2, "02", "5", "76")],
    ),
    (
        "855 missing BAK",
        "855_4010.x12",
        lambda t: drop_segment(t, "BAK*00*AC*PO12345*20240116"),
        [("3", "BAK", 2, "", "", "")],
    ),
    (
        "855 bad ACK01",
        "855_4010.x12",
        lambda t: replace_once(t, "ACK*IA", "ACK*ZZ"),
        [("", "ACK", 8, "01", "7", "668")],
    ),
    (
        "846 missing BIA",
        "846_4010.x12",
        lambda t: drop_segment(t, "BIA*00*MB*INV20240116*20240116*0800"),
        [("3", "BIA", 2, "", "", "")],
    ),
    (
        "846 bad QTY03 unit",
        "846_4010.x12",
        lambda t: replace_once(t, "QTY*33*120*EA", "QTY*33*120*QQ"),
        [("", "QTY", 8, "03:1", "7", "355")],
    ),
    (
        "940 W0502 too long",
        "940_4010.x12",
        lambda t: replace_once(t, "ORD5566", "ORD5566ORD5566ORD5566XX"),
        [("", "W05", 2, "02", "5", "285")],
    ),
    ("940 bad W0501", "940_4010.x12", lambda t: replace_once(t, "W05*N", "W05*Z"), [("", "W05", 2, "01", "7", "473")]),
    ("945 missing W03", "945_4010.x12", lambda t: drop_segment(t, "W03*15*30.2*LB"), [("3", "W03", 17, "", "", "")]),
    ("945 bad W0601", "945_4010.x12", lambda t: replace_once(t, "W06*F", "W06*Z"), [("", "W06", 2, "01", "7", "514")]),
    ("997 missing AK9", "997_4010.x12", lambda t: drop_segment(t, "AK9*P*2*2*1"), [("3", "AK9", 11, "", "", "")]),
    (
        "997 bad AK304",
        "997_4010.x12",
        lambda t: replace_once(t, "AK3*BEG*2**8", "AK3*BEG*2**9"),
        [("", "AK3", 6, "04", "7", "720")],
    ),
    ("997 5010 AK403 code 12", "997_5010.x12", lambda t: replace_once(t, "*324*5*", "*324*12*"), []),
    (
        "997 4010 AK403 code 12",
        "997_4010.x12",
        lambda t: replace_once(t, "*324*5*", "*324*12*"),
        [("", "AK4", 8, "03", "7", "723")],
    ),
]

# A mandatory segment missing just before SE: the hub reports it at SE's position, where it was due; pyx12's
# segment counter does not count SE, so it names the segment before.
PYX12_POSITION = {"945 missing W03": 16, "997 missing AK9": 10}
