"""Plain inputs for writing persons and remains cases: what an importer, the demo, a form or
the API hands to services (the API derives its request bodies from them).

Kept free of validation on purpose: the importer validates rows (and reports every error with
row and column) before calling ``services.persons_create_bulk``; services only enforce what
the models require.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

# Imported for real, not only for type checking: api.schemas.input_schema reads these
# annotations at run time to build the API's request bodies.
from intermediary.accounts.models import Organisation


@dataclass
class NameInput:
    """One name as given. ``script`` empty means: detect it from the text."""

    full_text: str
    script: str = ""
    given_name: str = ""
    fathers_name: str = ""
    grandfathers_name: str = ""
    family_name: str = ""
    source: str = ""
    is_primary: bool = False


# What a name row holds besides its person and search key, in the input's order.
NAME_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(NameInput))


@dataclass
class PersonInput:
    """Every field of a person (all optional) plus its names and registration.

    ``registered_on`` dates the "registered" custody event that every new person gets;
    when None, the capture date is used, else today.
    """

    names: list[NameInput] = field(default_factory=list)
    holding_party: Organisation | None = None
    party_of_origin: Organisation | None = None
    legal_status: str = ""
    affiliation: str = ""
    rank: str = ""
    armed_force: str = ""
    unit: str = ""
    service_number: str = ""
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    place_of_birth: str = ""
    nationality: str = ""
    fathers_first_name: str = ""
    mothers_maiden_name: str = ""
    sex: str = ""
    distinguishing_marks: str = ""
    last_residence: str = ""
    id_document_kind: str = ""
    id_document_number: str = ""
    person_to_inform: str = ""
    person_to_inform_address: str = ""
    correspondence_address: str = ""
    next_of_kin: str = ""
    place_of_detention: str = ""
    capture_date: date | None = None
    capture_place: str = ""
    capture_circumstances: str = ""
    wounded: bool | None = None
    sick: bool | None = None
    health_notes: str = ""
    cause_of_death: str = ""
    internal_notes: str = ""
    source: str = ""
    registered_on: date | None = None
    registered_place: str = ""

    def model_fields(self) -> dict[str, Any]:
        """The values that go straight onto the Person row."""
        skip = {"names", "registered_on", "registered_place"}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}


# Person fields a form or the API may set (everything in PersonInput that is a model field).
PERSON_FIELDS: tuple[str, ...] = tuple(
    f.name
    for f in fields(PersonInput)
    if f.name not in {"names", "registered_on", "registered_place"}
)


@dataclass
class RemainsInput:
    """The fields of a remains case its writer may set when opening it (all optional): the
    keywords ``services.remains_case_create`` accepts besides dossier and case number, and the
    API's request body. The number, identification and chain of custody have their own writes.
    """

    holding_party: Organisation | None = None
    recovery_date: date | None = None
    recovery_place: str = ""
    recovery_details: str = ""
    storage_location: str = ""
    internal_notes: str = ""


REMAINS_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(RemainsInput))
