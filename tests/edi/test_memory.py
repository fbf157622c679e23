"""Memory does not follow the file: the inbound path keeps a few hundred bytes per set at most, never the
sets' documents or segments. Measured as Python's peak traced memory on one file and on a file ten times
larger; the larger may cost a little more (what the 997 keeps per set), far from ten times as much."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

from hub.channels.process import process_message
from hub.db.session import Database
from hub.edi.intake import store_x12
from hub.edi.parse import acknowledgments
from hub.edi.partners import parse_profile, save_partner
from tests.edi.test_inbound import profile
from tests.edi.x12text import group, interchange, purchase_order

SETS = 60


def purchase_orders(count: int, first: int, control_number: int) -> bytes:
    """One interchange of ``count`` purchase orders numbered from ``first``, each with three lines."""
    sets = [
        purchase_order(
            f"PO-{n}",
            ("VN:SKU-1", 2, "3.50"),
            ("VN:SKU-2", 1, "9.99"),
            ("VN:SKU-3", 4, "1.25"),
            control_number=f"{n:06d}",
        )
        for n in range(first, first + count)
    ]
    return interchange(group("PO", control_number, *sets), control_number=control_number)


def peak(run: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_inbound_processing_keeps_nothing_per_set_but_the_acknowledgment(database: Database) -> None:
    with database.session() as session:
        save_partner(session, "acme", name="Acme Retail", kind="trading_partner", profile=parse_profile(profile()))
        files = [purchase_orders(n, start, number) for n, start, number in ((20, 1, 1), (SETS, 100, 2))]
        files.append(purchase_orders(SETS * 10, 10_000, 3))
        warm, small, large = (store_x12(session, source="cli", body=body, partner_id="acme")[0] for body in files)
        del files

    def processed(inbox_id: int) -> Callable[[], object]:
        def run() -> object:
            outcome = process_message(database, inbox_id)
            assert outcome.status == "processed", outcome.detail
            return outcome

        return run

    processed(warm)()  # specs, mappings and statements compile once per process: not the file's cost
    small_peak, large_peak = peak(processed(small)), peak(processed(large))
    assert large_peak < 2 * small_peak + 1_000_000, (small_peak, large_peak)


def test_acknowledging_a_file_keeps_nothing_per_set_but_the_acknowledgment() -> None:
    small, large = purchase_orders(SETS * 2, 1, 1), purchase_orders(SETS * 20, 1, 1)
    list(acknowledgments(purchase_orders(20, 1, 1)))
    small_peak = peak(lambda: list(acknowledgments(small)))
    large_peak = peak(lambda: list(acknowledgments(large)))
    # The 997 itself grows with the sets (an AK2 and an AK5 each), the rest must not.
    assert large_peak < 2 * small_peak + 500_000, (small_peak, large_peak)
