"""X12 end to end: read + envelope checks + validation + mapping to canonical + the 997, beside pyx12's reader.

Two 4010 850 files of about 100,000 segments, purchase orders of 20 lines in one group: "retail" lines as
retailers send them (PO1, PID, PO4, REF, SAC, DTM and a mark-for N1/N4 per line) and "dense" lines (PO1 and
PID only, the file of ``bench/x12_reader.py``). Mapping costs per field the canonical order has, so the dense
file, with most of its segments mapped, is the hard case. For each, in alternating rounds:

* hub end to end: ``hub.edi.pipeline.check_stream`` over the open file (streaming reader, envelope checks,
  ``hub.edi.validate`` against the 850 spec, ``mappings/x12/850.yaml`` to a canonical ``Order`` per set),
  then ``hub.edi.acks.acknowledge`` building the 997 for the interchange; every set must be accepted and
  mapped, and the 997 must accept them all;
* pyx12 X12Reader: ``pyx12.x12file.X12Reader`` tokenising the same file with its envelope counting (no
  validation, no mapping: pyx12's full validation path is far slower, see ``bench/x12_validate.py``).

Medians by wall clock and CPU time are printed (the machine is noisy: compare the ratio), then peak Python
memory (tracemalloc) for the whole pipeline at 1x and 4x the file size, to show it does not follow the file.

    .venv/bin/python bench/x12_end_to_end.py [--segments 100000] [--rounds 5] [--shape retail|dense|both]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from x12_reader import ISA, pyx12_reader, write_850  # noqa: E402

from hub.edi.acks import acknowledge  # noqa: E402
from hub.edi.parse import addressee_profile, counting_numbers  # noqa: E402
from hub.edi.pipeline import SetResult, check_stream  # noqa: E402

LINES_PER_ORDER = 20
RETAIL_LINE = [  # a retail 850 line: item, description, pack, reference, allowance, date, mark-for store
    "PO1*{n}*{qty}*EA*{price}**UP*0123456{order:03d}{n:02d}*VN*WG-{n}*IN*{n}",
    "PID*F****WIDGET NUMBER {n}",
    "PO4*6*1*EA",
    "REF*IA*ITEM{n}",
    "SAC*A*C310***500",
    "DTM*002*20240201",
    "N1*Z7*MARK FOR*92*MF{n}",
    "N4*SPRINGFIELD*IL*62701",
]


def write_retail_850(path: Path, segments: int) -> int:
    """Purchase orders of 20 retail lines (8 segments each) in one group; returns the exact segment count."""
    count, number = 4, 0
    with path.open("w", encoding="ascii", newline="") as out:
        out.write(ISA + "\n" + "GS*PO*ACMERETAIL*WIDGETSUPPLY*20240105*1230*101*X*004010~\n")
        while count < segments:
            number += 1
            body = [f"ST*850*{number:05d}", f"BEG*00*SA*45{number:08d}**20240105", "CUR*BY*USD", "REF*DP*038"]
            body += ["DTM*002*20240115", "N1*ST*ACME DC 4*92*0004", "N3*1200 INDUSTRIAL PKWY", "N4*COLUMBUS*OH*43215"]
            for n in range(1, LINES_PER_ORDER + 1):
                values = {"n": n, "qty": n * 6, "price": f"{n + 3}.75", "order": number % 1000}
                body += [segment.format(**values) for segment in RETAIL_LINE]
            body += [f"CTT*{LINES_PER_ORDER}", f"SE*{len(body) + 2}*{number:05d}"]
            out.write("".join(segment + "~\n" for segment in body))
            count += len(body)
        out.write(f"GE*{number}*101~\nIEA*1*000000101~\n")
    return count


SHAPES = {
    "retail": ("retail lines: PO1, PID, PO4, REF, SAC, DTM, N1, N4", write_retail_850),
    "dense": ("dense lines: PO1, PID only", write_850),
}


def hub_end_to_end(path: Path) -> int:
    """Segments processed; raises when anything is rejected, unmapped or not acknowledged as accepted."""
    segments, documents = 4, 0  # ISA, GS, GE, IEA
    numbers = counting_numbers()
    with path.open("rb") as stream:
        for item in check_stream(stream):
            if isinstance(item, SetResult):
                if not item.transaction.accepted or item.mapping_error or len(item.documents) != 1:
                    raise AssertionError(f"set {item.transaction.control_number}: {item.transaction.findings}")
                segments += len(item.transaction.segments)
                documents += 1
                continue
            answer = acknowledge(item.interchange, addressee_profile(item.interchange), numbers)
            sets = sum(len(group.transactions) for group in item.interchange.groups)
            if answer is None or f"AK9*A*{sets}*{sets}*{sets}~" not in answer.text or documents != sets:
                raise AssertionError("the 997 does not accept every set")
    return segments


def peak_memory(path: Path) -> int:
    tracemalloc.start()
    hub_end_to_end(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def measure(folder: Path, shape: str, segments: int, rounds: int) -> None:
    label, write = SHAPES[shape]
    path = folder / f"850-{shape}.x12"
    total = write(path, segments)
    print(f"4010 850, {label}: {total:,} segments, {path.stat().st_size / 1e6:.1f} MB, {rounds} rounds")
    runners = {"hub read+validate+map+997": hub_end_to_end, "pyx12 X12Reader (tokenise)": pyx12_reader}
    wall: dict[str, list[float]] = {name: [] for name in runners}
    cpu: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(rounds):
        for name, run in runners.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            count = run(path)
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - cpu_started)
            if count != total:
                raise AssertionError(f"{name} counted {count} segments, the file has {total}")
    print(f"  {'segments/s (median)':30} {'wall clock':>12} {'CPU time':>12}")
    rates = {name: total / statistics.median(values) for name, values in wall.items()}
    cpu_rates = {name: total / statistics.median(values) for name, values in cpu.items()}
    for name in runners:
        print(f"  {name:30} {rates[name]:>12,.0f} {cpu_rates[name]:>12,.0f}")
    hub, pyx12 = runners
    print(f"  hub end to end / pyx12 tokenising: {rates[hub] / rates[pyx12]:.2f}x wall clock")
    big = folder / f"850-{shape}-large.x12"
    large = write(big, segments * 4)
    small_peak, large_peak = peak_memory(path), peak_memory(big)
    print("  peak Python memory, whole pipeline (tracemalloc):")
    print(f"    {total:>9,} segments: {small_peak / 1e6:6.2f} MB")
    print(f"    {large:>9,} segments: {large_peak / 1e6:6.2f} MB ({large_peak / small_peak:.2f}x for 4x the file)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--shape", choices=[*SHAPES, "both"], default="both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for shape in SHAPES if args.shape == "both" else [args.shape]:
            measure(Path(folder), shape, args.segments, args.rounds)


if __name__ == "__main__":
    main()
