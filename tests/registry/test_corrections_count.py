"""The dossier's count of registry corrections (``Dossier.registry_corrections``): raised by
the services that change what a reconciliation compares, in the same transaction, and by
nothing else (lists.freshness reads it)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from intermediary.dossiers.models import Dossier
from intermediary.registry.inputs import NameInput
from intermediary.registry.models import PersonName, RegistryCorrection
from intermediary.registry.services import (
    name_add,
    name_remove,
    name_update,
    person_update,
    persons_create_bulk,
)
from tests.conftest import World
from tests.registry.factories import make_person, person_input

pytestmark = pytest.mark.django_db


def _count(world: World) -> int:
    return Dossier.objects.values_list("registry_corrections", flat=True).get(pk=world.dossier.pk)


def test_each_correction_counts_once(world: World) -> None:
    coordinator = world.users["coordinator"]
    person = make_person(world, birth_year=1980)
    persons_create_bulk(actor=coordinator, dossier=world.dossier, persons=[person_input(world)])
    name_add(actor=coordinator, person=person, name=NameInput(full_text="Ahmed Hasan"))
    assert _count(world) == 0  # new records show in the counts of persons and names

    person_update(actor=coordinator, person=person, changes={"birth_year": 1981})
    assert _count(world) == 1
    person_update(
        actor=coordinator,
        person=person,
        changes={"birth_month": 2, "place_of_birth": "Ridge"},
    )
    assert _count(world) == 2  # one save, one correction
    variant = person.names.get(full_text="Ahmed Hasan")
    name_update(actor=coordinator, name=variant, data=NameInput(full_text="Ahmad Hasan"))
    assert _count(world) == 3
    name_remove(actor=coordinator, name=variant)
    assert _count(world) == 4


def test_what_does_not_count(world: World) -> None:
    coordinator = world.users["coordinator"]
    person = make_person(world, birth_year=1980)
    person_update(actor=coordinator, person=person, changes={"internal_notes": "seen"})
    person_update(actor=coordinator, person=person, changes={"birth_year": 1980})  # same
    variant = person.names.get(is_primary=False)
    name_update(
        actor=coordinator,
        name=variant,
        data=NameInput(full_text=variant.full_text, source="another list", is_primary=True),
    )
    with pytest.raises(ValidationError):
        person_update(actor=coordinator, person=person, changes={"birth_month": 13})
    assert _count(world) == 0


def test_a_name_removed_meanwhile_is_not_updated(world: World) -> None:
    coordinator = world.users["coordinator"]
    person = make_person(world)
    variant = person.names.get(is_primary=False)
    stale = PersonName.objects.get(pk=variant.pk)
    name_remove(actor=coordinator, name=variant)
    with pytest.raises(ValidationError, match="already removed"):
        name_update(actor=coordinator, name=stale, data=NameInput(full_text="Ahmad Hasan"))
    assert _count(world) == 1


def test_an_update_that_changes_nothing_writes_nothing(world: World) -> None:
    """Saving a form unchanged (or a PUT repeating the stored values) neither counts as a
    correction nor adds an audit event; one real change does both."""
    from intermediary.audit.models import AuditEvent

    coordinator = world.users["coordinator"]
    person = make_person(world, birth_year=1980)
    variant = person.names.get(is_primary=False)
    same_name = NameInput(
        full_text=variant.full_text,
        script=variant.script,
        given_name=variant.given_name,
        family_name=variant.family_name,
        fathers_name=variant.fathers_name,
        grandfathers_name=variant.grandfathers_name,
        source=variant.source,
        is_primary=False,
    )
    events = AuditEvent.objects.count()
    person_update(actor=coordinator, person=person, changes={"birth_year": 1980})
    name_update(actor=coordinator, name=variant, data=same_name)
    assert AuditEvent.objects.count() == events
    assert _count(world) == 0

    name_update(actor=coordinator, name=variant, data=NameInput(full_text="Ahmad Hasan"))
    assert AuditEvent.objects.count() == events + 1
    assert _count(world) == 1


def _recorded(world: World) -> list[tuple[int, int]]:
    return list(
        RegistryCorrection.objects.filter(dossier=world.dossier)
        .order_by("seq")
        .values_list("seq", "person_id")
    )


def test_each_correction_is_recorded_under_its_number(world: World) -> None:
    """Every counted correction leaves one row numbered as the count after it, naming the
    person, with the person's blocking keys before and after (lists.reach)."""
    from intermediary.lists.reach import REACH_VERSION, person_keys

    coordinator = world.users["coordinator"]
    person = make_person(world, birth_year=1980)
    variant = person.names.get(is_primary=False)
    before = person_keys(person.pk)
    name_update(actor=coordinator, name=variant, data=NameInput(full_text="Omar Saber"))
    after = person_keys(person.pk)
    person_update(actor=coordinator, person=person, changes={"internal_notes": "not counted"})
    person_update(actor=coordinator, person=person, changes={"birth_year": 1981})
    before_removal = person_keys(person.pk)
    name_remove(actor=coordinator, name=PersonName.objects.get(pk=variant.pk))
    assert _recorded(world) == [(1, person.pk), (2, person.pk), (3, person.pk)]
    first = RegistryCorrection.objects.get(dossier=world.dossier, seq=1)
    assert set(first.keys) == before | after
    assert after - before  # the respelling brought the person within reach of others
    assert first.keys_version == REACH_VERSION
    # The name removed: the keys it alone gave are kept (it moved out of their reach).
    last = RegistryCorrection.objects.get(dossier=world.dossier, seq=3)
    assert set(last.keys) == before_removal | person_keys(person.pk)
    assert before_removal - person_keys(person.pk)


def test_a_refused_correction_records_nothing(world: World) -> None:
    coordinator = world.users["coordinator"]
    person = make_person(world, birth_year=1980)
    with pytest.raises(ValidationError):
        person_update(actor=coordinator, person=person, changes={"birth_month": 13})
    person_update(actor=coordinator, person=person, changes={"birth_year": 1980})  # same
    assert _recorded(world) == []
    assert _count(world) == 0
