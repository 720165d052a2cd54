"""Building registry object graphs for tests: persons in the World's dossier."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from intermediary.registry.inputs import NameInput, PersonInput

if TYPE_CHECKING:
    from intermediary.registry.models import Person
    from tests.conftest import World


def person_input(world: World, holder: str = "NORTH", **fields: Any) -> PersonInput:
    """A person held by ``holder`` with an Arabic primary name and a Latin variant."""
    names = fields.pop("names", None) or [
        NameInput(full_text="أحمد حسن", is_primary=True, source="list A"),
        NameInput(full_text="Ahmad Hassan", source="list B"),
    ]
    fields.setdefault("registered_on", date(2024, 1, 10))
    return PersonInput(names=names, holding_party=world.orgs[holder], **fields)


def make_person(world: World, holder: str = "NORTH", **fields: Any) -> Person:
    from intermediary.registry.services import person_create

    return person_create(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        data=person_input(world, holder, **fields),
    )
