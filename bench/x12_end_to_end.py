"""X12 end to end: read + envelope checks + validation + mapping to canonical + the 997, beside pyx12's reader.

Uses the same 4010 850 file as ``bench/x12_reader.py`` (about 100,000 segments: purchase orders of 20 lines
in one group), and in alternating rounds measures:

* hub end to end: ``hub.edi.pipeline.check_stream`` over the open file (streaming reader, envelope checks,
  ``hub.edi.validate`` against the 850 spec, ``mappings/x12/850.yaml`` to a canonical ``Order`` per set),
  then ``hub.edi.acks.acknowledge`` building the 997 for the interchange; every set must be accepted and
  mapped, and the 997 must accept them all;
* pyx12 X12Reader: ``pyx12.x12file.X12Reader`` tokenising the same file with its envelope counting (no
  validation, no mapping: pyx12's full validation path is far slower, see ``bench/x12_validate.py``).

Medians by wall clock and CPU time are printed (the machine is noisy: compare the ratio), then peak Python
memory (tracemalloc) for the whole pipeline at 1x and 4x the file size, to show it does not follow the file.

    .venv/bin/python bench/x12_end_to_end.py [--segments 100000] [--rounds 5]
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

from x12_reader import pyx12_reader, write_850  # noqa: E402

from hub.edi.acks import acknowledge  # noqa: E402
from hub.edi.parse import addressee_profile, counting_numbers  # noqa: E402
from hub.edi.pipeline import SetResult, check_stream  # noqa: E402


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "850.x12"
        total = write_850(path, args.segments)
        print(f"file: 4010 850, {total:,} segments, {path.stat().st_size / 1e6:.1f} MB, {args.rounds} rounds")
        runners = {"hub read+validate+map+997": hub_end_to_end, "pyx12 X12Reader (tokenise)": pyx12_reader}
        wall: dict[str, list[float]] = {name: [] for name in runners}
        cpu: dict[str, list[float]] = {name: [] for name in runners}
        for _ in range(args.rounds):
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

        big = Path(folder) / "850-large.x12"
        large = write_850(big, args.segments * 4)
        small_peak, large_peak = peak_memory(path), peak_memory(big)
        print("peak Python memory, whole pipeline (tracemalloc):")
        print(f"  {total:>9,} segments: {small_peak / 1e6:6.2f} MB")
        print(f"  {large:>9,} segments: {large_peak / 1e6:6.2f} MB ({large_peak / small_peak:.2f}x for 4x the file)")


if __name__ == "__main__":
    main()
