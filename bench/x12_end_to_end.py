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

Medians by wall clock and CPU time are printed (the machine is noisy: compare the ratio), then peak memory
at each of ``--memory-sizes`` (100,000, 400,000 and 1,000,000 segments by default), each measured in a fresh
process so one size cannot hide another's peak:

* pipeline: ``check_stream`` and the 997, as above;
* inbound (retail shape; ``--no-inbound`` skips it): the whole worker path, ``process_message`` on a
  message stored in a fresh SQLite database (read, validate, map, apply each order, the register, the queued
  997), as ``hub.ingest.parse`` runs it.

Each line gives the peak of Python's own allocations (tracemalloc) and the growth of the process's resident
set over its size just before the run (``resource.getrusage``), which also counts SQLite's and the
allocator's memory. The stored file itself is read whole by the inbound path, so it is part of that figure.

``--stages`` also prints where the hub's time goes on the same file (read with envelope checks and validation,
the tree, the mapping, canonical validation), each stage's CPU time and its share.

    .venv/bin/python bench/x12_end_to_end.py [--segments 100000] [--rounds 5] [--shape retail|dense|both]
        [--memory-sizes 100000,400000,1000000] [--no-inbound] [--stages]
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from x12_reader import ISA, pyx12_reader, write_850  # noqa: E402

from hub.edi.acks import acknowledge  # noqa: E402
from hub.edi.parse import addressee_profile, counting_numbers  # noqa: E402
from hub.edi.pipeline import InterchangeDone, SetResult, check_stream  # noqa: E402

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
            if not isinstance(item, InterchangeDone):
                continue  # an interchange or group boundary
            answer = acknowledge(item.interchange, addressee_profile(item.interchange), numbers)
            sets = sum(len(group.transactions) for group in item.interchange.groups)
            if answer is None or f"AK9*A*{sets}*{sets}*{sets}~" not in answer.text or documents != sets:
                raise AssertionError("the 997 does not accept every set")
    return segments


def inbound(path: Path, folder: Path) -> None:
    """Measure the worker's whole path on a fresh SQLite database. Only the processing is measured: the
    database, the partner and the stored message are made first."""
    from hub.channels.process import process_message
    from hub.db import migrate
    from hub.db.session import Database
    from hub.edi.intake import store_x12
    from hub.edi.partners import parse_profile, save_partner

    database = Database(f"sqlite:///{folder / 'inbound.sqlite3'}")
    migrate.upgrade(database)
    profile = {
        "theirs": {"qualifier": "ZZ", "id": "ACMERETAIL", "gs_id": "ACMERETAIL"},
        "ours": {"qualifier": "ZZ", "id": "WIDGETSUPPLY", "gs_id": "WIDGETSUPPLY"},
        "control_version": "00401",
        "gs_version": "004010",
    }
    with database.session() as session:
        save_partner(session, "acme", name="Acme", kind="trading_partner", profile=parse_profile(profile))
        inbox_id, _ = store_x12(session, source="bench", body=path.read_bytes(), partner_id="acme")
    _measured(lambda: process_message(database, inbox_id), must_process=True)


def _measured(run: Callable[[], object], *, must_process: bool = False) -> None:
    """Run ``run`` under tracemalloc and print its figures as one JSON line."""
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    detail = str(getattr(result, "detail", ""))
    if must_process and getattr(result, "status", "") != "processed":
        raise AssertionError(f"the message was not processed: {detail}")
    print(json.dumps({"peak": peak, "rss": grown * 1024, "seconds": seconds, "detail": detail[:120]}))


def _child(mode: str, shape: str, segments: int) -> None:
    """One measurement in this (fresh) process: write the file, run ``mode`` on it, print the figures."""
    with tempfile.TemporaryDirectory() as folder:
        warm = Path(folder) / "warm.x12"  # specs, maps and mappings load once per process: not the file's cost
        SHAPES[shape][1](warm, 2_000)
        hub_end_to_end(warm)
        path = Path(folder) / "850.x12"
        SHAPES[shape][1](path, segments)
        if mode == "pipeline":
            _measured(lambda: hub_end_to_end(path))
        else:
            inbound(path, Path(folder))


def memory(shape: str, sizes: list[int], modes: list[str]) -> None:
    print("  peak memory per size, each in a fresh process (tracemalloc peak / resident set growth):")
    for mode in modes:
        for size in sizes:
            command = [sys.executable, __file__, "--child", mode, "--shape", shape, "--segments", str(size)]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"{mode} at {size} segments failed:\n{done.stderr}")
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"    {mode:8} {size:>9,} segments: {figures['peak'] / 1e6:7.2f} MB traced,"
                f" {figures['rss'] / 1e6:7.1f} MB resident, {figures['seconds']:6.1f} s traced"
            )


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


def stages(folder: Path, shape: str, segments: int, rounds: int) -> None:
    """Where the hub's time goes, stage by stage, on the same file: CPU time of the fastest round of each."""
    from hub.edi.documents import DOCUMENTS, document_input
    from hub.mapping import load_mapping

    path = folder / f"850-{shape}-stages.x12"
    total = SHAPES[shape][1](path, segments)
    mapping = load_mapping(DOCUMENTS["850"])
    best: dict[str, float] = {}
    for _ in range(rounds):
        spent = dict.fromkeys(("read, envelope, validate", "tree", "mapping", "canonical validation"), 0.0)
        clock = time.process_time
        with path.open("rb") as stream:
            mark = clock()
            for item in check_stream(stream, map_documents=False):
                if not isinstance(item, SetResult):
                    continue
                start = clock()
                spent["read, envelope, validate"] += start - mark
                data = document_input(item.transaction, item.group, item.interchange)
                tree = clock()
                raw = mapping.run(data)
                mapped = clock()
                mapping.document_class.model_validate(raw)
                mark = clock()
                spent["tree"] += tree - start
                spent["mapping"] += mapped - tree
                spent["canonical validation"] += mark - mapped
        for name, seconds in spent.items():
            best[name] = min(best.get(name, seconds), seconds)
    whole = sum(best.values())
    print(f"  stages ({shape}, {total:,} segments, CPU time, best of {rounds}): {total / whole:,.0f} segments/s")
    for name, seconds in best.items():
        print(f"    {name:26} {seconds:7.3f} s {seconds / whole:6.1%} {total / seconds:>12,.0f} segments/s alone")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--shape", choices=[*SHAPES, "both"], default="both")
    parser.add_argument("--memory-sizes", default="100000,400000,1000000")
    parser.add_argument("--no-inbound", action="store_true", help="skip the worker path's memory figures")
    parser.add_argument("--stages", action="store_true", help="also print the share of each stage")
    parser.add_argument("--child", choices=["pipeline", "inbound"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.shape, args.segments)
        return
    sizes = [int(size) for size in args.memory_sizes.split(",") if size]
    with tempfile.TemporaryDirectory() as folder:
        for shape in SHAPES if args.shape == "both" else [args.shape]:
            if args.rounds:
                measure(Path(folder), shape, args.segments, args.rounds)
                if args.stages:
                    stages(Path(folder), shape, args.segments, args.rounds)
            modes = ["pipeline"] + ([] if args.no_inbound or shape != "retail" else ["inbound"])
            memory(shape, sizes, modes)


if __name__ == "__main__":
    main()
