"""The order's totals, its state and the ledger checks are computed in one pass: they must say exactly what
summing every bucket line by line and checking every invariant one at a time says, on any lifecycle."""

from __future__ import annotations

from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.lifecycle import LifecycleRejected, OrderLifecycle, parse_command
from hub.lifecycle.aggregate import order_state
from hub.lifecycle.quantities import BUCKETS, LineQuantities, every_problem, ledger_problems, line_state
from tests.lifecycle.test_commands import _command


def _summed(lifecycle: OrderLifecycle) -> dict[str, int]:
    return {name: sum(getattr(line.quantities, name) for line in lifecycle.lines.values()) for name in BUCKETS}


def _check(lifecycle: OrderLifecycle) -> None:
    assert lifecycle.totals.as_dict() == _summed(lifecycle)
    summed = LineQuantities(**_summed(lifecycle))
    held = lifecycle.hold_reason is not None
    assert lifecycle.state is order_state(summed, closed=lifecycle.closed, on_hold=held, validated=lifecycle.validated)
    for line in lifecycle.lines.values():
        assert line.state is line_state(line.quantities)


@settings(max_examples=200, deadline=None)
@given(quantities=st.lists(st.integers(1, 4), min_size=1, max_size=4), seed=st.integers(0, 2**32))
def test_totals_and_state_agree_with_summing_every_line(quantities: list[int], seed: int) -> None:
    rnd = Random(seed)
    lifecycle = OrderLifecycle.start("ord_1", [(f"L{i}", f"SKU-{i}", n) for i, n in enumerate(quantities)])
    _check(lifecycle)
    for step in range(rnd.randint(5, 60)):
        try:
            lifecycle = lifecycle.apply(parse_command(_command(rnd, lifecycle, step))).lifecycle
        except LifecycleRejected:
            continue
        _check(lifecycle)


def _unchecked(values: dict[str, int]) -> LineQuantities:
    """Quantities built without the constructor's check, to hand ``ledger_problems`` broken ones."""
    q = object.__new__(LineQuantities)
    for name in BUCKETS:
        object.__setattr__(q, name, values[name])
    return q


@settings(max_examples=500, deadline=None)
@given(values=st.fixed_dictionaries({name: st.integers(-1, 4) for name in BUCKETS}))
def test_ledger_problems_names_every_broken_invariant(values: dict[str, int]) -> None:
    q = _unchecked(values)
    assert ledger_problems(q) == every_problem(q)
