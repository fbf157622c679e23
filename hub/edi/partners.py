"""Trading-partner profiles: everything the EDI engine needs to know about one partner, typed and validated.

A profile lives in ``partners.profile`` (JSON) for partners of kind trading_partner, supplier and 3pl. It is
read back through :class:`PartnerProfile`, never as a loose dict, so a bad profile is refused when it is
saved, not when the first interchange arrives. Secrets (SFTP passwords and keys, HTTP tokens) appear only as
references (``env:NAME``, ``file:PATH``), checked with :func:`hub.secrets.check_reference`.

``theirs`` is the partner as it appears in what it sends (ISA05/ISA06, GS02); ``ours`` is how the partner
addresses us (ISA07/ISA08, GS03). Acknowledgments and outbound documents swap them.

Code checks: a value missing from an *open* code list of the specs (``hub.edi.spec``: qualifiers, entity
codes, units) is a warning kept on the set and left out of the 997, since the standard's lists are long and
partners add their own. ``strict_codes`` tells such values to the partner (AK4 code 7 under its AK3, the set
accepted with errors: AK5 E), and ``codes`` sets one element apart either way: ``{"REF01": "open"}`` for a
strict partner's private reference qualifiers, ``{"N101": "strict"}`` for one element checked closely. A
*closed* list (purposes, types, levels) rejects any other value whatever the profile says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.models import Partner
from hub.edi.model import Delimiters, Finding, Interchange, Level
from hub.edi.spec import load_library
from hub.edi.supplier_terms import SupplierTerms
from hub.errors import ConfigurationError, InputRejected
from hub.secrets import check_reference

EDI_KINDS = ("trading_partner", "supplier", "3pl")
PARTNER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# Product/service id qualifiers (data element 235) the item cross-reference is most often keyed by:
# VN vendor's (our) item number, BP buyer's part number, IN buyer's item number, UP UPC, EN EAN,
# UK GTIN-14, SK stock keeping unit. Others are accepted as long as they are two characters.
COMMON_QUALIFIERS = ("VN", "BP", "IN", "UP", "EN", "UK", "SK")


class InvalidProfile(InputRejected):
    """A partner profile does not validate; the message names each field, never its value."""


class UnknownPartner(InputRejected):
    pass


def _secret_reference(value: str) -> str:
    try:
        return check_reference(value, "this field")
    except ConfigurationError as exc:
        raise ValueError(str(exc)) from None


SecretReference = Annotated[str, AfterValidator(_secret_reference)]
Code2 = Annotated[str, Field(pattern=r"^[A-Z0-9]{2}$")]
# ISA06/ISA08 are 15 characters, GS02/GS03 2 to 15; no padding, no delimiters (checked when writing).
IsaId = Annotated[str, Field(pattern=r"^[!-~](?:[ -~]{0,13}[!-~])?$")]
GsId = Annotated[str, Field(pattern=r"^[!-~][ -~]{0,13}[!-~]$")]
GsVersion = Annotated[str, Field(pattern=r"^[0-9]{6}[A-Z0-9]{0,6}$")]
CodeCheck = Literal["strict", "open"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Identity(_Model):
    qualifier: Code2  # ISA05 / ISA07: ZZ mutually defined, 01 DUNS, 08 UCC EDI, 12 phone ...
    id: IsaId  # ISA06 / ISA08
    gs_id: GsId  # GS02 / GS03

    def __str__(self) -> str:
        return f"{self.qualifier}:{self.id}"


class DelimiterSettings(_Model):
    """The delimiters we write to this partner (inbound files carry their own in the ISA)."""

    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str | None = None  # ISA11 from 00402 on; filled with "^" for 00501 when not given
    newline: bool = True  # a line end after each segment terminator, for humans; readers ignore it

    @model_validator(mode="after")
    def _distinct(self) -> DelimiterSettings:
        named = {"element": self.element, "component": self.component, "segment": self.segment}
        if self.repetition is not None:
            named["repetition"] = self.repetition
        for name, char in named.items():
            if len(char) != 1 or char.isalnum() or char == " " or (char in "\r\n" and name != "segment"):
                raise ValueError(f"the {name} separator must be one character that is not a letter, digit or space")
        if len(set(named.values())) != len(named):
            raise ValueError("the element, component, segment and repetition separators must all differ")
        return self

    def delimiters(self) -> Delimiters:
        return Delimiters(self.element, self.component, self.segment, self.repetition)


class AckPolicy(_Model):
    kind: Literal["997", "999"] = "997"  # 999 only for partners on 00501 that ask for it (HIPAA style)
    send: Literal["always", "on_error", "never"] = "always"
    ta1: Literal["requested", "always", "never"] = "requested"  # requested: ISA14=1, or an envelope problem
    # GS08 of the acknowledgment group; by default the plain version we answer in (004010, 005010), or
    # 005010X231A1 for a 999. Some retailers want their own flavour (004010VICS) on 997s too.
    gs_version: GsVersion | None = None


class Leniencies(_Model):
    """What we accept from this partner although the standard does not (each bends one rule, with a warning)."""

    fixed_width_isa: bool = True  # False: an ISA whose fields are not padded to width is read with a warning
    trailing_separators: bool = False  # True: "N1*ST*ACME**~" is read without an error
    lowercase_codes: bool = False  # True: code values such as "st" are upper-cased before checking
    international_characters: bool = False  # True: accented Latin letters (Latin-1, UTF-8 files) in text elements


class ItemXref(_Model):
    partner_item: Annotated[str, Field(min_length=1, max_length=48)]
    sku: Annotated[str, Field(min_length=1, max_length=128)]
    qualifier: Code2 = "VN"


def _check_http_auth(token: str | None, username: str | None, password: str | None) -> None:
    """HTTP authentication is a bearer token or basic username and password, never a mix."""
    if token and (username or password):
        raise ValueError("give either a token or a username and password, not both")
    if bool(username) != bool(password):
        raise ValueError("basic authentication needs both username and password")


class HttpTransport(_Model):
    type: Literal["http"] = "http"
    url: Annotated[str, Field(pattern=r"^https?://[^\s]+$")]
    username: str | None = None
    password: SecretReference | None = None  # basic authentication, with username
    token: SecretReference | None = None  # bearer token
    timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 30

    @model_validator(mode="after")
    def _one_auth(self) -> HttpTransport:
        _check_http_auth(self.token, self.username, self.password)
        return self


class MailboxTransport(_Model):
    """Directories shared with the partner or its VAN: files are picked up from inbound, dropped in outbound."""

    type: Literal["mailbox"] = "mailbox"
    inbound: Annotated[str, Field(min_length=1)]
    outbound: Annotated[str, Field(min_length=1)]
    pattern: str = "*"  # a shell glob on file names, case-sensitive
    archive: str | None = None  # picked-up files move here; without it they are deleted once stored


class SftpTransport(_Model):
    type: Literal["sftp"] = "sftp"
    host: Annotated[str, Field(min_length=1, max_length=255)]
    port: Annotated[int, Field(ge=1, le=65535)] = 22
    username: Annotated[str, Field(min_length=1)]
    password: SecretReference | None = None
    private_key: SecretReference | None = None
    host_key: Annotated[str, Field(min_length=8)]  # the server key we pin, e.g. "SHA256:..." (never trust on first use)
    inbound: str = "/outbound"  # where the partner leaves files for us
    outbound: str = "/inbound"  # where we leave files for the partner
    pattern: str = "*"  # which inbound file names to take (shell glob, case-sensitive)
    archive: str | None = None  # remote directory picked-up files are renamed into; None deletes them
    timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 30

    @model_validator(mode="after")
    def _one_credential(self) -> SftpTransport:
        if (self.password is None) == (self.private_key is None):
            raise ValueError("give exactly one of password or private_key (as env:NAME or file:PATH)")
        return self


Transport = Annotated[HttpTransport | MailboxTransport | SftpTransport, Field(discriminator="type")]


class InboundHttpAuth(_Model):
    """How a partner proves itself when it posts X12 to ``POST /edi/<partner id>``: a bearer token, or HTTP
    basic authentication with a username and a password. A partner without it cannot post at all."""

    token: SecretReference | None = None
    username: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^:\s]+$")] | None = None
    password: SecretReference | None = None

    @model_validator(mode="after")
    def _one_scheme(self) -> InboundHttpAuth:
        _check_http_auth(self.token, self.username, self.password)
        if not self.token and not self.username:
            raise ValueError("give a token, or a username and password (secrets as env:NAME or file:PATH)")
        return self


DEFAULT_GS_VERSION = {"00401": "004010", "00501": "005010"}


class PartnerProfile(_Model):
    theirs: Identity
    ours: Identity
    control_version: Literal["00401", "00501"]  # ISA12 we write and expect
    gs_version: GsVersion  # GS08 of the documents we exchange: 004010, 004010VICS, 005010 ...
    usage: Literal["P", "T"] = "P"  # ISA15; an inbound interchange that differs is refused (TA1 020)
    delimiters: DelimiterSettings = DelimiterSettings()
    acks: AckPolicy = AckPolicy()
    leniencies: Leniencies = Leniencies()
    items: tuple[ItemXref, ...] = ()
    transports: tuple[Transport, ...] = ()
    inbound_http: InboundHttpAuth | None = None  # None: the partner cannot post to /edi/<partner id>
    strict_codes: bool = False  # True: values missing from open code lists are told in the 997 (AK4 7, AK5 E)
    codes: dict[str, CodeCheck] = {}  # per element (REF01, REF04-1): "strict" or "open", whatever strict_codes says
    supplier: SupplierTerms | None = None  # a drop-ship supplier's agreed terms (hub.edi.supplier_terms)

    @field_validator("codes")
    @classmethod
    def _open_lists_only(cls, codes: dict[str, CodeCheck]) -> dict[str, CodeCheck]:
        known = load_library().code_lists
        for ref in codes:
            if ref not in known:
                examples = "REF01, N101, DTM01, PO103, PO106, REF04-1"
                raise ValueError(f"{ref!r} names no element with a code list (elements are named like {examples})")
            if not known[ref]:
                raise ValueError(
                    f"{ref} has a closed code list: a value missing from it rejects the set whatever the profile says"
                )
        return codes

    @model_validator(mode="before")
    @classmethod
    def _version_defaults(cls, data: Any) -> Any:
        # A 5010 ISA11 is the repetition separator; give it the usual "^" unless one was chosen.
        if isinstance(data, dict) and data.get("control_version") == "00501":
            delimiters = data.get("delimiters")
            if isinstance(delimiters, dict) and delimiters.get("repetition") is None:
                data = {**data, "delimiters": {**delimiters, "repetition": "^"}}
            elif delimiters is None:
                data = {**data, "delimiters": {"repetition": "^"}}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> PartnerProfile:
        if self.control_version == "00401" and self.delimiters.repetition is not None:
            raise ValueError("00401 has no repetition separator (ISA11 is U): remove delimiters.repetition")
        if self.control_version == "00501" and self.delimiters.repetition is None:
            raise ValueError("00501 needs a repetition separator (ISA11): set delimiters.repetition, e.g. ^")
        if self.acks.kind == "999" and self.control_version != "00501":
            raise ValueError("a 999 exists only from 00501 on: use acks.kind 997 or control_version 00501")
        if (self.theirs.qualifier, self.theirs.id) == (self.ours.qualifier, self.ours.id):
            raise ValueError("theirs and ours must be different ISA identities")
        keys = [(x.qualifier, x.partner_item) for x in self.items]
        if len(keys) != len(set(keys)):
            raise ValueError("items: each (qualifier, partner_item) may appear only once")
        return self

    def strict_code(self, ref: str) -> bool:
        """Whether a value missing from the open code list of element ``ref`` (REF01) is told in the 997."""
        return self.codes.get(ref, "strict" if self.strict_codes else "open") == "strict"

    def sku_for(self, partner_item: str, qualifier: str | None = None) -> str | None:
        """Our SKU for the partner's item number (any qualifier unless one is named), None when unknown."""
        for xref in self.items:
            if xref.partner_item == partner_item and qualifier in (None, xref.qualifier):
                return xref.sku
        return None

    def with_item(self, xref: ItemXref) -> PartnerProfile:
        kept = [x for x in self.items if (x.qualifier, x.partner_item) != (xref.qualifier, xref.partner_item)]
        return self.model_copy(update={"items": (*kept, xref)})

    def check_inbound(self, interchange: Interchange) -> list[Finding]:
        """Envelope findings that depend on the profile: test/production mismatch, a receiver that is not us."""
        findings = []
        if interchange.usage != self.usage:
            findings.append(
                Finding(
                    Level.INTERCHANGE,
                    "020",
                    f"ISA15 is {interchange.usage!r} but the partner is set up for {self.usage!r}"
                    f" ({'test' if self.usage == 'T' else 'production'})",
                    segment_id="ISA",
                    element="15",
                    value=interchange.usage,
                )
            )
        if (interchange.receiver_qualifier, interchange.receiver_id) != (self.ours.qualifier, self.ours.id):
            findings.append(
                Finding(
                    Level.INTERCHANGE,
                    "009",
                    f"ISA07/ISA08 {interchange.receiver_qualifier}:{interchange.receiver_id} is not us"
                    f" ({self.ours}) for this partner",
                    segment_id="ISA",
                    element="08",
                    value=interchange.receiver_id,
                )
            )
        return findings


def describe_errors(error: ValidationError) -> str:
    """One line naming every bad field and why, without echoing values (a misplaced value may be a secret)."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "profile"
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def parse_profile(data: Any, where: str = "profile") -> PartnerProfile:
    try:
        return PartnerProfile.model_validate(data)
    except ValidationError as exc:
        raise InvalidProfile(f"{where} is invalid: {describe_errors(exc)}") from None


# -- repository -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerRecord:
    id: str
    name: str
    kind: str
    active: bool
    profile: PartnerProfile


def _record(row: Partner) -> PartnerRecord:
    return PartnerRecord(row.id, row.name, row.kind, row.active, parse_profile(row.profile, f"partner {row.id}"))


def save_partner(
    session: Session, partner_id: str, *, name: str, kind: str, profile: PartnerProfile, active: bool = True
) -> tuple[PartnerRecord, bool]:
    """Create or replace the partner; returns the record and whether it was created.

    Two partners may not share a sender identity (ISA qualifier and id), or inbound files could not be told
    apart; the check runs here, where profiles are written.
    """
    if not PARTNER_ID.fullmatch(partner_id):
        raise InputRejected(f"partner id {partner_id!r} must be 1-64 letters, digits, '.', '_' or '-'")
    if kind not in EDI_KINDS:
        raise InputRejected(f"partner kind {kind!r} has no EDI profile: use one of {', '.join(EDI_KINDS)}")
    other = find_by_sender(session, profile.theirs.qualifier, profile.theirs.id)
    if other is not None and other.id != partner_id:
        raise InputRejected(f"ISA sender {profile.theirs} already belongs to partner {other.id!r}")
    row = session.get(Partner, partner_id)
    if row is not None and row.kind not in EDI_KINDS:
        raise InputRejected(f"partner {partner_id!r} is a {row.kind} partner, which has no EDI profile")
    created = row is None
    data = profile.model_dump(mode="json")
    if row is None:
        row = Partner(id=partner_id, name=name, kind=kind, active=active, profile=data)
        session.add(row)
    else:
        row.name, row.kind, row.active, row.profile = name, kind, active, data
    session.flush()
    return PartnerRecord(partner_id, name, kind, active, profile), created


def get_partner(session: Session, partner_id: str) -> PartnerRecord:
    row = session.get(Partner, partner_id)
    if row is None or row.kind not in EDI_KINDS:
        raise UnknownPartner(f"no EDI partner {partner_id!r}; see `orderhub partner list`")
    return _record(row)


def find_by_sender(session: Session, qualifier: str, isa_id: str) -> PartnerRecord | None:
    """The partner whose profile names (ISA05, ISA06) as its own, active or not; None when nobody does."""
    theirs = Partner.profile["theirs"]
    rows = session.scalars(
        select(Partner).where(
            Partner.kind.in_(EDI_KINDS),
            theirs["qualifier"].as_string() == qualifier,
            theirs["id"].as_string() == isa_id.strip(),
        )
    ).all()
    if len(rows) > 1:  # only possible if profiles were written around save_partner
        raise InvalidProfile(f"ISA sender {qualifier}:{isa_id} is claimed by {', '.join(r.id for r in rows)}")
    return _record(rows[0]) if rows else None


def list_partners(session: Session) -> list[PartnerRecord]:
    rows = session.scalars(select(Partner).where(Partner.kind.in_(EDI_KINDS)).order_by(Partner.id)).all()
    return [_record(row) for row in rows]
