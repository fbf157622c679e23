"""The intake fuzzer at scale: signed, mutated payloads for every webhook channel and mutated X12 files sent
over HTTP on loopback to a receiver, then processed by the worker's parse task in relay-sized chunks; prints
the counts by HTTP answer, by final inbox status and by mutation, and every 5xx, unexplained ``received``
message or lost message it saw (there should be none).

    .venv/bin/python bench/fuzz_intake.py [--cases 100000] [--seed N] [--database-url URL] [--batch 5000]

The database defaults to a fresh SQLite file (the embedded default); give a PostgreSQL URL (an empty
database) to fuzz that backend. Cases run in batches, each on a fresh database, so memory and file size stay
flat however many cases are asked for. The same seed gives the same cases.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import MetaData, create_engine  # noqa: E402

from hub.db import migrate  # noqa: E402
from hub.db.session import Database  # noqa: E402
from hub.settings import load_settings  # noqa: E402
from tests.fuzzing import ENVIRONMENT, FuzzCases, Tally, fuzz_hub, run_cases  # noqa: E402


def fresh_database(url: str | None, folder: Path, batch: int) -> str:
    if url is None:
        return f"sqlite:///{folder / f'fuzz-{batch}.sqlite3'}"
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)  # the previous batch's tables (the database is the fuzzer's own)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    engine.dispose()
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--database-url", help="an empty PostgreSQL database of its own (default: SQLite)")
    args = parser.parse_args()
    os.environ.update(ENVIRONMENT)
    cases = FuzzCases(args.seed)
    total = Tally()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="orderhub-fuzz-") as scratch:
        folder = Path(scratch)
        done = 0
        while done < args.cases:
            size = min(args.batch, args.cases - done)
            url = fresh_database(args.database_url, folder, done)
            database = Database(url)
            migrate.upgrade(database)
            database.dispose()
            settings = load_settings(
                data_dir=folder / "data",
                database_url=url,
                broker_url=f"sqla+sqlite:///{folder / f'broker-{done}.sqlite3'}",
            )
            with fuzz_hub(settings) as (hub_url, runtime, parse_many):
                tally = run_cases(hub_url, runtime, parse_many, cases, size)
            merge(total, tally)
            done += size
            print(
                f"{done} cases, {time.monotonic() - started:.0f} s: {len(total.server_errors)} 5xx, "
                f"{len(total.unexplained)} unexplained, {len(total.lost)} lost",
                flush=True,
            )
    print("\n".join(total.lines()))
    for problem in (total.server_errors + total.unexplained)[:20]:
        print("  " + problem)
    return 1 if total.server_errors or total.unexplained or total.lost else 0


def merge(total: Tally, batch: Tally) -> None:
    for name in ("http", "final", "mutations"):
        counter: Counter[str] = getattr(total, name)
        counter.update(getattr(batch, name))
    total.server_errors += batch.server_errors
    total.unexplained += batch.unexplained
    total.lost += batch.lost


if __name__ == "__main__":
    sys.exit(main())
