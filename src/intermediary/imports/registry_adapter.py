"""The thin seam between imports and the registry app: the only module here that calls the
registry's services and serialiser, so a change of their signatures is fixed in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intermediary.dossiers.models import Dossier
    from intermediary.registry.inputs import PersonInput
    from intermediary.registry.models import Person


def create_persons(*, actor: Any, dossier: Dossier, persons: list[PersonInput]) -> list[Person]:
    """Persons, their names, a "registered" custody event and one audit event each."""
    from intermediary.registry.services import persons_create_bulk

    return persons_create_bulk(actor=actor, dossier=dossier, persons=persons)
