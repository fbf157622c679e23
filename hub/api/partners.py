"""``/api/v1/partners``: X12 trading partners, drop-ship suppliers and 3PLs, with their whole profile
(identities, versions, delimiters, acknowledgment policy, transports, item cross-references and, for a
supplier, its agreed terms), through the store behind ``orderhub partner`` and ``orderhub supplier terms``
(``hub.edi.partners``).

The body's ``profile`` is the profile model itself, so the document shows its every field and a mistake is a
422 naming it (``profile.theirs.id``). Secrets appear in a profile only as references (``env:NAME``,
``file:PATH``), as the CLI shows them. A write replaces the partner as a whole: read it, change it, send it
back with its ETag as ``If-Match``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.api.conditional import check_if_match, etag_of
from hub.api.pagination import PageQuery, fetch_page
from hub.api.problems import Problem, bad_field
from hub.api.registry import BodyModel, Call, Reply, operation
from hub.db.models import Partner
from hub.edi.partners import (
    EDI_KINDS,
    PARTNER_ID,
    InvalidProfile,
    PartnerProfile,
    PartnerRecord,
    UnknownPartner,
    get_partner,
    save_partner,
)
from hub.errors import InputRejected

Kind = Literal["trading_partner", "supplier", "3pl"]  # hub.edi.partners.EDI_KINDS


class PartnerFilters(PageQuery):
    kind: Kind | None = None


class PartnerSummary(BaseModel):
    id: str
    name: str
    kind: str
    active: bool
    isa: str | None = Field(description="The partner's ISA qualifier:id.")
    our_isa: str | None = Field(description="Ours, as this partner knows us.")
    version: str | None
    usage: str | None
    items: int = Field(description="Item cross-references.")
    transports: list[str]
    supplier_terms: bool = Field(description="Drop-ship terms are set.")
    profile_error: str | None = Field(
        default=None, description="Why the stored profile cannot be used (written around the hub): PUT a whole one."
    )


class PartnerList(BaseModel):
    items: list[PartnerSummary]
    next_cursor: str | None


class PartnerView(BaseModel):
    id: str
    name: str
    kind: str
    active: bool
    profile: PartnerProfile


class PartnerWrite(BodyModel):
    name: str = Field(min_length=1, max_length=255, pattern=r"^[^\x00]*\S[^\x00]*$")
    kind: Kind = "trading_partner"
    active: bool = True
    profile: PartnerProfile


def _summary(record: PartnerRecord) -> PartnerSummary:
    profile = record.profile
    return PartnerSummary(
        id=record.id, name=record.name, kind=record.kind, active=record.active, isa=str(profile.theirs),
        our_isa=str(profile.ours), version=profile.control_version, usage=profile.usage, items=len(profile.items),
        transports=[t.type for t in profile.transports], supplier_terms=profile.supplier is not None,
    )  # fmt: skip


def _unusable(row: Partner, error: InvalidProfile) -> PartnerSummary:
    return PartnerSummary(id=row.id, name=row.name, kind=row.kind, active=row.active, isa=None, our_isa=None,
                          version=None, usage=None, items=0, transports=[], supplier_terms=False,
                          profile_error=str(error))  # fmt: skip


def _summaries(session: Session, rows: list[Partner]) -> list[PartnerSummary]:
    """Each partner, one whose stored profile no longer validates included (saying why), not an error."""
    found = []
    for row in rows:
        try:
            found.append(_summary(get_partner(session, row.id)))
        except InvalidProfile as error:
            found.append(_unusable(row, error))
    return found


def _view(record: PartnerRecord) -> PartnerView:
    return PartnerView(id=record.id, name=record.name, kind=record.kind, active=record.active, profile=record.profile)


def _etag(view: PartnerView) -> str:
    return etag_of(view.model_dump(mode="json"))


@operation("GET", "/partners", scope="read", tag="partners", query=PartnerFilters, response=PartnerList,
           summary="X12 trading partners, suppliers and 3PLs, by id")  # fmt: skip
def list_all(call: Call) -> PartnerList:
    q: PartnerFilters = call.query
    query = select(Partner).where(Partner.kind.in_(EDI_KINDS) if q.kind is None else Partner.kind == q.kind)
    rows, cursor = fetch_page(call.session, query, [Partner.id], [str], limit=q.limit, cursor=q.cursor,
                              key=lambda row: [row.id], descending=False)  # fmt: skip
    return PartnerList(items=_summaries(call.session, rows), next_cursor=cursor)


@operation("GET", "/partners/<partner_id>", scope="read", tag="partners", response=PartnerView, etag=True,
           problems=(409,), summary="One partner with its whole profile (secrets as references only)")  # fmt: skip
def read_partner(call: Call, partner_id: str) -> Reply:
    try:
        view = _view(get_partner(call.session, partner_id))
    except UnknownPartner as missing:
        raise Problem(404, str(missing)) from None
    except InvalidProfile as error:
        raise Problem(409, f"{error}: PUT a whole profile to replace it") from None
    return Reply(view, _etag(view))


@operation("PUT", "/partners/<partner_id>", scope="admin", tag="partners", body=PartnerWrite, response=PartnerView,
           etag=True, if_match=True, problems=(409,), summary="Create the partner, or replace it whole")  # fmt: skip
def write_partner(call: Call, partner_id: str) -> Reply:
    body: PartnerWrite = call.body
    if not PARTNER_ID.fullmatch(partner_id):
        raise bad_field(400, "path", "partner_id", "1 to 64 letters, digits, '.', '_' or '-'")
    call.session.get(Partner, partner_id, with_for_update=True)
    try:
        current: str = _etag(_view(get_partner(call.session, partner_id)))
    except (UnknownPartner, InvalidProfile):  # nothing usable to have read
        current = '"absent"'
    check_if_match(call.if_match, current)
    try:
        record, _ = save_partner(call.session, partner_id, name=body.name.strip(), kind=body.kind,
                                 profile=body.profile, active=body.active)  # fmt: skip
    except InputRejected as refused:  # a sender identity another partner has, a partner that is not X12
        raise Problem(409, str(refused)) from None
    view = _view(record)
    return Reply(view, _etag(view))
