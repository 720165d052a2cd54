"""API: dossiers, their parties and team."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from intermediary.access.policy import Perm, actor_of, require, require_or_404
from intermediary.accounts import selectors as account_selectors
from intermediary.api.routers.accounts import ERRORS, organisation_ref
from intermediary.api.schemas import OrganisationRef, input_schema
from intermediary.dossiers import selectors, services
from intermediary.dossiers.models import Dossier, DossierParty

router = Router(tags=["dossiers"])


class PartyLinkOut(Schema):
    """A party's part in the dossier. ``withdrawn_at`` is set while it is withdrawn; who
    withdrew it and why are the intermediary's (null for party users)."""

    organisation: OrganisationRef
    added_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawal_reason: str | None


class DossierOut(Schema):
    id: str
    reference: str
    title: str
    status: str
    intermediary: OrganisationRef
    parties: list[OrganisationRef]  # every party linked, withdrawn ones too (see party_links)
    party_links: list[PartyLinkOut]
    created_at: datetime


def _party_link_out(link: DossierParty, staff: bool) -> PartyLinkOut:
    by = link.withdrawn_by
    return PartyLinkOut(
        organisation=organisation_ref(link.organisation),
        added_at=link.added_at,
        withdrawn_at=link.withdrawn_at,
        withdrawn_by=by.username if staff and by is not None else None,
        withdrawal_reason=link.withdrawal_reason if staff and link.is_withdrawn else None,
    )


def dossier_out(dossier: Dossier, user: object) -> DossierOut:
    staff = actor_of(user).is_intermediary_staff
    links = list(dossier.party_links.all())  # prefetched by the list's selector
    return DossierOut(
        id=str(dossier.public_id),
        reference=dossier.reference,
        title=dossier.title,
        status=dossier.status,
        intermediary=organisation_ref(dossier.intermediary),
        parties=[organisation_ref(link.organisation) for link in links],
        party_links=[_party_link_out(link, staff) for link in links],
        created_at=dossier.created_at,
    )


@router.get("", response={200: list[DossierOut], **ERRORS}, url_name="api-dossiers")
def dossier_list(request: HttpRequest, status: str | None = None) -> list[DossierOut]:
    return [
        dossier_out(d, request.user)
        for d in selectors.dossier_list(user=request.user, status=status)
    ]


class DossierIn(Schema):
    title: str
    parties: list[uuid.UUID]
    reference: str = ""


@router.post("", response={201: DossierOut, **ERRORS}, url_name="api-dossier-create")
def dossier_create(request: HttpRequest, payload: DossierIn) -> Status[DossierOut]:
    require_or_404(request.user, Perm.DOSSIER_CREATE, path=request.path)
    parties = [
        account_selectors.organisation_get(user=request.user, public_id=p, path=request.path)
        for p in payload.parties
    ]
    dossier = services.dossier_create(
        actor=request.user, title=payload.title, parties=parties, reference=payload.reference
    )
    return Status(201, dossier_out(dossier, request.user))


@router.get("/{dossier_id}", response={200: DossierOut, **ERRORS}, url_name="api-dossier")
def dossier_detail(request: HttpRequest, dossier_id: uuid.UUID) -> DossierOut:
    return dossier_out(
        selectors.dossier_get(user=request.user, public_id=dossier_id, path=request.path),
        request.user,
    )


class PartyIn(Schema):
    organisation: uuid.UUID


@router.post(
    "/{dossier_id}/parties", response={201: DossierOut, **ERRORS}, url_name="api-dossier-add-party"
)
def dossier_add_party(
    request: HttpRequest, dossier_id: uuid.UUID, payload: PartyIn
) -> Status[DossierOut]:
    dossier = selectors.dossier_get(user=request.user, public_id=dossier_id, path=request.path)
    # Refuse before resolving the organisation, so the answer (403) does not depend on which
    # other organisations the caller happens to see; the UI answers the same.
    require(request.user, Perm.DOSSIER_MANAGE, dossier)
    org = account_selectors.organisation_get(
        user=request.user, public_id=payload.organisation, path=request.path
    )
    services.dossier_add_party(actor=request.user, dossier=dossier, organisation=org)
    return Status(201, dossier_out(dossier, request.user))


def _managed_party(request: HttpRequest, dossier_id: uuid.UUID, organisation_id: uuid.UUID) -> Any:
    """The dossier (404 if unseen), the caller's right to manage it (403, before the party is
    looked up, as for adding one), then the party's link (404 if not a party of it)."""
    dossier = selectors.dossier_get(user=request.user, public_id=dossier_id, path=request.path)
    require(request.user, Perm.DOSSIER_MANAGE, dossier)
    return selectors.dossier_party_get(
        user=request.user, dossier=dossier, organisation_id=organisation_id, path=request.path
    )


@router.delete(
    "/{dossier_id}/parties/{organisation_id}",
    response={200: DossierOut, **ERRORS},
    url_name="api-dossier-remove-party",
)
def dossier_remove_party(
    request: HttpRequest, dossier_id: uuid.UUID, organisation_id: uuid.UUID
) -> DossierOut:
    """Remove a party added by mistake; 422 naming what refers to it otherwise."""
    link = _managed_party(request, dossier_id, organisation_id)
    dossier = services.dossier_remove_party(
        actor=request.user, dossier=link.dossier, organisation=link.organisation
    )
    return dossier_out(dossier, request.user)


# The body is the services' own ``reason`` parameter (withdraw and reinstate take the same).
if TYPE_CHECKING:
    PartyReasonIn = Schema
else:
    PartyReasonIn = input_schema("PartyReasonIn", services.dossier_withdraw_party, only=["reason"])


@router.post(
    "/{dossier_id}/parties/{organisation_id}/withdraw",
    response={200: DossierOut, **ERRORS},
    url_name="api-dossier-withdraw-party",
)
def dossier_withdraw_party(
    request: HttpRequest,
    dossier_id: uuid.UUID,
    organisation_id: uuid.UUID,
    payload: PartyReasonIn,
) -> DossierOut:
    """Withdraw (suspend) a party: its users lose the dossier at once; its records stay."""
    link = _managed_party(request, dossier_id, organisation_id)
    services.dossier_withdraw_party(
        actor=request.user,
        dossier=link.dossier,
        organisation=link.organisation,
        **payload.dict(),
    )
    return dossier_out(link.dossier, request.user)


@router.post(
    "/{dossier_id}/parties/{organisation_id}/reinstate",
    response={200: DossierOut, **ERRORS},
    url_name="api-dossier-reinstate-party",
)
def dossier_reinstate_party(
    request: HttpRequest,
    dossier_id: uuid.UUID,
    organisation_id: uuid.UUID,
    payload: PartyReasonIn,
) -> DossierOut:
    """Reinstate a withdrawn party: its users see the dossier again."""
    link = _managed_party(request, dossier_id, organisation_id)
    services.dossier_reinstate_party(
        actor=request.user,
        dossier=link.dossier,
        organisation=link.organisation,
        **payload.dict(),
    )
    return dossier_out(link.dossier, request.user)


class TeamMemberOut(Schema):
    user: str
    username: str


@router.get(
    "/{dossier_id}/team", response={200: list[TeamMemberOut], **ERRORS}, url_name="api-dossier-team"
)
def dossier_team(request: HttpRequest, dossier_id: uuid.UUID) -> list[TeamMemberOut]:
    dossier = selectors.dossier_get(user=request.user, public_id=dossier_id, path=request.path)
    if not actor_of(request.user).is_intermediary:
        return []  # who works a dossier is the intermediary's business
    return [
        TeamMemberOut(user=str(m.user.public_id), username=m.user.username)
        for m in dossier.team.select_related("user")
    ]


class StatusIn(Schema):
    status: str


@router.post(
    "/{dossier_id}/status", response={200: DossierOut, **ERRORS}, url_name="api-dossier-set-status"
)
def dossier_set_status(
    request: HttpRequest, dossier_id: uuid.UUID, payload: StatusIn
) -> DossierOut:
    dossier = selectors.dossier_get(user=request.user, public_id=dossier_id, path=request.path)
    return dossier_out(
        services.dossier_set_status(actor=request.user, dossier=dossier, status=payload.status),
        request.user,
    )
