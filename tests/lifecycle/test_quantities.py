"""The per-line quantity ledger: each operation takes units from where it should, refuses clearly what it
cannot do, and no sequence of operations can break an invariant or reach a state the line machine lacks."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.lifecycle import IllegalTransition, LifecycleRejected, Line, LineQuantities, LineState, QuantityRejected
from hub.lifecycle.quantities import OPERATIONS, apply_operation, available, ledger_problems, line_state


def test_allocation_takes_backordered_units_first() -> None:
    q = apply_operation(LineQuantities(5), "backorder", 3)
    q = apply_operation(q, "allocate", 4)
    assert (q.allocated, q.backordered, q.unallocated) == (4, 0, 1)


def test_cancellation_takes_unallocated_then_backordered_then_allocated_units() -> None:
    q = LineQuantities(6, allocated=2, backordered=2)
    assert apply_operation(q, "cancel", 1).as_dict() | {} == LineQuantities(6, 2, 2, cancelled=1).as_dict()
    q = apply_operation(q, "cancel", 5)
    assert (q.cancelled, q.backordered, q.allocated, q.unallocated) == (5, 0, 1, 0)


def test_a_recall_puts_released_units_back_to_unallocated() -> None:
    q = LineQuantities(3, allocated=3, released=3, shipped=1)
    q = apply_operation(q, "recall", 2)
    assert (q.allocated, q.released, q.shipped, q.unallocated) == (1, 1, 1, 2)


@pytest.mark.parametrize(
    ("quantities", "operation", "units", "message"),
    [
        (LineQuantities(3, 3, released=2), "ship", 3, "cannot ship 3 unit(s): only 2 are released and not yet shipped"),
        (LineQuantities(3, 3, 0, 3, 3), "cancel", 1, "only 0 are not yet released to fulfillment"),
        (LineQuantities(2, 2, 0, 2, 2, 1), "request_return", 2, "only 1 is delivered and not already being returned"),
        (LineQuantities(2), "release", 1, "allocate units before sending them to fulfillment"),
        (LineQuantities(2, 2, 0, 2, 2, 2, 0, 2, 1), "restock", 2, "only 1 is returned and not yet restocked"),
    ],
)
def test_a_refusal_says_how_many_units_were_there_and_what_to_do(
    quantities: LineQuantities, operation: str, units: int, message: str
) -> None:
    with pytest.raises(QuantityRejected) as refused:
        apply_operation(quantities, operation, units, line_id="7")
    assert str(refused.value).startswith(f"line '7': cannot {operation} {units} unit(s)")
    assert message in str(refused.value)


@pytest.mark.parametrize("units", [0, -2, True, 1.5])
def test_units_must_be_a_positive_whole_number(units: object) -> None:
    with pytest.raises(QuantityRejected, match="give a whole number of at least 1"):
        apply_operation(LineQuantities(3), "allocate", units)  # type: ignore[arg-type]


def test_quantities_that_break_an_invariant_cannot_exist() -> None:
    with pytest.raises(ValueError, match=r"shipped \(2\) exceeds released \(1\)"):
        LineQuantities(3, allocated=3, released=1, shipped=2)
    with pytest.raises(ValueError, match=r"cancelled \+ backordered \+ allocated \(4\) exceeds ordered \(3\)"):
        LineQuantities(3, allocated=2, cancelled=2)
    with pytest.raises(ValueError, match="unknown ledger operation 'teleport'"):
        apply_operation(LineQuantities(1), "teleport", 1)


@pytest.mark.parametrize(
    ("quantities", "state"),
    [
        (LineQuantities(3), LineState.PENDING),
        (LineQuantities(3, backordered=1), LineState.BACKORDERED),
        (LineQuantities(3, allocated=1, backordered=2), LineState.PARTIALLY_ALLOCATED),
        (LineQuantities(3, allocated=2, cancelled=1), LineState.ALLOCATED),
        (LineQuantities(3, allocated=3, released=1), LineState.PARTIALLY_RELEASED),
        (LineQuantities(3, allocated=3, released=3), LineState.RELEASED),
        (LineQuantities(3, allocated=3, released=3, shipped=2), LineState.PARTIALLY_SHIPPED),
        (LineQuantities(3, allocated=2, released=2, shipped=2, cancelled=1), LineState.SHIPPED),
        (LineQuantities(3, allocated=3, released=3, shipped=3, delivered=1), LineState.PARTIALLY_DELIVERED),
        (LineQuantities(2, 2, 0, 2, 2, 2), LineState.DELIVERED),
        (LineQuantities(2, 2, 0, 2, 2, 2, return_requested=2, returned=1), LineState.RETURN_REQUESTED),
        (LineQuantities(2, 2, 0, 2, 2, 2, return_requested=1, returned=1), LineState.PARTIALLY_RETURNED),
        (LineQuantities(2, 2, 0, 2, 2, 2, return_requested=2, returned=2, restocked=2), LineState.RETURNED),
        (LineQuantities(2, cancelled=2), LineState.CANCELLED),
    ],
)
def test_the_line_state_is_derived_from_the_quantities(quantities: LineQuantities, state: LineState) -> None:
    assert line_state(quantities) is state


def test_a_cancelled_line_refuses_everything_by_its_machine() -> None:
    line = Line("A", "SKU-A", LineQuantities(2, cancelled=2))
    with pytest.raises(IllegalTransition) as refused:
        line.apply("allocate", 1)
    assert (
        str(refused.value)
        == "line 'A': cannot allocate while cancelled; events allowed while cancelled: none (it is final)"
    )


@settings(max_examples=400, deadline=None)
@given(ordered=st.integers(1, 6), data=st.data())
def test_no_sequence_of_operations_breaks_the_ledger(ordered: int, data: st.DataObject) -> None:
    line = Line("A", "SKU-A", LineQuantities(ordered))
    for _ in range(data.draw(st.integers(1, 40), label="steps")):
        operation = data.draw(st.sampled_from(OPERATIONS), label="operation")
        can = available(line.quantities, operation)
        units = data.draw(st.integers(1, can + 1), label="units")
        before = copy.deepcopy(line)
        if units > can:
            with pytest.raises(LifecycleRejected) as refused:
                line.apply(operation, units)
            assert isinstance(refused.value, QuantityRejected | IllegalTransition)
            assert getattr(refused.value, "refusal", "event") == "event"
            assert line == before
            continue
        line = line.apply(operation, units)  # what the ledger allows, the line machine must declare
        q = line.quantities
        assert ledger_problems(q) == []
        assert q.allocated + q.backordered + q.cancelled + q.unallocated == q.ordered and q.unallocated >= 0
        assert line.state is line_state(q)
