"""Writes for dossiers: create, add parties, assign staff, open/close. Each one is audited."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediary.access.policy import Perm, actor_of, require
from intermediary.accounts.choices import OrganisationKind
from intermediary.accounts.models import Organisation, User
from intermediary.audit.services import audit_append
from intermediary.core.errors import field_error
from intermediary.dossiers.choices import DossierStatus
from intermediary.dossiers.models import Dossier, DossierParty, DossierTeamMember


def _next_reference() -> str:
    year = timezone.now().year
    count = Dossier.objects.filter(reference__startswith=f"DOS-{year}-").count()
    return f"DOS-{year}-{count + 1:03d}"


def _check_party(organisation: Organisation) -> None:
    if organisation.kind != OrganisationKind.PARTY:
        raise field_error("parties", _("%(org)s is not a party.") % {"org": organisation.name})


def _audit(actor: Any, action: str, dossier: Dossier, payload: dict[str, Any]) -> None:
    audit_append(
        actor=actor,
        action=action,
        object_type="dossier",
        object_id=str(dossier.public_id),
        payload=payload,
    )


@transaction.atomic
def dossier_create(
    *,
    actor: Any,
    title: str,
    parties: Iterable[Organisation],
    intermediary: Organisation | None = None,
    reference: str = "",
) -> Dossier:
    """Open a dossier between two or more parties, facilitated by the actor's organisation."""
    require(actor, Perm.DOSSIER_CREATE)
    party_list = list(dict.fromkeys(parties))
    if len(party_list) < 2:
        raise field_error("parties", _("A dossier needs at least two parties."), "required")
    for org in party_list:
        _check_party(org)
    if intermediary is None:
        org_pk = actor_of(actor).organisation_pk
        if org_pk is None:
            raise field_error("intermediary", _("Name the facilitating intermediary."))
        intermediary = Organisation.objects.get(pk=org_pk)
    dossier = Dossier(
        reference=reference.strip() or _next_reference(),
        title=title.strip(),
        intermediary=intermediary,
        created_by=actor if isinstance(actor, User) else _first_coordinator(intermediary),
    )
    dossier.full_clean()
    dossier.save()
    for org in party_list:
        DossierParty.objects.create(dossier=dossier, organisation=org)
    _audit(
        actor,
        "dossier.create",
        dossier,
        {
            "reference": dossier.reference,
            "title": dossier.title,
            "intermediary": intermediary.public_id,
            "parties": [org.public_id for org in party_list],
        },
    )
    return dossier


def _first_coordinator(intermediary: Organisation) -> User:
    user = User.objects.filter(
        memberships__organisation=intermediary, memberships__role="coordinator"
    ).first()
    if user is None:
        raise field_error("intermediary", _("The intermediary has no coordinator yet."))
    return user


@transaction.atomic
def dossier_add_party(*, actor: Any, dossier: Dossier, organisation: Organisation) -> DossierParty:
    """Add a further party to a dossier."""
    require(actor, Perm.DOSSIER_MANAGE, dossier)
    _check_party(organisation)
    if dossier.party_links.filter(organisation=organisation).exists():
        raise field_error("organisation", _("This party is already in the dossier."), "duplicate")
    link = DossierParty.objects.create(dossier=dossier, organisation=organisation)
    _audit(actor, "dossier.add_party", dossier, {"organisation": organisation.public_id})
    return link


@transaction.atomic
def dossier_assign_member(*, actor: Any, dossier: Dossier, user: User) -> DossierTeamMember:
    """Give an intermediary staff member access to one dossier."""
    require(actor, Perm.DOSSIER_MANAGE, dossier)
    member = actor_of(user)
    if not member.is_intermediary_staff or member.organisation_pk != dossier.intermediary_id:
        raise field_error("user", _("Only the facilitating intermediary's staff can be assigned."))
    if dossier.team.filter(user=user).exists():
        raise field_error("user", _("Already assigned."), "duplicate")
    link = DossierTeamMember.objects.create(dossier=dossier, user=user)
    _audit(actor, "dossier.assign_member", dossier, {"user": user.public_id})
    return link


@transaction.atomic
def dossier_unassign_member(*, actor: Any, dossier: Dossier, user: User) -> None:
    """Withdraw a staff member's access to one dossier."""
    require(actor, Perm.DOSSIER_MANAGE, dossier)
    deleted, _rows = dossier.team.filter(user=user).delete()
    if not deleted:
        raise field_error("user", _("Not assigned."), "missing")
    _audit(actor, "dossier.unassign_member", dossier, {"user": user.public_id})


@transaction.atomic
def dossier_set_status(*, actor: Any, dossier: Dossier, status: str) -> Dossier:
    """Close or reopen a dossier; refuses a transition to the state it is already in."""
    require(actor, Perm.DOSSIER_MANAGE, dossier)
    if status not in DossierStatus.values:
        raise field_error("status", _("Unknown status."))
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if locked.status == status:
        label = DossierStatus(status).label
        raise field_error("status", _("The dossier is already %(s)s.") % {"s": label}, "state")
    locked.status = status
    locked.save(update_fields=["status"])
    _audit(actor, "dossier.set_status", locked, {"status": status})
    return locked
