"""Dossiers: an exchange file between two or more parties, facilitated by the intermediary."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from intermediary.accounts.models import Organisation
from intermediary.core.models import PublicIdModel
from intermediary.dossiers.choices import DossierStatus, PartyEventKind


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
    """A party to a dossier.

    A party that leaves or is suspended from the talks is withdrawn, not removed: its link,
    and everything it submitted or holds, stays (the intermediary's record is never
    rewritten), but its users no longer see the dossier at all (``access.policy``). The
    ``withdrawn_*`` fields hold the current withdrawal; ``DossierPartyEvent`` keeps every
    withdrawal and reinstatement with its reason.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="party_links")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="dossier_links"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.CharField(_("reason for the withdrawal"), max_length=500, blank=True)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "organisation"], name="dossier_party_unique"
            ),
            # Withdrawn with a reason, or taking part with no trace of a withdrawal.
            models.CheckConstraint(
                condition=Q(
                    withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdrawal_reason=""
                )
                | (Q(withdrawn_at__isnull=False) & ~Q(withdrawal_reason="")),
                name="dossier_party_withdrawal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.dossier}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class DossierPartyEvent(PublicIdModel):
    """One withdrawal or reinstatement of a party, with who, when and why. Append-only: the
    link row holds only the current state, so this is where the history lives (the audit
    log holds the hash of each event, so its reason cannot be rewritten unnoticed)."""

    link = models.ForeignKey(DossierParty, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=PartyEventKind.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PartyEventKind.values), name="dossier_party_event_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="dossier_party_event_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.link}"


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
