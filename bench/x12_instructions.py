"""X12 end to end in instructions per segment (valgrind), stage by stage: figures a busy machine cannot blur.

Wall clock on a shared machine moves by a third from one run to the next; the number of instructions the
interpreter executes does not. Each figure here is measured by running this script under valgrind's cachegrind
(no cache simulation) twice, on files of two sizes, and dividing the difference in instructions by the
difference in segments: loading specs, maps, mappings and the interpreter itself cancel out, what is left is the
cost of one more segment.

The stages are cumulative, so the cost of each is the difference from the one before:

* ``reader``: ``hub.edi.reader.read_events`` alone (segments and envelope events, envelope checks);
* ``read``: ``hub.edi.pipeline.check_stream`` without mapping (the reader, then validation of each set);
* ``tree``: plus ``hub.edi.documents.document_input`` (the set as JSON data shaped by its spec);
* ``mapping``: plus the 850 mapping's ``run`` (plain data, before canonical validation);
* ``canonical``: plus ``model_validate`` of the canonical ``order.v1``;
* ``end to end``: what ``bench/x12_end_to_end.py`` times (``check_stream`` mapping every set, the 997).

    .venv/bin/python bench/x12_instructions.py [--shape dense|retail|both] [--small 5000] [--large 25000]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

STAGES = ("reader", "read", "tree", "mapping", "canonical", "end to end")


def run_stage(stage: str, path: Path) -> None:
    """The work of ``stage`` (and the stages before it) over the file at ``path``."""
    from x12_end_to_end import hub_end_to_end

    from hub.edi.documents import DOCUMENTS, document_input
    from hub.edi.pipeline import SetResult, check_stream
    from hub.edi.reader import read_events
    from hub.mapping import load_mapping

    if stage == "end to end":
        hub_end_to_end(path)
        return
    depth = STAGES.index(stage) - 1
    if depth < 0:
        with path.open("rb") as stream:
            for _ in read_events(stream):
                pass
        return
    mapping = load_mapping(DOCUMENTS["850"])
    with path.open("rb") as stream:
        for item in check_stream(stream, map_documents=False):
            if not isinstance(item, SetResult) or depth < 1:
                continue
            data = document_input(item.transaction, item.group, item.interchange)
            if depth >= 2:
                raw = mapping.run(data)
                if depth >= 3:
                    mapping.document_class.model_validate(raw)


def _child(stage: str, shape: str, segments: int) -> None:
    from x12_end_to_end import SHAPES

    with tempfile.TemporaryDirectory() as folder:
        warm = Path(folder) / "warm.x12"
        SHAPES[shape][1](warm, 2_000)
        run_stage("end to end", warm)  # everything loaded and compiled once, in both sizes alike
        path = Path(folder) / "850.x12"
        total = SHAPES[shape][1](path, segments)
        print(total)
        run_stage(stage, path)


def instructions(stage: str, shape: str, segments: int) -> tuple[int, int]:
    """(segments in the file, instructions of the whole process) for one run under cachegrind."""
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        stage,
        "--shape",
        shape,
        "--segments",
        str(segments),
    ]
    # One hash seed for every run: string hashes decide dict probing, so they would move the counts a little.
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{stage} on {segments} segments failed:\n{done.stderr[-2000:]}")
    return int(done.stdout.split()[-1]), int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=["dense", "retail", "both"], default="both")
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--large", type=int, default=25_000)
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated subset of the stages")
    parser.add_argument("--child", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--segments", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.shape, args.segments)
        return
    for shape in ("dense", "retail") if args.shape == "both" else (args.shape,):
        print(f"4010 850, {shape} lines: instructions per segment (cachegrind, {args.small:,} vs {args.large:,})")
        previous = 0.0
        for stage in args.stages.split(","):
            small, small_count = instructions(stage, shape, args.small)
            large, large_count = instructions(stage, shape, args.large)
            per_segment = (large_count - small_count) / (large - small)
            alone = per_segment - previous if stage != "end to end" else per_segment
            print(f"  {stage:12} {per_segment:>10,.0f} cumulative {alone:>10,.0f} this stage", flush=True)
            previous = per_segment if stage != "end to end" else previous


if __name__ == "__main__":
    main()
