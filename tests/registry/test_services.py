"""Registry writes: permission, validation, audit in the same transaction."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from intermediary.access.policy import PermissionDenied
from intermediary.audit.models import AuditEvent
from intermediary.audit.verify import verify_chain
from intermediary.registry.inputs import NameInput
from intermediary.registry.models import PersonName, RemainsCase
from intermediary.registry.services import (
    name_add,
    name_remove,
    name_update,
    person_create,
    person_update,
    remains_case_create,
    remains_event_add,
    remains_identify,
)
from tests.conftest import World
from tests.registry.factories import make_person, person_input

pytestmark = pytest.mark.django_db


def _last_action() -> str:
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    return event.action


def test_person_create_needs_a_name(world: World) -> None:
    with pytest.raises(ValidationError, match="at least one name"):
        person_create(
            actor=world.users["coordinator"],
            dossier=world.dossier,
            data=person_input(world, names=[NameInput(full_text="  ")]),
        )


def test_person_create_validates_choices(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        person_create(
            actor=world.users["coordinator"],
            dossier=world.dossier,
            data=person_input(world, sex="unknown"),
        )
    assert "sex" in info.value.message_dict


def test_future_dates_of_birth_are_refused(world: World) -> None:
    next_year = timezone.localdate().year + 1
    with pytest.raises(ValidationError, match="future"):
        make_person(world, birth_year=next_year)


def test_a_new_primary_name_demotes_the_old_one(world: World) -> None:
    person = make_person(world)
    added = name_add(
        actor=world.users["delegate"],
        person=person,
        name=NameInput(full_text="Achmed Hassan", is_primary=True),
    )
    assert _last_action() == "person.name_add"
    assert list(person.names.filter(is_primary=True)) == [added]
    assert added.script == "latin"
    assert added.search_key == "achmed hassan"


def test_name_update_keeps_one_primary_and_rekeys(world: World) -> None:
    person = make_person(world)
    primary = person.names.get(is_primary=True)
    with pytest.raises(ValidationError, match="another name primary"):
        name_update(
            actor=world.users["delegate"],
            name=primary,
            data=NameInput(full_text="X", is_primary=False),
        )
    other = person.names.get(is_primary=False)
    name_update(
        actor=world.users["delegate"],
        name=other,
        data=NameInput(full_text="Aḥmad Ḥasan", script="latin", is_primary=True),
    )
    other.refresh_from_db()
    assert other.is_primary
    assert other.search_key == "ahmad hasan"
    assert PersonName.objects.filter(person=person, is_primary=True).count() == 1
    assert _last_action() == "person.name_update"


def test_name_remove_keeps_the_primary_name_and_is_audited(world: World) -> None:
    person = make_person(world)
    primary = person.names.get(is_primary=True)
    with pytest.raises(ValidationError, match="make another name primary first"):
        name_remove(actor=world.users["delegate"], name=primary)
    with pytest.raises(PermissionDenied):
        name_remove(actor=world.users["north_negotiator"], name=person.names.get(is_primary=False))
    assert person.names.count() == 2
    before = AuditEvent.objects.count()
    variant = person.names.get(is_primary=False)
    assert name_remove(actor=world.users["delegate"], name=variant) == person
    assert list(person.names.all()) == [primary]
    assert AuditEvent.objects.count() == before + 1
    assert _last_action() == "person.name_remove"
    with pytest.raises(ValidationError, match="already removed"):
        name_remove(actor=world.users["delegate"], name=variant)
    assert verify_chain().ok


def test_person_update_rederives_birth_bounds_and_refuses_unknown_fields(world: World) -> None:
    person = make_person(world)
    updated = person_update(
        actor=world.users["delegate"], person=person, changes={"birth_year": 2001, "birth_month": 2}
    )
    assert (updated.birth_earliest, updated.birth_latest) == (date(2001, 2, 1), date(2001, 2, 28))
    assert _last_action() == "person.update"
    with pytest.raises(ValidationError, match="Unknown fields: status"):
        person_update(actor=world.users["delegate"], person=person, changes={"status": "held"})


def test_remains_identification_needs_a_named_qualified_person_and_method(world: World) -> None:
    person = make_person(world)
    case = remains_case_create(actor=world.users["forensic"], dossier=world.dossier)
    assert case.case_number.startswith("HR-")
    with pytest.raises(ValidationError) as info:
        remains_identify(
            actor=world.users["forensic"],
            case=case,
            status="identified",
            person=person,
            identified_by=" ",
            method="",
        )
    assert set(info.value.message_dict) == {"identified_by", "method"}
    done = remains_identify(
        actor=world.users["forensic"],
        case=case,
        status="identified",
        person=person,
        identified_by="Dr. A. Example",
        method="dna",
    )
    assert done.identification_status == "identified"
    assert done.person == person
    assert _last_action() == "remains.identify"


@pytest.mark.parametrize("persona", ["delegate", "north_negotiator", "auditor"])
def test_only_coordinator_and_forensic_officer_handle_remains(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        remains_case_create(actor=world.users[persona], dossier=world.dossier)
    case = remains_case_create(actor=world.users["coordinator"], dossier=world.dossier)
    with pytest.raises(PermissionDenied):
        remains_identify(
            actor=world.users[persona],
            case=case,
            status="identified",
            person=make_person(world),
            identified_by="X",
            method="dna",
        )
    assert not RemainsCase.objects.filter(identification_status="identified").exists()


def test_the_chain_of_custody_closes_at_handover(world: World) -> None:
    case = remains_case_create(actor=world.users["forensic"], dossier=world.dossier)
    start = timezone.now() - timedelta(days=3)
    for hours, kind in enumerate(["received", "stored", "transported", "handed_over"]):
        remains_event_add(
            actor=world.users["forensic"],
            case=case,
            kind=kind,
            at=start + timedelta(hours=hours),
            from_whom="A",
            to_whom="B",
        )
    with pytest.raises(ValidationError, match="chain is closed"):
        remains_event_add(
            actor=world.users["forensic"], case=case, kind="stored", at=start + timedelta(hours=9)
        )
    assert case.custody_events.count() == 4
    assert verify_chain().ok


def test_the_chain_of_custody_is_recorded_in_order(world: World) -> None:
    case = remains_case_create(actor=world.users["forensic"], dossier=world.dossier)
    now = timezone.now()
    remains_event_add(
        actor=world.users["forensic"], case=case, kind="received", at=now - timedelta(hours=1)
    )
    with pytest.raises(ValidationError, match="in order"):
        remains_event_add(
            actor=world.users["forensic"], case=case, kind="stored", at=now - timedelta(hours=2)
        )


def test_the_person_page_registers_and_records(world: World) -> None:
    client = world.client("delegate")
    response = client.post(
        "/registry/persons/new/",
        {
            "dossier": str(world.dossier.public_id),
            "holding_party": str(world.orgs["NORTH"].public_id),
            "name-full_text": "سلمى الكرمي",
            "sex": "female",
            "birth_year": "1994",
            "health_notes": "asthma",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert '<bdi dir="auto">سلمى الكرمي</bdi>' in page
    assert "Intermediary only" in page
    north = world.client("north_observer").get(response["Location"]).content.decode()
    assert "سلمى الكرمي" in north
    assert "Intermediary only" not in north
    assert "asthma" not in north
