"""X12 input benchmark: the hub's streaming reader with its envelope checks against pyx12's X12Reader, same run.

Writes a 4010 850 interchange of about 100,000 segments (purchase orders of 20 lines, one segment per line
after its "~", as most partners send them) to a temporary file, then, in alternating rounds:

* hub: ``hub.edi.reader.read_events`` over the open file (64 KiB chunks), envelope checks on, every
  segment built as a ``Segment``;
* pyx12: ``pyx12.x12file.X12Reader`` over the same path (it needs ISA12 00401 or 00501 and an ASCII file),
  iterating its segments, with its own envelope counting;
* floor: ``str.split`` of the whole decoded text on terminators, then of each segment on separators, keeping
  nothing: what any pure-Python tokenizer pays before it builds a single object.

Medians of the rounds are reported, by wall clock and by CPU time of this process (the machine is shared and
noisy: compare the ratio). Then peak Python memory (tracemalloc) while streaming 100,000 and 400,000
segments, to show it does not follow file size.

    .venv/bin/python bench/x12_reader.py [--segments 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pyx12.x12file import X12Reader  # noqa: E402

from hub.edi.envelope import InterchangeEnd, TransactionRead  # noqa: E402
from hub.edi.reader import read_events  # noqa: E402

LINES_PER_ORDER = 20
ISA = "ISA*00*          *00*          *ZZ*ACMERETAIL     *ZZ*WIDGETSUPPLY   *240105*1230*U*00401*000000101*0*P*>~"


def write_850(path: Path, segments: int) -> int:
    """A one-group interchange of purchase orders with about ``segments`` segments; returns the exact count."""
    count, number = 4, 0  # ISA, GS, GE, IEA
    with path.open("w", encoding="ascii", newline="") as out:
        out.write(ISA + "\n" + "GS*PO*ACMERETAIL*WIDGETSUPPLY*20240105*1230*101*X*004010~\n")
        while count < segments:
            number += 1
            body = [
                f"ST*850*{number:05d}",
                f"BEG*00*SA*45{number:08d}**20240105",
                "REF*DP*038",
                "DTM*002*20240115",
                f"N1*ST*ACME DC {number % 90 + 10}*92*00{number % 90 + 10}",
                "N3*1200 INDUSTRIAL PKWY",
                "N4*COLUMBUS*OH*43215*US",
            ]
            for line in range(1, LINES_PER_ORDER + 1):
                body.append(
                    f"PO1*{line}*{line * 6}*EA*{line + 3}.75**UP*0123456{number % 1000:03d}{line:02d}*VN*WG-{line}"
                )
                body.append("PID*F****WIDGET BLUE 100MM")
            body.append(f"CTT*{LINES_PER_ORDER}*{sum(line * 6 for line in range(1, LINES_PER_ORDER + 1))}")
            body.append(f"SE*{len(body) + 1}*{number:05d}")
            out.write("".join(segment + "~\n" for segment in body))
            count += len(body)
        out.write(f"GE*{number}*101~\nIEA*1*000000101~\n")
    return count


def hub_reader(path: Path) -> int:
    segments = 0
    with path.open("rb") as stream:
        for event in read_events(stream):
            if type(event) is TransactionRead:
                if event.transaction.findings:
                    raise AssertionError(f"unexpected findings: {event.transaction.findings}")
                segments += len(event.transaction.segments)
            elif type(event) is InterchangeEnd and event.interchange.findings:
                raise AssertionError(f"unexpected findings: {event.interchange.findings}")
    return segments + 4


def pyx12_reader(path: Path) -> int:
    segments = 0
    with X12Reader(str(path)) as reader:
        for _ in reader:
            segments += 1
        if reader.pop_errors():
            raise AssertionError("pyx12 found envelope errors")
    return segments


def split_floor(path: Path) -> int:
    segments = 0
    for piece in path.read_bytes().decode("latin-1").replace("\n", "").split("~"):
        if piece:
            piece.split("*")
            segments += 1
    return segments


def timed(function: Callable[[Path], int], path: Path) -> tuple[float, float, int]:
    """Wall-clock and CPU seconds of one reading, and the segments it counted."""
    wall, cpu = time.perf_counter(), time.process_time()
    count = function(path)
    return time.perf_counter() - wall, time.process_time() - cpu, count


def peak_memory(path: Path) -> int:
    tracemalloc.start()
    hub_reader(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "850.x12"
        total = write_850(path, args.segments)
        print(f"file: 4010 850, {total:,} segments, {path.stat().st_size / 1e6:.1f} MB, {args.rounds} rounds")
        readers = {
            "hub reader + envelope checks": hub_reader,
            "pyx12 X12Reader": pyx12_reader,
            "split floor": split_floor,
        }
        wall: dict[str, list[float]] = {name: [] for name in readers}
        cpu: dict[str, list[float]] = {name: [] for name in readers}
        for _ in range(args.rounds):
            for name, function in readers.items():
                wall_seconds, cpu_seconds, count = timed(function, path)
                if count != total:
                    raise AssertionError(f"{name} read {count} segments, the file has {total}")
                wall[name].append(wall_seconds)
                cpu[name].append(cpu_seconds)
        rates = {name: total / statistics.median(values) for name, values in wall.items()}
        cpu_rates = {name: total / statistics.median(values) for name, values in cpu.items()}
        print(f"  {'segments/s (median)':30} {'wall clock':>12} {'CPU time':>12}")
        for name, rate in rates.items():
            print(f"  {name:30} {rate:>12,.0f} {cpu_rates[name]:>12,.0f}")
        hub, pyx12 = "hub reader + envelope checks", "pyx12 X12Reader"
        print(
            f"  hub / pyx12: {rates[hub] / rates[pyx12]:.1f}x wall clock, {cpu_rates[hub] / cpu_rates[pyx12]:.1f}x CPU"
        )

        big = Path(folder) / "850-large.x12"
        large = write_850(big, args.segments * 4)
        small_peak, large_peak = peak_memory(path), peak_memory(big)
        print("peak Python memory while streaming (tracemalloc):")
        print(f"  {total:>9,} segments ({path.stat().st_size / 1e6:5.1f} MB): {small_peak / 1e6:6.2f} MB")
        print(f"  {large:>9,} segments ({big.stat().st_size / 1e6:5.1f} MB): {large_peak / 1e6:6.2f} MB")
        print(f"  growth for 4x the file: {large_peak / small_peak:.2f}x")


if __name__ == "__main__":
    main()
