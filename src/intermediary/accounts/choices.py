"""Organisation kinds and membership roles: the vocabulary every permission rule is written in."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    INTERMEDIARY = "intermediary", _("Intermediary")
    PARTY = "party", _("Party")


class Role(models.TextChoices):
    # Intermediary roles
    COORDINATOR = "coordinator", _("Coordinator")
    FIELD_DELEGATE = "field_delegate", _("Field delegate")
    FORENSIC_OFFICER = "forensic_officer", _("Forensic officer")
    AUDITOR = "auditor", _("Auditor")
    # Party roles
    NEGOTIATOR = "negotiator", _("Negotiator")
    OBSERVER = "observer", _("Observer")


INTERMEDIARY_ROLES = frozenset(
    {Role.COORDINATOR, Role.FIELD_DELEGATE, Role.FORENSIC_OFFICER, Role.AUDITOR}
)
PARTY_ROLES = frozenset({Role.NEGOTIATOR, Role.OBSERVER})
ROLES_BY_KIND = {
    OrganisationKind.INTERMEDIARY: INTERMEDIARY_ROLES,
    OrganisationKind.PARTY: PARTY_ROLES,
}
