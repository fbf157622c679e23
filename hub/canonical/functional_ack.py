"""The functional acknowledgment document (``functional_ack.v1``): a partner's syntax answer to one functional
group it received, as an X12 997 or 999 carries it.

It says whether each transaction set of the group was accepted and, when not, exactly where the partner
found fault: the segment (by position from the set's ST) and the element (by position, component and
repeat), with the X12 note codes kept as sent, since those codes are what a partner's support desk and the
standard's tables speak. The group's own verdict and its counts come last, as in the AK9.

Nothing is keyed by control number: a partner may list the same set control number twice (a duplicate it
rejects, say), and each listing is kept, in the order sent.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from annotated_types import Ge
from pydantic import Field

from .base import CanonicalModel, NonEmptyStr, Quantity

Position = Annotated[int, Ge(1)]


class FunctionalAckStatus(StrEnum):
    """A verdict on a set or a group, from the X12 codes: A accepted, E accepted with errors, P partially
    accepted (a group only), R rejected; the security codes M, W and X also reject."""

    ACCEPTED = "accepted"
    ACCEPTED_WITH_ERRORS = "accepted_with_errors"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"


class ElementPosition(CanonicalModel):
    """Where an element sits in its segment (X12 C030 in AK401 / IK401)."""

    element: Position = Field(description="Element position in the segment, from 1.")
    component: Position | None = Field(default=None, description="Component position in a composite, from 1.")
    repeat: Position | None = Field(default=None, description="Repetition of a repeating element, from 1 (5010).")


class ElementError(CanonicalModel):
    """An element the partner found fault with (X12 AK4 / IK4)."""

    position: ElementPosition = Field(description="Where the element is in its segment.")
    data_element: NonEmptyStr | None = Field(default=None, description="Data element reference number (AK402).")
    code: NonEmptyStr = Field(
        description="Element note code as sent (AK403): 1 missing, 4 too short, 5 too long, 7 invalid code ..."
    )
    bad_value: str | None = Field(default=None, description="Copy of the bad value, when the partner sent it.")


class SegmentError(CanonicalModel):
    """A segment the partner found fault with (X12 AK3 / IK3), with its element errors."""

    segment_id: NonEmptyStr = Field(description="Segment id (AK301), e.g. BEG.")
    position: Position = Field(description="Segment position in the set, counted from ST as 1 (AK302).")
    loop_id: NonEmptyStr | None = Field(default=None, description="Loop the segment is in (AK303).")
    code: NonEmptyStr | None = Field(
        default=None,
        description="Segment note code as sent (AK304): 1 unrecognised, 2 unexpected, 3 mandatory missing, "
        "8 has element errors ...",
    )
    elements: list[ElementError] = Field(default_factory=list, description="Its element errors, in order sent.")


class AcknowledgedSet(CanonicalModel):
    """The verdict on one transaction set of the group (X12 AK2 ... AK5 / IK5)."""

    set_id: NonEmptyStr = Field(description="Transaction set id acknowledged (AK201), e.g. 850.")
    control_number: NonEmptyStr = Field(description="Its control number, ST02 (AK202).")
    implementation: NonEmptyStr | None = Field(default=None, description="Its implementation convention (AK203).")
    status: FunctionalAckStatus = Field(description="Verdict on the set (AK501).")
    status_code: NonEmptyStr = Field(description="The verdict's code as sent (AK501): A, E, R, M, W or X.")
    codes: list[NonEmptyStr] = Field(
        default_factory=list, description="Set note codes as sent (AK502-AK506): 3 control number mismatch ..."
    )
    segment_errors: list[SegmentError] = Field(default_factory=list, description="Segments in error, in order.")


class AcknowledgedGroup(CanonicalModel):
    """The functional group acknowledged (X12 AK1)."""

    functional_id: NonEmptyStr = Field(description="Its functional identifier, GS01 (AK101), e.g. PO.")
    control_number: NonEmptyStr = Field(description="Its group control number, GS06 (AK102).")
    version: NonEmptyStr | None = Field(default=None, description="Its version, GS08 (AK103, 5010 on).")


class FunctionalAck(CanonicalModel):
    """A partner's acknowledgment of one functional group: its sets' verdicts, then the group's."""

    schema_version: Literal["functional_ack.v1"] = Field(
        default="functional_ack.v1", description="Canonical document name and version."
    )
    ack_set: NonEmptyStr = Field(description="Transaction set that carried it: 997 or 999.")
    sender: NonEmptyStr | None = Field(default=None, description="Who sent the acknowledgment (GS02).")
    receiver: NonEmptyStr | None = Field(default=None, description="Whom it was sent to (GS03).")
    control_number: NonEmptyStr | None = Field(default=None, description="The acknowledgment's own ST02.")
    group: AcknowledgedGroup = Field(description="The group acknowledged.")
    sets: list[AcknowledgedSet] = Field(
        default_factory=list,
        description="One entry per set listed, in the order sent; two listings of one control number stay two "
        "entries. Empty when the partner answers for the group alone.",
    )
    status: FunctionalAckStatus = Field(description="Verdict on the group (AK901).")
    status_code: NonEmptyStr = Field(description="The group verdict's code as sent (AK901): A, E, P, R ...")
    sets_included: Quantity = Field(description="Sets the group declared, GE01 (AK902).")
    sets_received: Quantity = Field(description="Sets the partner received (AK903).")
    sets_accepted: Quantity = Field(description="Sets the partner accepted (AK904).")
    codes: list[NonEmptyStr] = Field(
        default_factory=list, description="Group note codes as sent (AK905-AK909): 4 control number mismatch ..."
    )
    test: bool = Field(default=False, description="True when it came in a test interchange (ISA15 T).")
