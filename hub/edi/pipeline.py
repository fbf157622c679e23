"""The inbound X12 pipeline in one pass: read, check the envelope, validate each set, map it to canonical.

:func:`check_stream` pulls the input through the streaming reader and yields a :class:`SetResult` as soon as
each transaction set has been validated and mapped, then an :class:`InterchangeDone` when its interchange is
complete and every envelope check (SE/GE/IEA counts and control numbers) is known. A set's segments are
released once its result has been handled, so memory follows the largest set, not the file; what stays is
the interchange skeleton (groups, sets and their findings), which is what an acknowledgment is built from.

Whether a set may be *applied* is only known at :class:`InterchangeDone`: a wrong IEA or GE rejects sets that
looked fine when they were read. Consumers therefore keep each set's documents until then (the inbound
processor does) or only count them (the benchmark, ``orderhub edi parse``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from hub.canonical import CanonicalModel
from hub.edi.acks import group_response
from hub.edi.documents import to_documents
from hub.edi.envelope import GroupStart, InterchangeEnd, Ta1Read, TransactionRead
from hub.edi.model import Finding, Group, Interchange, Transaction
from hub.edi.reader import STRICT, Leniency, Source, read_events
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


@dataclass(frozen=True)
class InterchangeDone:
    interchange: Interchange


def check_stream(
    source: Source,
    leniency: Leniency = STRICT,
    *,
    encoding: str | None = None,
    library: SpecLibrary | None = None,
    map_documents: bool = True,
) -> Iterator[SetResult | InterchangeDone]:
    """Results for every set and interchange in ``source`` (bytes or a binary stream), in input order.

    Raises ``hub.edi.reader.UnreadableInput`` when there is no interchange at all.
    """
    for event in read_events(source, leniency, encoding=encoding):
        if isinstance(event, TransactionRead):
            interchange, group, transaction = event.interchange, event.group, event.transaction
            group.transactions.append(transaction)
            validate(
                transaction,
                group.version,
                component=interchange.delimiters.component,
                library=library,
                international=leniency.international_characters,
            )
            result = SetResult(interchange, group, transaction)
            if transaction.accepted and map_documents:
                try:
                    result.documents = to_documents(transaction, group, interchange)
                except MappingInputError as exc:
                    result.mapping_error = str(exc)
            yield result
            _release(transaction)
        elif isinstance(event, GroupStart):
            event.interchange.groups.append(event.group)
        elif isinstance(event, Ta1Read):
            event.interchange.acknowledgments.append(event.segment)
        elif isinstance(event, InterchangeEnd):
            event.interchange.encoding = event.encoding
            yield InterchangeDone(event.interchange)


_NO_FINDINGS: list[Finding] = []  # shared by every set without findings once it is done: never appended to


def _release(transaction: Transaction) -> None:
    """Keep only what an acknowledgment needs of a handled set: ids and findings, not its segments."""
    transaction.segments = []
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
