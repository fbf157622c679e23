"""The inbound X12 pipeline in one pass: read, check the envelope, validate each set, map it to canonical.

:func:`check_stream` pulls the input through the streaming reader and yields, in input order:

* :class:`InterchangeBegun` when an ISA has been read and checked (before any of its groups);
* a :class:`SetResult` as soon as each transaction set has been validated and mapped;
* :class:`GroupDone` when a group's GE has been read (or found missing): its findings are complete, so
  whether it is rejected as a whole is known;
* :class:`InterchangeDone` when the interchange is complete and every envelope check (SE/GE/IEA counts and
  control numbers) is known.

A set's segments are released once its result has been handled, so memory follows the largest set, not the
file; what stays is the interchange skeleton (groups, sets and their findings, about a hundred bytes a set),
which is what an acknowledgment is built from.

Whether a set may be *applied* for good is only known at :class:`GroupDone` and :class:`InterchangeDone`: a
wrong GE or IEA rejects sets that looked fine when they were read. The inbound processor therefore applies
each set as it comes inside a savepoint of its group and interchange and rolls those back when the envelope
turns out rejected; the benchmark and ``orderhub edi parse`` only count or show them.

A fault of the hub's own (an exception from validation or a mapping function) never stops the stream: it is
the set's ``fault``, the set is not accepted, and the rest of the interchange is read and acknowledged.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from hub.canonical import CanonicalModel
from hub.edi.acks import group_response
from hub.edi.documents import to_documents
from hub.edi.encoding import Source
from hub.edi.envelope import GroupEnd, GroupStart, InterchangeEnd, InterchangeStart, Ta1Read, TransactionRead
from hub.edi.model import Finding, Group, Interchange, Level, Segment, Transaction
from hub.edi.reader import STRICT, Leniency, read_events
from hub.edi.spec import SpecLibrary
from hub.edi.validate import validate
from hub.mapping import MappingInputError


@dataclass
class SetResult:
    interchange: Interchange
    group: Group
    transaction: Transaction  # its segments are still there while the result is being handled
    documents: list[CanonicalModel] = field(default_factory=list)
    mapping_error: str | None = None  # an accepted set whose content the mapping refused
    fault: str | None = None  # the hub itself failed on this set (validation or mapping raised): "Type: message"


@dataclass(frozen=True)
class InterchangeBegun:
    interchange: Interchange  # its header is read and checked; its groups are still to come


@dataclass(frozen=True)
class GroupDone:
    interchange: Interchange
    group: Group  # its sets have all been yielded and its findings are complete


@dataclass(frozen=True)
class InterchangeDone:
    interchange: Interchange


Item = InterchangeBegun | SetResult | GroupDone | InterchangeDone


def check_stream(
    source: Source,
    leniency: Leniency = STRICT,
    *,
    encoding: str | None = None,
    library: SpecLibrary | None = None,
    map_documents: bool = True,
) -> Iterator[Item]:
    """Results for every interchange, set and group in ``source`` (bytes or a binary stream), in input order.

    Raises ``hub.edi.reader.UnreadableInput`` when there is no interchange at all.
    """
    for event in read_events(source, leniency, encoding=encoding):
        if isinstance(event, TransactionRead):
            result = _check_set(event, leniency, library, map_documents)
            yield result
            _release(result.transaction)
        elif isinstance(event, GroupStart):
            event.interchange.groups.append(event.group)
        elif isinstance(event, GroupEnd):
            yield GroupDone(event.interchange, event.group)
        elif isinstance(event, InterchangeStart):
            yield InterchangeBegun(event.interchange)
        elif isinstance(event, Ta1Read):
            event.interchange.acknowledgments.append(event.segment)
        elif isinstance(event, InterchangeEnd):
            event.interchange.encoding = event.encoding
            yield InterchangeDone(event.interchange)


def _check_set(
    event: TransactionRead, leniency: Leniency, library: SpecLibrary | None, map_documents: bool
) -> SetResult:
    interchange, group, transaction = event.interchange, event.group, event.transaction
    group.transactions.append(transaction)
    result = SetResult(interchange, group, transaction)
    try:
        validate(
            transaction,
            group.version,
            component=interchange.delimiters.component,
            library=library,
            international=leniency.international_characters,
        )
    except Exception as exc:  # a fault of the validator: the set cannot be accepted, the rest goes on
        result.fault = fault_text(exc)
        transaction.findings.append(
            Finding(Level.TRANSACTION, "", f"the hub could not validate this set ({result.fault})")
        )
        return result
    if transaction.accepted and map_documents:
        try:
            result.documents = to_documents(transaction, group, interchange)
        except MappingInputError as exc:
            result.mapping_error = str(exc)
        except Exception as exc:  # a mapping function's fault: the set is sound, the hub could not map it
            result.fault = fault_text(exc)
    return result


def fault_text(exc: BaseException) -> str:
    """An unexpected exception as the one line recorded for it: its type, then its message."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message[:500]}" if message else type(exc).__name__


_NO_FINDINGS: list[Finding] = []  # shared by every set without findings once it is done: never appended to


_NO_SEGMENTS: list[Segment] = []  # likewise shared by every handled set


def _release(transaction: Transaction) -> None:
    """Keep only what an acknowledgment needs of a handled set: ids and findings, not its segments."""
    transaction.segments = _NO_SEGMENTS
    transaction.placement = None
    transaction.set_id = sys.intern(transaction.set_id)
    transaction.implementation = sys.intern(transaction.implementation)
    if not transaction.findings:
        transaction.findings = _NO_FINDINGS


def applicable(result: SetResult) -> bool:
    """Whether a set's documents may be applied, once its interchange is done: the envelope was accepted, the
    group was not rejected as a whole (a wrong GE01, say) and the set itself passed validation."""
    if not result.interchange.accepted or not result.transaction.accepted:
        return False
    return group_response(result.group)[3] > 0
