"""Dossier workflow states."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DossierStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class PartyEventKind(models.TextChoices):
    """What happened to a party's part in a dossier (``DossierPartyEvent``)."""

    WITHDRAWN = "withdrawn", _("Withdrawn")
    REINSTATED = "reinstated", _("Reinstated")
