"""Disclosures: the explicit, logged act of showing an object (or some of its fields) to a party."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from intermediary.accounts.models import Organisation
from intermediary.core.models import PublicIdModel
from intermediary.dossiers.models import Dossier


class Disclosure(PublicIdModel):
    """Object ``object_type``/``object_id`` (a public UUID) shown to ``recipient``, limited to
    ``fields``. Purpose limitation: nothing reaches a party without one of these rows."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="disclosures")
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.UUIDField(_("object id"))
    recipient = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="disclosures_received"
    )
    fields = models.JSONField(_("fields"), default=list)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    disclosed_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-disclosed_at"]
        indexes = [models.Index(fields=["object_type", "object_id", "recipient"])]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} -> {self.recipient}"
