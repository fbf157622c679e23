"""Signed, mutated payloads for every webhook channel and mutated X12 files, through the HTTP endpoints and
the worker's parse task, on SQLite and PostgreSQL: no 5xx, nothing stays received unexplained, nothing lost.
``bench/fuzz_intake.py`` runs the same fuzzer at any size."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzzing import ENVIRONMENT, FuzzCases, fuzz_hub, run_cases

CASES = 1500


def test_mutated_intake_never_errors_or_strands_a_message(
    make_settings, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    settings = make_settings(database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}")
    with fuzz_hub(settings) as (url, runtime, parse_many):
        tally = run_cases(url, runtime, parse_many, FuzzCases(seed=20261206), CASES)
    report = "\n".join(tally.lines())
    assert not tally.server_errors, report + "\n" + "\n".join(tally.server_errors[:10])
    assert not tally.unexplained, report + "\n" + "\n".join(tally.unexplained[:10])
    assert not tally.lost, report
    assert len(tally.accepted) > CASES // 4, report  # the mutations still reach the code that reads them
    assert tally.final["failed"] > 0 and tally.final["processed"] + tally.final["ignored"] > 0, report
