"""Acknowledgments: TA1 for the envelope, 997 (or 999) for each functional group, as X12 text.

:func:`acknowledge` turns one inbound :class:`~hub.edi.model.Interchange`, with the findings the reader and
validation attached to it, into at most one outbound interchange, following the partner's profile:

* **TA1** (interchange acknowledgment): TA101 = ISA13, TA102/TA103 = ISA09/ISA10, TA104 A (no interchange
  finding), E (only non-fatal ones, e.g. a duplicate interchange: received, not processed again, do not
  resend) or R (a fatal one), TA105 the first such finding's note code or 000. It is written after the
  ISA and before any GS. Policy ``requested`` sends it when ISA14 = 1 and whenever the envelope has a
  finding (a sender learns of a rejected envelope no other way); ``always`` and ``never`` mean what they say.
* **997**: one transaction set per inbound functional group, gathered in one FA group per sender/receiver
  pair. AK1 names the group (5010 adds AK103 = GS08), each set gets AK2 (5010: AK203 = ST03), an AK3 per
  segment in error with its AK4 element notes, and AK5; AK9 closes with declared/received/accepted counts.
  Code 19 (group control number not unique) does not exist in a 4010 AK9 and is sent as 6 (invalid group
  control number) there. A group rejected as a whole (a fatal group finding such as a wrong GE01 count, AK905
  5) counts no accepted sets, and each of its sets says so too: AK5 R, with only the set's own error codes
  (none for a sound set), because none of them will be processed and the AK9 code names the reason.
* **999**: the same with IK3/IK4/IK5, for 00501 partners whose profile asks for it.

A value missing from an open code list (``hub.edi.validate.UnlistedCode``) is a warning the partner is told of
only when its profile asks for strict code checks on that element (``PartnerProfile.strict_code``): then it
is an AK4 with code 7 under an AK3 (AK304 8) and the set is accepted with errors (AK5 E). Otherwise it stays
on the set for the register and ``orderhub edi parse``, and the set is plainly accepted.

A rejected envelope gets a TA1 alone: there is no 997, because its groups were never read as such. A group
of acknowledgments (GS01 FA, or a 997/999 set) is never acknowledged. ``on_error`` sends a group's 997 only
when something in it is not plainly accepted.

Our envelope answers in the partner's control version: ISA12 from the profile, GS08 the plain version
(004010, 005010; 005010X231A1 for a 999) unless the profile names another, ISA14 = 0 (nobody acknowledges
an acknowledgment), ISA15 echoing the inbound test/production flag, sender and receiver swapped from the
inbound ISA and GS. Values copied from the inbound file (the bad data in AK4, ids) are written with the
partner's outbound delimiters replaced by spaces, since an acknowledgment that cannot be written helps no one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.edi.control_numbers import Kind, format_number
from hub.edi.model import Finding, Group, Interchange, Level, Transaction
from hub.edi.partners import DEFAULT_GS_VERSION, PartnerProfile
from hub.edi.validate import UnlistedCode
from hub.edi.writer import InterchangeHeader, OutGroup, OutInterchange, OutSegment, OutTransaction, X12Writer, seg

ACK_SETS = frozenset({"997", "999"})
IMPLEMENTATION_999 = "005010X231A1"
MAX_CODES = 5  # AK502-AK506, AK905-AK909
MAX_BAD_VALUE = 99  # AK404 / IK404

NumberSource = Callable[[Kind], int]


@dataclass(frozen=True)
class Acknowledgment:
    text: str  # the whole outbound interchange
    control_number: str  # its ISA13
    ta1: str | None  # TA104 (A, E, R) when a TA1 is included
    sets: tuple[str, ...]  # the acknowledgment sets included, one per acknowledged group ("997", ...)


def acknowledge(
    interchange: Interchange, profile: PartnerProfile, numbers: NumberSource, *, now: datetime | None = None
) -> Acknowledgment | None:
    """The acknowledgment interchange to send back, or None when the policy calls for nothing.

    ``numbers`` hands out fresh control numbers (see ``hub.edi.control_numbers.NumberSource``); it is only
    called when something will be sent.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    ta1 = _ta1(interchange, profile)
    groups = _groups_to_acknowledge(interchange, profile)
    if ta1 is None and not groups:
        return None
    isa13 = numbers(Kind.ISA13)
    out = OutInterchange(_header(interchange, profile, isa13, now), preamble=[ta1] if ta1 else [])
    builder = _SetBuilder(profile)
    by_route: dict[tuple[str, str], OutGroup] = {}
    for group in groups:
        # One FA group per sender/receiver pair, swapped from the inbound GS02/GS03.
        route = (group.receiver or profile.ours.gs_id, group.sender or profile.theirs.gs_id)
        if route not in by_route:
            gs06 = format_number(Kind.GS06, numbers(Kind.GS06))
            by_route[route] = OutGroup(
                "FA", *route, now.strftime("%Y%m%d"), now.strftime("%H%M"), gs06, builder.gs_version
            )
            out.groups.append(by_route[route])
        st02 = format_number(Kind.ST02, numbers(Kind.ST02))
        by_route[route].transactions.append(builder.transaction(group, st02))
    delimiters = profile.delimiters
    writer = X12Writer(delimiters.delimiters(), newline=delimiters.newline, on_delimiter="replace")
    return Acknowledgment(
        text=writer.interchange(out),
        control_number=format_number(Kind.ISA13, isa13),
        ta1=ta1_status(interchange)[0] if ta1 else None,
        sets=tuple(builder.set_id for _ in groups),
    )


def _header(interchange: Interchange, profile: PartnerProfile, isa13: int, now: datetime) -> InterchangeHeader:
    """Our ISA: the inbound sender and receiver swapped (the profile fills in what a broken ISA lacks)."""
    return InterchangeHeader(
        sender_qualifier=interchange.receiver_qualifier or profile.ours.qualifier,
        sender_id=interchange.receiver_id or profile.ours.id,
        receiver_qualifier=interchange.sender_qualifier or profile.theirs.qualifier,
        receiver_id=interchange.sender_id or profile.theirs.id,
        date=now.strftime("%y%m%d"),
        time=now.strftime("%H%M"),
        control_version=profile.control_version,
        control_number=isa13,
        ack_requested=False,  # nobody acknowledges an acknowledgment
        usage=interchange.usage if interchange.usage in ("P", "T") else profile.usage,
    )


# -- TA1 ------------------------------------------------------------------------------------------------


def ta1_status(interchange: Interchange) -> tuple[str, str]:
    """TA104 and TA105 for an interchange: the first fatal finding rejects, a non-fatal one notes."""
    findings = [f for f in interchange.findings if f.level is Level.INTERCHANGE]
    fatal = [f for f in findings if f.fatal]
    if fatal:
        return "R", fatal[0].code
    if findings:
        return "E", findings[0].code
    return "A", "000"


def _ta1(interchange: Interchange, profile: PartnerProfile) -> OutSegment | None:
    policy = profile.acks.ta1
    has_findings = any(f.level is Level.INTERCHANGE for f in interchange.findings)
    if policy == "never" or (policy == "requested" and not (interchange.ack_requested or has_findings)):
        return None
    code, note = ta1_status(interchange)
    number = interchange.control_number.strip()
    if number.isascii() and number.isdigit():
        number = number.zfill(9)
    return seg("TA1", number, interchange.date, interchange.time, code, note)


# -- 997 / 999 ------------------------------------------------------------------------------------------


def is_acknowledgment(group: Group) -> bool:
    return group.functional_id == "FA" or any(t.set_id in ACK_SETS for t in group.transactions)


def _groups_to_acknowledge(interchange: Interchange, profile: PartnerProfile) -> list[Group]:
    if not interchange.accepted or profile.acks.send == "never":
        return []
    groups = [g for g in interchange.groups if not is_acknowledgment(g)]
    if profile.acks.send == "on_error":
        groups = [g for g in groups if group_response(g, profile=profile)[0] != "A"]
    return groups


def told(findings: Iterable[Finding], profile: PartnerProfile | None) -> list[Finding]:
    """The findings the partner hears of: all but the unlisted open-list codes its profile does not ask for
    (without a profile, none of those)."""
    return [
        f for f in findings if not isinstance(f, UnlistedCode) or (profile is not None and profile.strict_code(f.ref))
    ]


def set_response(
    transaction: Transaction, group_rejected: bool = False, profile: PartnerProfile | None = None
) -> tuple[str, list[str]]:
    """AK501 and AK502-AK506 for one transaction set, answering the partner of ``profile``.

    A set in a group rejected as a whole (``group_rejected``: a wrong GE01 count, GE02, GS06 ...) is rejected
    too, so that its AK5 agrees with the AK9 that counts it as not accepted; its AK502 codes are only those of
    its own errors, since X12 has no set code for a group's fault (AK905 carries it).
    """
    findings = told(transaction.findings, profile)
    if not findings:
        return ("R" if group_rejected else "A"), []
    codes = [f.code for f in findings if f.level is Level.TRANSACTION]
    if any(f.level in (Level.SEGMENT, Level.ELEMENT) for f in findings) and "5" not in codes:
        codes.append("5")  # one or more segments in error
    status = "R" if group_rejected or any(f.fatal for f in findings) else "E"
    return status, _first_distinct(codes)


def group_rejected(group: Group) -> bool:
    """Whether the group is rejected as a whole: a fatal group-level finding, whatever its sets say."""
    return any(f.fatal and f.level is Level.GROUP for f in group.findings)


def group_response(
    group: Group, version: str = "00501", profile: PartnerProfile | None = None
) -> tuple[str, int, int, int, list[str]]:
    """AK901 status, AK902 declared, AK903 received, AK904 accepted and AK905+ codes for one group."""
    received = len(group.transactions)
    statuses = [set_response(t, profile=profile)[0] for t in group.transactions]
    group_findings = [f for f in group.findings if f.level is Level.GROUP]
    rejected_as_group = group_rejected(group)
    accepted = 0 if rejected_as_group else sum(s in ("A", "E") for s in statuses)
    declared = received
    for finding in group_findings:  # a wrong GE01 carries the declared count as its value
        value = finding.value.strip()
        if finding.code == "5" and value.isascii() and value.isdigit():
            declared = int(value)
    codes = [f.code for f in group_findings]
    if version < "00501":
        codes = ["6" if c == "19" else c for c in codes]
    if rejected_as_group or (received and not accepted):
        status = "R"
    elif accepted < received:
        status = "P"
    elif group_findings or "E" in statuses:
        status = "E"
    else:
        status = "A"
    return status, declared, received, accepted, _first_distinct(codes)


class _SetBuilder:
    """Builds the 997 or 999 body for one inbound group, in the version the partner is answered in."""

    def __init__(self, profile: PartnerProfile) -> None:
        self.profile = profile
        self.version = profile.control_version
        self.is_999 = profile.acks.kind == "999"
        self.set_id = profile.acks.kind
        default = IMPLEMENTATION_999 if self.is_999 else DEFAULT_GS_VERSION[self.version]
        self.gs_version = profile.acks.gs_version or default
        self.five010 = self.version >= "00501"
        prefix = "IK" if self.is_999 else "AK"
        self.segment_note, self.element_note, self.set_trailer = f"{prefix}3", f"{prefix}4", f"{prefix}5"

    def transaction(self, group: Group, control_number: str) -> OutTransaction:
        implementation = self.gs_version if self.is_999 else ""
        return OutTransaction(self.set_id, control_number, self._body(group), implementation)

    def _body(self, group: Group) -> Iterator[OutSegment]:
        """AK1, an AK2 loop per set and AK9, made as they are written (a group may hold thousands of sets)."""
        ak1 = [group.functional_id, group.control_number] + ([group.version] if self.five010 else [])
        yield seg("AK1", *ak1)
        rejected = group_rejected(group)
        for transaction in group.transactions:
            implementation = transaction.implementation if self.five010 else ""
            yield seg("AK2", transaction.set_id, transaction.control_number, implementation)
            yield from self._notes(told(transaction.findings, self.profile))
            status, codes = set_response(transaction, rejected, self.profile)
            yield seg(self.set_trailer, status, *codes)
        status, declared, received, accepted, codes = group_response(group, self.version, self.profile)
        yield seg("AK9", status, str(declared), str(received), str(accepted), *codes)

    def _notes(self, findings: Iterable[Finding]) -> list[OutSegment]:
        """AK3 per segment in error (ordered by position), each followed by its AK4 element notes."""
        by_segment: dict[tuple[int, str, str], list[Finding]] = {}
        for finding in findings:
            if finding.level in (Level.SEGMENT, Level.ELEMENT) and finding.segment_id and finding.position > 0:
                key = (finding.position, finding.segment_id, finding.loop_id)
                by_segment.setdefault(key, []).append(finding)
        notes: list[OutSegment] = []
        for (position, segment_id, loop_id), found in sorted(by_segment.items(), key=lambda item: item[0][0]):
            segment_codes = [f.code for f in found if f.level is Level.SEGMENT] or ["8"]
            for index, code in enumerate(_first_distinct(segment_codes, limit=None)):
                notes.append(seg(self.segment_note, segment_id, str(position), loop_id, code))
                if index == 0:
                    notes += [self._element_note(f) for f in found if f.level is Level.ELEMENT and f.element]
        return notes

    def _element_note(self, finding: Finding) -> OutSegment:
        position = tuple(str(int(p)) if p.isascii() and p.strip().isdigit() else p for p in finding.element.split(":"))
        return seg(
            self.element_note,
            position if len(position) > 1 else position[0],
            finding.data_element,
            finding.code,
            finding.value[:MAX_BAD_VALUE],
        )


def _first_distinct(codes: Iterable[str], limit: int | None = MAX_CODES) -> list[str]:
    seen: list[str] = []
    for code in codes:
        if code and code not in seen:
            seen.append(code)
    return seen[:limit] if limit else seen
