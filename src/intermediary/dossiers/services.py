"""Writes for dossiers: create, add, remove, withdraw and reinstate parties, assign staff,
open/close. Each one is audited."""

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
from intermediary.dossiers.choices import DossierStatus, PartyEventKind
from intermediary.dossiers.models import (
    Dossier,
    DossierParty,
    DossierPartyEvent,
    DossierTeamMember,
)
from intermediary.dossiers.references import party_references

MIN_PARTIES = 2
REASON_MAX_LENGTH = DossierPartyEvent._meta.get_field("reason").max_length or 500


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
    if len(party_list) < MIN_PARTIES:
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


def _user_or_none(actor: Any) -> User | None:
    return actor if isinstance(actor, User) else None


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
    existing = dossier.party_links.filter(organisation=organisation).first()
    if existing is not None and existing.is_withdrawn:
        message = _("This party is withdrawn from the dossier: reinstate it instead.")
        raise field_error("organisation", message, "duplicate")
    if existing is not None:
        raise field_error("organisation", _("This party is already in the dossier."), "duplicate")
    link = DossierParty.objects.create(dossier=dossier, organisation=organisation)
    _audit(actor, "dossier.add_party", dossier, {"organisation": organisation.public_id})
    return link


def _locked_link(dossier: Dossier, organisation: Organisation) -> DossierParty:
    """The party's link, locked until commit: withdrawals, reinstatements and removals of one
    party follow each other, each seeing the state the last one left, and they wait for the
    writes naming the party that are under way (dossiers.locks)."""
    # of=self, no ordering: lock the link alone, never the organisation row (which would
    # block every insert naming the organisation, in any dossier, until commit).
    link = (
        DossierParty.objects.select_for_update(of=("self",))
        .filter(dossier=dossier, organisation=organisation)
        .order_by()
        .first()
    )
    if link is None:
        raise field_error("organisation", _("This party is not in the dossier."), "missing")
    return link


def _required_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise field_error("reason", _("Give the reason."), "required")
    if len(reason) > REASON_MAX_LENGTH:
        raise field_error(
            "reason",
            _("At most %(n)d characters.") % {"n": REASON_MAX_LENGTH},
            "max_length",
        )
    return reason


def _refusal(organisation: Organisation, references: dict[str, int]) -> str:
    kinds = ", ".join(f"{label}: {count}" for label, count in references.items())
    return _(
        "%(org)s cannot be removed: the dossier already refers to it (%(kinds)s). "
        "Withdraw it instead; its records stay."
    ) % {"org": organisation.name, "kinds": kinds}


@transaction.atomic
def dossier_remove_party(*, actor: Any, dossier: Dossier, organisation: Organisation) -> Dossier:
    """Take off a party added by mistake. Only while nothing in the dossier refers to it
    (``party_references``): a party that held, submitted or received anything took part, and
    the record of that is never rewritten, so it can only be withdrawn. The audit chain keeps
    both the addition and the removal."""
    require(actor, Perm.DOSSIER_MANAGE, dossier)
    # The dossier first, then the link: two removals at once cannot both leave "two parties".
    Dossier.objects.select_for_update(no_key=True).filter(pk=dossier.pk).values("pk").first()
    link = _locked_link(dossier, organisation)
    references = party_references(link)
    if references:
        raise field_error("organisation", _refusal(organisation, references), "referenced")
    if dossier.party_links.count() <= MIN_PARTIES:
        raise field_error("organisation", _("A dossier needs at least two parties."), "required")
    link.delete()
    _audit(actor, "dossier.remove_party", dossier, {"organisation": organisation.public_id})
    return dossier


def _party_event(
    actor: Any, link: DossierParty, kind: PartyEventKind, reason: str
) -> DossierPartyEvent:
    event = DossierPartyEvent.objects.create(
        link=link, kind=kind, at=timezone.now(), by=_user_or_none(actor), reason=reason
    )
    _audit(
        actor,
        f"dossier.{'withdraw' if kind == PartyEventKind.WITHDRAWN else 'reinstate'}_party",
        link.dossier,
        {
            "organisation": link.organisation.public_id,
            "event": event.public_id,
            "at": event.at,
            "reason": reason,  # only the payload's hash is logged: it seals the reason
        },
    )
    return event


@transaction.atomic
def dossier_withdraw_party(
    *, actor: Any, dossier: Dossier, organisation: Organisation, reason: str
) -> DossierParty:
    """A party leaves or is suspended from the talks: its users lose the whole dossier at once
    (``access.policy.visible_dossiers``) and it can no longer be named on new records, but
    everything it submitted or holds stays, visible to the intermediary. Reversible with
    ``dossier_reinstate_party``."""
    require(actor, Perm.DOSSIER_MANAGE, dossier)
    reason = _required_reason(reason)
    link = _locked_link(dossier, organisation)
    if link.is_withdrawn:
        raise field_error("organisation", _("This party is already withdrawn."), "state")
    event = _party_event(actor, link, PartyEventKind.WITHDRAWN, reason)
    link.withdrawn_at, link.withdrawn_by, link.withdrawal_reason = event.at, event.by, reason
    link.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    return link


@transaction.atomic
def dossier_reinstate_party(
    *, actor: Any, dossier: Dossier, organisation: Organisation, reason: str
) -> DossierParty:
    """A withdrawn party returns to the talks: its users see the dossier again, as before
    (its own records, and disclosures to it that were not revoked meanwhile)."""
    require(actor, Perm.DOSSIER_MANAGE, dossier)
    reason = _required_reason(reason)
    link = _locked_link(dossier, organisation)
    if not link.is_withdrawn:
        raise field_error("organisation", _("This party is not withdrawn."), "state")
    _party_event(actor, link, PartyEventKind.REINSTATED, reason)
    link.withdrawn_at, link.withdrawn_by, link.withdrawal_reason = None, None, ""
    link.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
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
