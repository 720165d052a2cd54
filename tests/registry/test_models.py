"""Database constraints: the rules that hold even if a service is bypassed."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from intermediary.registry.models import CustodyEvent, Person, PersonName, RemainsCase
from tests.conftest import World
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db


def _refused(make: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()  # type: ignore[operator]


def test_a_person_has_at_most_one_primary_name(world: World) -> None:
    person = make_person(world)
    _refused(
        lambda: PersonName.objects.create(
            person=person, full_text="X", script="latin", is_primary=True, search_key="x"
        )
    )
    PersonName.objects.create(person=person, full_text="Y", script="latin", search_key="y")


def test_a_name_is_never_empty_and_has_a_known_script(world: World) -> None:
    person = make_person(world)
    _refused(lambda: PersonName.objects.create(person=person, full_text="", script="latin"))
    _refused(lambda: PersonName.objects.create(person=person, full_text="A", script="klingon"))


@pytest.mark.parametrize(
    "fields",
    [
        {"birth_month": 13, "birth_year": 1990},
        {"birth_day": 3},  # a day without month
        {"birth_month": 3},  # a month without year
        {"birth_year": 1990},  # a year without its derived bounds
        {"sex": "unknown"},
        {"legal_status": "tourist"},
        {"status": "free"},
    ],
)
def test_person_rows_that_cannot_be(world: World, fields: dict[str, object]) -> None:
    _refused(lambda: Person.objects.create(dossier=world.dossier, **fields))


def test_birth_bounds_must_be_ordered(world: World) -> None:
    _refused(
        lambda: Person.objects.create(
            dossier=world.dossier,
            birth_year=1990,
            birth_earliest=date(1990, 12, 31),
            birth_latest=date(1990, 1, 1),
        )
    )


def test_custody_event_order_is_unique_per_person(world: World) -> None:
    person = make_person(world)
    _refused(
        lambda: CustodyEvent.objects.create(
            person=person, kind="visited", date=date(2024, 2, 1), seq=1
        )
    )


def test_identified_remains_need_person_qualified_person_and_method(world: World) -> None:
    person = make_person(world)
    base = {"dossier": world.dossier, "identification_status": "identified"}
    _refused(lambda: RemainsCase.objects.create(case_number="A", **base))
    _refused(
        lambda: RemainsCase.objects.create(
            case_number="B",
            person=person,
            identified_on=date(2024, 1, 1),
            identification_method="dna",
            **base,
        )
    )
    RemainsCase.objects.create(
        case_number="C",
        person=person,
        identified_on=date(2024, 1, 1),
        identification_method="dna",
        identified_by="Dr. Example",
        **base,
    )


def test_unidentified_remains_name_nobody_and_presumptive_name_someone(world: World) -> None:
    person = make_person(world)
    _refused(
        lambda: RemainsCase.objects.create(dossier=world.dossier, case_number="D", person=person)
    )
    _refused(
        lambda: RemainsCase.objects.create(
            dossier=world.dossier, case_number="E", identification_status="presumptive"
        )
    )


def test_case_numbers_are_unique(world: World) -> None:
    RemainsCase.objects.create(dossier=world.dossier, case_number="HR-1")
    _refused(lambda: RemainsCase.objects.create(dossier=world.dossier, case_number="HR-1"))
