"""Dossiers: an exchange file between two or more parties, facilitated by the intermediary."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from intermediary.accounts.models import Organisation
from intermediary.core.models import PublicIdModel
from intermediary.dossiers.choices import DossierStatus


class Dossier(PublicIdModel):
    """One negotiation and its implementation. Parties see only dossiers they are part of."""

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    intermediary = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="facilitated_dossiers"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DossierStatus.choices, default=DossierStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # How many corrections were made to what a reconciliation reads of the dossier's registry
    # (a person's compared fields changed, a name's text changed or a name removed). Only
    # ever raised, by the registry services, with an UPDATE in the correction's transaction;
    # runs and sign-offs of lists record it (lists.freshness).
    registry_corrections = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DossierStatus.values), name="dossier_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class DossierParty(models.Model):
    """A party to a dossier."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="party_links")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="dossier_links"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "organisation"], name="dossier_party_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.dossier}"


class DossierTeamMember(models.Model):
    """Intermediary staff assigned to a dossier (need to know inside the intermediary too).
    Coordinators of the facilitating organisation see every dossier it runs without this."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dossier_assignments"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "user"], name="dossier_team_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.dossier}"
