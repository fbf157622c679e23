"""Actions of the return commands, and what each does to the line ledgers, inventory and money.

=================  ===============================================  =========================================
command            ledger, per line of the order                    effect
=================  ===============================================  =========================================
request_return     request_return (only delivered units)            none
authorize_return   none                                             none
reject_return      cancel_return of the units awaited               none
receive_return     receive_return                                   none: goods are not sellable until
                                                                    inspected
inspect_return     cancel_return of units that never came back      none
restock_return     restock                                          restock at the return's location
dispose_return     dispose                                          none: nothing goes back into stock
refund_return      none                                             RefundDue: received units per line
exchange_return    none                                             ReplacementDue: what to send instead
close_return       none                                             none
=================  ===============================================  =========================================
"""

from __future__ import annotations

from hub.lifecycle.commands import (
    AuthorizeReturn,
    CloseReturn,
    DisposeReturn,
    ExchangeReturn,
    InspectReturn,
    ReceiveReturn,
    RefundReturn,
    RejectReturn,
    RequestReturn,
    RestockReturn,
)
from hub.lifecycle.draft import Draft, action
from hub.lifecycle.effects import RefundDue, Replacement, ReplacementDue
from hub.lifecycle.returns import ReturnAuthorization, ReturnLine


@action(RequestReturn)
def request(draft: Draft, command: RequestReturn) -> None:
    draft.require_new_id("return", command.id)
    requested = draft.change_lines("request_return", command.lines)
    lines = {line_id: ReturnLine(line_id, requested[line_id].sku, units) for line_id, units in command.lines.items()}
    draft.returns[command.id] = ReturnAuthorization(
        command.id, lines, rma_number=command.rma_number, location=command.location, reason=command.reason
    )


@action(AuthorizeReturn)
def authorize(draft: Draft, command: AuthorizeReturn) -> None:
    rma = draft.rma(command.id)
    draft.returns[rma.id] = rma.authorize(command.rma_number, command.location)


@action(RejectReturn)
def reject(draft: Draft, command: RejectReturn) -> None:
    rma = draft.rma(command.id)
    draft.returns[rma.id] = rma.reject(command.reason)
    _stop_awaiting(draft, rma)


@action(ReceiveReturn)
def receive(draft: Draft, command: ReceiveReturn) -> None:
    rma = draft.rma(command.id)
    units = command.lines if command.lines is not None else _nonzero({i: ln.awaited for i, ln in rma.lines.items()})
    draft.returns[rma.id] = rma.receive(units, command.location)
    draft.change_lines("receive_return", units)


@action(InspectReturn)
def inspect(draft: Draft, command: InspectReturn) -> None:
    rma = draft.rma(command.id)
    draft.returns[rma.id] = rma.inspect(command.conditions)
    _stop_awaiting(draft, rma)


@action(RestockReturn)
def restock(draft: Draft, command: RestockReturn) -> None:
    restocked, units = _disposition(draft, command, "restock")
    for line_id, count in units.items():
        draft.inventory("restock", restocked.location or "", line_id, count, restocked.id)


@action(DisposeReturn)
def dispose(draft: Draft, command: DisposeReturn) -> None:
    _disposition(draft, command, "dispose")


def _disposition(
    draft: Draft, command: RestockReturn | DisposeReturn, operation: str
) -> tuple[ReturnAuthorization, dict[str, int]]:
    """Restock or dispose of received units (without ``lines``: every unit not dispositioned yet)."""
    rma = draft.rma(command.id)
    units = dict(command.lines) if command.lines is not None else _nonzero(rma.undecided_by_line())
    changed = rma.restock(units) if operation == "restock" else rma.dispose(units)
    draft.returns[rma.id] = changed
    draft.change_lines(operation, units)
    return changed, units


@action(RefundReturn)
def refund(draft: Draft, command: RefundReturn) -> None:
    rma = draft.rma(command.id)
    draft.returns[rma.id] = rma.refund()
    draft.effects.append(RefundDue(rma.id, _nonzero({i: line.received for i, line in rma.lines.items()})))


@action(ExchangeReturn)
def exchange(draft: Draft, command: ExchangeReturn) -> None:
    rma = draft.rma(command.id)
    draft.returns[rma.id] = rma.exchange(command.replacements)
    items = tuple(
        Replacement(line_id, command.replacements.get(line_id, line.sku), line.received)
        for line_id, line in rma.lines.items()
        if line.received
    )
    draft.effects.append(ReplacementDue(rma.id, items))


@action(CloseReturn)
def close(draft: Draft, command: CloseReturn) -> None:
    rma = draft.rma(command.id)
    draft.returns[rma.id] = rma.close()


def _stop_awaiting(draft: Draft, rma: ReturnAuthorization) -> None:
    """Units ``rma`` (as it was) still awaited are no longer requested back from their lines."""
    draft.change_lines("cancel_return", _nonzero({line_id: line.awaited for line_id, line in rma.lines.items()}))


def _nonzero(units: dict[str, int]) -> dict[str, int]:
    return {line_id: count for line_id, count in units.items() if count}
