"""API: dossiers, their parties and team."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from intermediary.access.policy import Perm, actor_of, require, require_or_404
from intermediary.accounts import selectors as account_selectors
from intermediary.api.routers.accounts import ERRORS, organisation_ref
from intermediary.api.schemas import OrganisationRef
from intermediary.dossiers import selectors, services
from intermediary.dossiers.models import Dossier

router = Router(tags=["dossiers"])


class DossierOut(Schema):
    id: str
    reference: str
    title: str
    status: str
    intermediary: OrganisationRef
    parties: list[OrganisationRef]
    created_at: datetime


def dossier_out(dossier: Dossier) -> DossierOut:
    return DossierOut(
        id=str(dossier.public_id),
        reference=dossier.reference,
        title=dossier.title,
        status=dossier.status,
        intermediary=organisation_ref(dossier.intermediary),
        parties=[organisation_ref(link.organisation) for link in dossier.party_links.all()],
        created_at=dossier.created_at,
    )


@router.get("", response={200: list[DossierOut], **ERRORS}, url_name="api-dossiers")
def dossier_list(request: HttpRequest, status: str | None = None) -> list[DossierOut]:
    return [dossier_out(d) for d in selectors.dossier_list(user=request.user, status=status)]


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
    return Status(201, dossier_out(dossier))


@router.get("/{dossier_id}", response={200: DossierOut, **ERRORS}, url_name="api-dossier")
def dossier_detail(request: HttpRequest, dossier_id: uuid.UUID) -> DossierOut:
    return dossier_out(
        selectors.dossier_get(user=request.user, public_id=dossier_id, path=request.path)
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
    return Status(201, dossier_out(dossier))


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
        services.dossier_set_status(actor=request.user, dossier=dossier, status=payload.status)
    )
