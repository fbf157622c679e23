"""What ``orderhub edi parse`` and ``orderhub edi ack`` report for a file: every interchange, group and
transaction set with its verdict and errors, the canonical document of each accepted set, and the
acknowledgments (TA1, 997/999) the hub answers with. Everything happens in memory; nothing is stored.

Without a stored partner profile the hub answers as the file's addressee, in the sender's own control
version, with default delimiters, and numbers its answers from 1.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from hub.edi.acks import acknowledge
from hub.edi.control_numbers import Kind
from hub.edi.model import Finding, Interchange
from hub.edi.partners import Identity, PartnerProfile
from hub.edi.pipeline import SetResult, check_stream
from hub.edi.reader import Leniency

NumberSource = Callable[[Kind], int]


def counting_numbers() -> NumberSource:
    """Control numbers for answers that are not kept: 1, 2, 3 ... per kind."""
    counters = {kind: itertools.count(1) for kind in Kind}
    return lambda kind: next(counters[kind])


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
    return shown


def _set_json(result: SetResult) -> dict[str, Any]:
    transaction = result.transaction
    errors = [error_json(finding) for finding in transaction.findings]
    if result.mapping_error:
        errors.append({"level": "document", "code": "mapping", "message": result.mapping_error})
    shown = [document.model_dump(mode="json") for document in result.documents]
    return {
        "set_id": transaction.set_id,
        "control_number": transaction.control_number,
        "accepted": transaction.accepted,
        "errors": errors,
        # one document per set, except an 856 carrying several orders (one shipment each)
        "document": shown[0] if len(shown) == 1 else (shown or None),
    }


def _interchange_json(interchange: Interchange, sets: dict[int, dict[str, Any]]) -> dict[str, Any]:
    return {
        "sender_id": interchange.sender_id,
        "receiver_id": interchange.receiver_id,
        "control_number": interchange.control_number,
        "version": interchange.control_version,
        "accepted": interchange.accepted,
        "errors": [error_json(finding) for finding in interchange.findings],
        "groups": [
            {
                "functional_id": group.functional_id,
                "control_number": group.control_number,
                "version": group.version,
                "errors": [error_json(finding) for finding in group.findings],
                "transactions": [sets[id(tx)] for tx in group.transactions],
            }
            for group in interchange.groups
        ],
    }


def parse_report(
    data: bytes,
    *,
    profile: PartnerProfile | None = None,
    numbers: NumberSource | None = None,
    leniency: Leniency | None = None,
) -> dict[str, Any]:
    """The report of ``data``; raises ``hub.edi.reader.UnreadableInput`` when no interchange can be read."""
    if leniency is None and profile is not None:
        leniency = profile_leniency(profile)
    numbers = numbers or counting_numbers()
    shown: list[dict[str, Any]] = []
    acknowledgments = []
    sets: dict[int, dict[str, Any]] = {}
    for result in check_stream(data, leniency or Leniency()):
        if isinstance(result, SetResult):
            sets[id(result.transaction)] = _set_json(result)
            continue
        interchange = result.interchange
        # The JSON is made before the acknowledgment draws its numbers, as the checks are all known by now.
        shown.append(_interchange_json(interchange, sets))
        sets.clear()
        answer = acknowledge(interchange, profile or addressee_profile(interchange), numbers)
        if answer is not None:
            acknowledgments.append(answer.text)
    return {"interchanges": shown, "acknowledgments": acknowledgments}


def profile_leniency(profile: PartnerProfile) -> Leniency:
    """How strictly to read a partner's files, from its profile's leniencies."""
    return Leniency(
        variable_width_isa=not profile.leniencies.fixed_width_isa,
        trailing_separators=profile.leniencies.trailing_separators,
        international_characters=profile.leniencies.international_characters,
    )
