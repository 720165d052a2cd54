"""Reads for dossiers, always scoped by the acting user through the access module."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from intermediary.access.policy import actor_of, get_visible_or_404, visible_dossiers
from intermediary.dossiers.models import Dossier, DossierParty, DossierPartyEvent


def dossier_list(*, user: Any, status: str | None = None) -> QuerySet[Dossier]:
    """Dossiers the user may see, newest first."""
    qs = (
        visible_dossiers(user)
        .select_related("intermediary")
        .prefetch_related("party_links__organisation", "party_links__withdrawn_by")
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")


def dossier_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> Dossier:
    """One dossier the user may see, or 404 (same as a missing one; the denial is logged)."""
    return get_visible_or_404(
        user, visible_dossiers(user), object_type="dossier", path=path, public_id=public_id
    )


def dossier_party_get(
    *, user: Any, dossier: Dossier, organisation_id: uuid.UUID | str, path: str = ""
) -> DossierParty:
    """One party link of a dossier the caller already got from ``dossier_get`` (withdrawn or
    not), or 404: an organisation that is not a party of it is as missing as any id."""
    return get_visible_or_404(
        user,
        DossierParty.objects.filter(dossier__in=visible_dossiers(user), dossier=dossier),
        object_type="dossier.party",
        path=path,
        organisation__public_id=organisation_id,
    )


def dossier_party_links(*, user: Any, dossier: Dossier) -> QuerySet[DossierParty]:
    """The dossier's parties, withdrawn ones included (they are marked as such)."""
    return (
        DossierParty.objects.filter(dossier__in=visible_dossiers(user), dossier=dossier)
        .select_related("organisation", "withdrawn_by")
        .order_by("organisation__name")
    )


def dossier_party_events(*, user: Any, dossier: Dossier) -> QuerySet[DossierPartyEvent]:
    """Withdrawals and reinstatements with their reasons: the intermediary's own record, so
    nobody else gets any (the reason may say why a party was suspended)."""
    if not actor_of(user).is_intermediary_staff:
        return DossierPartyEvent.objects.none()
    return (
        DossierPartyEvent.objects.filter(
            link__dossier__in=visible_dossiers(user), link__dossier=dossier
        )
        .select_related("link__organisation", "by")
        .order_by("at", "pk")
    )
