"""What ``orderhub edi parse`` and ``orderhub edi ack`` report for a file: every interchange, group and
transaction set with its verdict and errors, the canonical document of each accepted set, and the
acknowledgments (TA1, 997/999) the hub answers with. Everything happens in memory; nothing is stored, and no
control number is spent: a look at a file never changes the hub's state.

Without a stored partner profile the hub answers as the file's addressee, in the sender's own control
version, with default delimiters, and numbers its answers from 1. With one, the answers take the numbers the
partner's sequences would hand out next (:func:`following_numbers`), without drawing them.

The report is written as it is read (:func:`write_report`): a set's JSON leaves as soon as the set is
checked, and a group's and an interchange's verdicts follow their sets (``errors`` and ``accepted`` come
after ``transactions`` and ``groups``), so memory does not follow the file. :func:`acknowledgments` builds
only the answers and maps nothing.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from pydantic import ValidationError

from hub.edi.acks import acknowledge
from hub.edi.control_numbers import WRAP, Kind
from hub.edi.encoding import Source
from hub.edi.model import Finding, Group, Interchange
from hub.edi.partners import Identity, PartnerProfile
from hub.edi.pipeline import GroupDone, InterchangeBegun, InterchangeDone, SetResult, check_stream
from hub.edi.reader import Leniency
from hub.edi.validate import UnlistedCode

NumberSource = Callable[[Kind], int]


def counting_numbers() -> NumberSource:
    """Control numbers for answers that are not kept: 1, 2, 3 ... per kind."""
    counters = {kind: itertools.count(1) for kind in Kind}
    return lambda kind: next(counters[kind])


def following_numbers(last: dict[Kind, int]) -> NumberSource:
    """The numbers that would follow ``last`` (a partner's sequences as they stand), counted here and never
    drawn: what a look at a file shows, without spending the partner's real control numbers."""
    counters = {kind: itertools.count(last.get(kind, 0) + 1) for kind in Kind}
    return lambda kind: (next(counters[kind]) - 1) % WRAP + 1


def addressee_profile(interchange: Interchange) -> PartnerProfile:
    """The profile to answer a sender the hub has no profile for: as the ISA's receiver, in its version."""
    first = interchange.groups[0] if interchange.groups else None
    control = "00501" if interchange.control_version >= "00501" else "00401"
    gs_version = (first.version if first else "") or ("005010" if control == "00501" else "004010")
    try:
        return PartnerProfile(
            theirs=Identity(
                qualifier=interchange.sender_qualifier,
                id=interchange.sender_id,
                gs_id=(first.sender if first else "") or interchange.sender_id,
            ),
            ours=Identity(
                qualifier=interchange.receiver_qualifier,
                id=interchange.receiver_id,
                gs_id=(first.receiver if first else "") or interchange.receiver_id,
            ),
            control_version=control,
            gs_version=gs_version[:12],
            usage="T" if interchange.usage == "T" else "P",
        )
    except ValidationError:
        return PartnerProfile(
            theirs=Identity(qualifier="ZZ", id="UNKNOWN", gs_id="UNKNOWN"),
            ours=Identity(qualifier="ZZ", id="ORDERHUB", gs_id="ORDERHUB"),
            control_version=control,
            gs_version="005010" if control == "00501" else "004010",
        )


def error_json(finding: Finding) -> dict[str, Any]:
    shown: dict[str, Any] = {"level": finding.level.value, "code": finding.code, "message": finding.message}
    if finding.segment_id:
        shown |= {"segment": finding.segment_id, "position": finding.position}
    if finding.element:
        shown["element"] = finding.element
    if finding.data_element:
        shown["data_element"] = finding.data_element
    if finding.value:
        shown["value"] = finding.value
    if not finding.fatal:
        shown["warning"] = True
    if isinstance(finding, UnlistedCode):  # the 997 tells it only to partners asking for strict code checks
        shown["code_list"] = "open"
    return shown


def _set_json(result: SetResult) -> dict[str, Any]:
    transaction = result.transaction
    errors = [error_json(finding) for finding in transaction.findings]
    if result.mapping_error:
        errors.append({"level": "document", "code": "mapping", "message": result.mapping_error})
    if result.fault and transaction.accepted:  # a validation fault is already among the findings
        errors.append({"level": "document", "code": "fault", "message": f"the hub could not map it: {result.fault}"})
    shown = [document.model_dump(mode="json") for document in result.documents]
    return {
        "set_id": transaction.set_id,
        "control_number": transaction.control_number,
        "accepted": transaction.accepted,
        "errors": errors,
        # one document per set, except an 856 carrying several orders (one shipment each)
        "document": shown[0] if len(shown) == 1 else (shown or None),
    }


class _ReportWriter:
    """Writes the report as JSON (indented by two) while the file is read: each set as it comes, each group's
    and interchange's verdict after its content."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.interchanges = 0  # written so far
        self.group: Group | None = None  # the group whose transactions are being written
        self.sets = 0  # written in the current group
        self.groups = 0  # written in the current interchange

    def _put(self, value: Any, depth: int) -> None:
        text = json.dumps(value, indent=2, ensure_ascii=False)
        self.out.write(text.replace("\n", "\n" + "  " * depth))

    def begin(self) -> None:
        self.out.write('{\n  "interchanges": [')

    def interchange(self, interchange: Interchange) -> None:
        self.out.write(",\n    {" if self.interchanges else "\n    {")
        self.interchanges += 1
        head = {
            "sender_id": interchange.sender_id,
            "receiver_id": interchange.receiver_id,
            "control_number": interchange.control_number,
            "version": interchange.control_version,
        }
        for key, value in head.items():
            self.out.write(f"\n      {json.dumps(key)}: ")
            self._put(value, 3)
            self.out.write(",")
        self.out.write('\n      "groups": [')
        self.groups = 0

    def _open_group(self, group: Group) -> None:
        self.out.write(",\n        {" if self.groups else "\n        {")
        self.groups += 1
        head = {"functional_id": group.functional_id, "control_number": group.control_number, "version": group.version}
        for key, value in head.items():
            self.out.write(f"\n          {json.dumps(key)}: ")
            self._put(value, 5)
            self.out.write(",")
        self.out.write('\n          "transactions": [')
        self.group, self.sets = group, 0

    def transaction(self, result: SetResult) -> None:
        if result.group is not self.group:
            self._open_group(result.group)
        self.out.write(",\n            " if self.sets else "\n            ")
        self.sets += 1
        self._put(_set_json(result), 6)

    def end_group(self, group: Group) -> None:
        if group is not self.group:
            self._open_group(group)  # a group without sets
        self.out.write("\n          ]," if self.sets else "],")
        self.out.write('\n          "errors": ')
        self._put([error_json(finding) for finding in group.findings], 5)
        self.out.write("\n        }")
        self.group = None

    def end_interchange(self, interchange: Interchange) -> None:
        self.out.write("\n      ]," if self.groups else "],")
        self.out.write(f'\n      "accepted": {json.dumps(interchange.accepted)},\n      "errors": ')
        self._put([error_json(finding) for finding in interchange.findings], 3)
        self.out.write("\n    }")

    def end(self, answers: list[str]) -> None:
        self.out.write("\n  ]," if self.interchanges else "],")
        self.out.write('\n  "acknowledgments": ')
        self._put(answers, 1)
        self.out.write("\n}")


def write_report(
    data: Source,
    out: TextIO,
    *,
    profile: PartnerProfile | None = None,
    numbers: NumberSource | None = None,
    leniency: Leniency | None = None,
) -> None:
    """Write the report of ``data`` to ``out`` as it is read; raises ``hub.edi.reader.UnreadableInput`` (before
    writing anything) when no interchange can be read."""
    if leniency is None and profile is not None:
        leniency = profile_leniency(profile)
    numbers = numbers or counting_numbers()
    writer = _ReportWriter(out)
    answers: list[str] = []
    items = check_stream(data, leniency or Leniency())
    first = next(items, None)  # UnreadableInput, if any, comes here
    writer.begin()
    for item in itertools.chain([first] if first is not None else [], items):
        if isinstance(item, InterchangeBegun):
            writer.interchange(item.interchange)
        elif isinstance(item, SetResult):
            writer.transaction(item)
        elif isinstance(item, GroupDone):
            writer.end_group(item.group)
        elif isinstance(item, InterchangeDone):
            writer.end_interchange(item.interchange)
            answer = acknowledge(item.interchange, profile or addressee_profile(item.interchange), numbers)
            if answer is not None:
                answers.append(answer.text)
    writer.end(answers)


def parse_report(
    data: Source,
    *,
    profile: PartnerProfile | None = None,
    numbers: NumberSource | None = None,
    leniency: Leniency | None = None,
) -> dict[str, Any]:
    """The report of ``data`` as a dict (for small inputs); raises ``hub.edi.reader.UnreadableInput`` when no
    interchange can be read."""
    buffer = io.StringIO()
    write_report(data, buffer, profile=profile, numbers=numbers, leniency=leniency)
    report: dict[str, Any] = json.loads(buffer.getvalue())
    return report


def acknowledgments(
    data: Source,
    *,
    profile: PartnerProfile | None = None,
    numbers: NumberSource | None = None,
    leniency: Leniency | None = None,
) -> Iterator[str]:
    """The acknowledgments the hub answers ``data`` with, one interchange at a time; nothing is mapped."""
    if leniency is None and profile is not None:
        leniency = profile_leniency(profile)
    numbers = numbers or counting_numbers()
    for item in check_stream(data, leniency or Leniency(), map_documents=False):
        if isinstance(item, InterchangeDone):
            answer = acknowledge(item.interchange, profile or addressee_profile(item.interchange), numbers)
            if answer is not None:
                yield answer.text


def profile_leniency(profile: PartnerProfile) -> Leniency:
    """How strictly to read a partner's files, from its profile's leniencies."""
    return Leniency(
        variable_width_isa=not profile.leniencies.fixed_width_isa,
        trailing_separators=profile.leniencies.trailing_separators,
        international_characters=profile.leniencies.international_characters,
    )
