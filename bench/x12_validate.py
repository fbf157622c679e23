"""X12 validation throughput: the hub's fast validator beside pyx12's full validation of the same file.

    .venv/bin/python bench/x12_validate.py [--segments 100000] [--repeat 5] [--skip-pyx12]

Generates one 004010 850 of about ``--segments`` segments (a realistic header, then PO1 loops with PID, PO4,
REF, SAC, DTM and an N1 loop), checks that both validators accept it, and prints segments/s for
``hub.edi.validate`` (best of ``--repeat`` runs, tokenizing excluded) and for pyx12's ``x12n_document`` with
the generated maps (run once: it is slow). The tokenizer here is a plain split of the known delimiters; the
hub's streaming reader is measured elsewhere.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.edi.model import Segment, Transaction  # noqa: E402
from hub.edi.pyx12maps import build_map_folder, validate_with_pyx12  # noqa: E402
from hub.edi.spec import get_spec  # noqa: E402
from hub.edi.validate import validate_transaction  # noqa: E402

HEADER = [
    "BEG*00*SA*PO12345**20240115",
    "CUR*BY*USD",
    "REF*DP*042",
    "PER*BD*JANE BUYER*TE*5555551212",
    "FOB*PP",
    "ITD*01*3*2**30**60",
    "DTM*002*20240201",
    "TD5****M*ROUTING INFO",
    "N1*ST*STORE 42*92*0042",
    "N3*100 MAIN ST",
    "N4*SPRINGFIELD*IL*62701*US",
]
LINE = [
    "PO1*{n}*12*EA*9.99**UP*{upc}*VN*ABC-{n}*IN*{n}",
    "PID*F****WIDGET NUMBER {n}",
    "PO4*6*1*EA",
    "REF*IA*ITEM{n}",
    "SAC*A*C310***500",
    "DTM*002*20240201*1530",
    "N1*Z7*MARK FOR*92*MF{n}",
    "N4*SPRINGFIELD*IL*62701",
]


def generate_850(target_segments: int) -> str:
    body = ["ST*850*0001", *HEADER]
    n = 0
    while len(body) + len(LINE) + 2 <= target_segments:
        n += 1
        body += [s.format(n=n, upc=f"{n:012d}") for s in LINE]
    body += [f"CTT*{n}", f"SE*{len(body) + 2}*0001"]
    isa = "ISA*00*          *00*          *ZZ*SENDERID       *ZZ*RECEIVERID     *240115*1200*U*00401*000000001*0*T*>"
    segments = [isa, "GS*PO*SENDERID*RECEIVERID*20240115*1200*1*X*004010", *body, "GE*1*1", "IEA*1*000000001"]
    return "~\n".join(segments) + "~\n"


def tokenize(text: str) -> Transaction:
    segments = []
    for i, raw in enumerate(p.strip() for p in text.split("~")):
        if raw:
            parts = raw.split("*")
            segments.append(Segment(parts[0], tuple(parts[1:]), i))
    st = next(i for i, s in enumerate(segments) if s.id == "ST")
    se = next(i for i, s in enumerate(segments) if s.id == "SE")
    return Transaction("850", "0001", segments[st : se + 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-pyx12", action="store_true", help="measure the hub's validator only")
    args = parser.parse_args()

    text = generate_850(args.segments)
    tx = tokenize(text)
    count = len(tx.segments)
    spec = get_spec("850", "004010")
    print(f"850 004010, {count} segments ST..SE ({len(text) / 1e6:.1f} MB)")

    best = float("inf")
    for _ in range(args.repeat):
        tx.findings.clear()
        started = time.perf_counter()
        findings = validate_transaction(tx, spec)
        best = min(best, time.perf_counter() - started)
        if findings:
            raise SystemExit(f"the hub's validator rejected the generated file: {findings[:3]}")
    print(f"hub.edi.validate      {count / best:>12,.0f} segments/s  ({best * 1000:.0f} ms, best of {args.repeat})")

    started = time.perf_counter()
    tokenize(text)
    split = time.perf_counter() - started
    print(f"  (plain split, for scale: {count / split:,.0f} segments/s)")

    if args.skip_pyx12:
        return
    with tempfile.TemporaryDirectory() as tmp:
        maps = build_map_folder(tmp)
        started = time.perf_counter()
        errors = validate_with_pyx12(text, maps)
        elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"pyx12 rejected the generated file: {errors[:3]}")
    print(f"pyx12 x12n_document   {count / elapsed:>12,.0f} segments/s  ({elapsed:.1f} s, one run)")
    print(f"ratio                 {elapsed / best:>12.1f}x")


if __name__ == "__main__":
    main()
