"""What in a dossier refers to one of its parties: the reason a party cannot simply be removed.

Found by reading the models rather than listed by hand, so that a record type added later (a
proposal's releasing party, a handover's receiving authority) protects its party from the day
it exists: every model with a foreign key to ``Organisation`` and a foreign key ``dossier`` to
``Dossier`` counts, and so does every model pointing at the ``DossierParty`` link itself.
``tests/dossiers/test_party_removal.py`` pins the set found today, so a new one is a decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db.models import ForeignKey, Model
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from intermediary.accounts.models import Organisation
from intermediary.dossiers.models import Dossier, DossierParty

# Readable names of the references known today; one found later falls back to the model's
# and the field's own names.
_LABELS: dict[str, StrOrPromise] = {
    "registry.Person.holding_party": _("registry persons it holds"),
    "registry.Person.party_of_origin": _("registry persons originating from it"),
    "registry.RemainsCase.holding_party": _("remains cases it holds"),
    "lists.SubmittedList.submitting_party": _("lists submitted for it"),
    "lists.ListDraft.party": _("uploaded lists awaiting confirmation for it"),
    "access.Disclosure.recipient": _("disclosures to it"),
    "dossiers.DossierPartyEvent.link": _("withdrawals and reinstatements"),
}


@dataclass(frozen=True)
class Reference:
    """One foreign key that can refer to a party of a dossier."""

    model: type[Model]
    field: str
    via_link: bool  # points at the DossierParty link (else at the Organisation, with a dossier)

    @property
    def key(self) -> str:
        return f"{self.model._meta.label}.{self.field}"

    @property
    def label(self) -> StrOrPromise:
        if self.key in _LABELS:
            return _LABELS[self.key]
        meta = self.model._meta
        field = getattr(meta.get_field(self.field), "verbose_name", self.field)
        return f"{meta.verbose_name_plural} ({field})"

    def count(self, link: DossierParty) -> int:
        if self.via_link:
            lookup = {self.field: link.pk}
        else:
            lookup = {"dossier_id": link.dossier_id, self.field: link.organisation_id}
        return int(self.model._default_manager.filter(**lookup).count())


def _points_at(model: type[Model], target: type[Model]) -> list[str]:
    return [
        f.name
        for f in model._meta.get_fields()
        if isinstance(f, ForeignKey) and f.related_model is target
    ]


@cache
def party_reference_fields() -> tuple[Reference, ...]:
    """Every foreign key that can refer to a party within a dossier (computed once)."""
    found: list[Reference] = []
    for model in apps.get_models():
        found.extend(Reference(model, name, True) for name in _points_at(model, DossierParty))
        if model in (Dossier, DossierParty) or "dossier" not in _points_at(model, Dossier):
            continue
        found.extend(Reference(model, name, False) for name in _points_at(model, Organisation))
    return tuple(sorted(found, key=lambda ref: ref.key))


def party_references(link: DossierParty) -> dict[str, int]:
    """What refers to the party in its dossier, as {readable kind: count}; nothing: empty.
    Counts only: the message built from it names no person and no record."""
    counts: dict[str, int] = {}
    for ref in party_reference_fields():
        n = ref.count(link)
        if n:
            label = str(ref.label)
            counts[label] = counts.get(label, 0) + n
    return counts
