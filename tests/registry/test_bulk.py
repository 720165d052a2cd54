"""persons_create_bulk: what the importer and the demo build on."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from intermediary.access.policy import PermissionDenied
from intermediary.audit.models import AuditEvent
from intermediary.audit.verify import verify_chain
from intermediary.registry.choices import CustodyEventKind, PersonStatus, Script
from intermediary.registry.inputs import NameInput
from intermediary.registry.models import CustodyEvent, Person, PersonName
from intermediary.registry.services import persons_create_bulk
from tests.conftest import World
from tests.registry.factories import person_input

pytestmark = pytest.mark.django_db


def test_bulk_writes_persons_names_events_and_one_audit_event_each(world: World) -> None:
    before = AuditEvent.objects.count()
    inputs = [person_input(world, birth_year=1990 + i) for i in range(5)]
    people = persons_create_bulk(
        actor=world.users["coordinator"], dossier=world.dossier, persons=inputs
    )
    assert len(people) == 5
    assert all(p.pk for p in people)
    assert Person.objects.filter(status=PersonStatus.HELD).count() == 5
    assert PersonName.objects.count() == 10
    assert PersonName.objects.filter(is_primary=True).count() == 5
    assert CustodyEvent.objects.filter(kind=CustodyEventKind.REGISTERED).count() == 5
    events = AuditEvent.objects.filter(seq__gt=before)
    assert events.count() == 5
    assert set(events.values_list("object_id", flat=True)) == {str(p.public_id) for p in people}
    assert verify_chain().ok


def test_bulk_detects_script_and_keys_names(world: World) -> None:
    names = [NameInput(full_text="יוֹסֵף כֹּהֵן"), NameInput(full_text="Iosif Kogan", script="")]
    persons_create_bulk(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        persons=[person_input(world, names=names)],
    )
    hebrew, latin = PersonName.objects.order_by("pk")
    assert (hebrew.script, latin.script) == (Script.HEBREW, Script.LATIN)
    assert hebrew.is_primary
    assert not latin.is_primary
    assert hebrew.full_text == "יוֹסֵף כֹּהֵן"  # as given
    assert hebrew.search_key == "יוספ כהנ"  # niqqud dropped, finals folded


def test_bulk_refuses_a_party_outside_the_dossier_and_writes_nothing(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        persons_create_bulk(
            actor=world.users["coordinator"],
            dossier=world.dossier,
            persons=[person_input(world), person_input(world, holder="EAST")],
        )
    assert "holding_party" in info.value.message_dict
    assert Person.objects.count() == 0


def test_bulk_refuses_impossible_dates_of_birth(world: World) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        persons_create_bulk(
            actor=world.users["coordinator"],
            dossier=world.dossier,
            persons=[person_input(world, birth_year=2001, birth_month=2, birth_day=29)],
        )


@pytest.mark.parametrize("persona", ["north_negotiator", "auditor", "delegate_unassigned"])
def test_bulk_is_refused_to_who_does_not_work_the_dossier(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        persons_create_bulk(
            actor=world.users[persona], dossier=world.dossier, persons=[person_input(world)]
        )


def test_bulk_uses_the_registration_date_given(world: World) -> None:
    (person,) = persons_create_bulk(
        actor=world.users["delegate"],
        dossier=world.dossier,
        persons=[person_input(world, registered_on=date(2023, 5, 1))],
    )
    assert person.custody_events.get().date == date(2023, 5, 1)
