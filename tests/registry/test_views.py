"""The registry pages' form handling: what is flashed, where it redirects, what re-renders."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from intermediary.registry.models import RemainsCase
from intermediary.registry.services import remains_case_create
from tests.conftest import World
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db


def _messages(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_an_invalid_registration_re_renders_with_the_input(world: World) -> None:
    response = world.client("delegate").post(
        reverse("registry-person-create"),
        {"dossier": str(world.dossier.public_id), "name-full_text": "", "rank": "Sergeant"},
    )
    assert response.status_code == 200
    assert 'value="Sergeant"' in response.content.decode()
    assert "full_text" in response.context["name_form"].errors
    assert _messages(response) == []


def test_registering_flashes_and_redirects_to_the_person(world: World) -> None:
    response = world.client("delegate").post(
        reverse("registry-person-create"),
        {"dossier": str(world.dossier.public_id), "name-full_text": "Yusuf Darwish"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/registry/persons/")
    assert _messages(response) == [("success", "Person registered.")]


def test_adding_a_name_flashes_success_or_the_errors(world: World) -> None:
    person = make_person(world)
    url = reverse("registry-name-add", kwargs={"public_id": person.public_id})
    detail = reverse("registry-person-detail", kwargs={"public_id": person.public_id})
    response = world.client("delegate").post(url, {"name-full_text": "Ahmed Hasan"})
    assert response["Location"] == detail
    assert _messages(response) == [("success", "Name added.")]
    response = world.client("delegate").post(url, {"name-full_text": ""})
    assert response["Location"] == detail
    assert _messages(response) == [("error", "Name as given: This field is required.")]


def test_an_impossible_event_is_flashed_with_the_timeline_reason(world: World) -> None:
    person = make_person(world)
    url = reverse("registry-custody-event-add", kwargs={"public_id": person.public_id})
    today = timezone.localdate().isoformat()
    client = world.client("delegate")
    response = client.post(url, {"kind": "died", "date": today})
    assert _messages(response) == [("success", "Event recorded.")]
    response = world.client("delegate").post(url, {"kind": "released", "date": today})
    [(level, text)] = _messages(response)
    assert level == "error"
    assert text.startswith("Event: ")  # the field's label, not its name


def test_opening_a_remains_case_flashes_its_number(world: World) -> None:
    response = world.client("forensic").post(
        reverse("registry-remains-create"),
        {"dossier": str(world.dossier.public_id), "recovery_place": "Ridge (fictional)"},
    )
    case = RemainsCase.objects.get()
    assert response["Location"] == reverse(
        "registry-remains-detail", kwargs={"public_id": case.public_id}
    )
    assert _messages(response) == [("success", f"Remains case {case.case_number} opened.")]


def test_remains_events_and_identification_flash_their_outcome(world: World) -> None:
    person = make_person(world)
    case = remains_case_create(actor=world.users["forensic"], dossier=world.dossier)
    kwargs = {"public_id": case.public_id}
    detail = reverse("registry-remains-detail", kwargs=kwargs)
    at = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = world.client("forensic").post(
        reverse("registry-remains-event-add", kwargs=kwargs), {"kind": "received", "at": at}
    )
    assert response["Location"] == detail
    assert _messages(response) == [("success", "Custody event recorded.")]

    identify = reverse("registry-remains-identify", kwargs=kwargs)
    data = {"status": "identified", "identified_by": "Dr. Example", "method": "dna"}
    response = world.client("forensic").post(identify, {**data, "person": str(case.public_id)})
    assert response["Location"] == detail
    assert _messages(response) == [("error", "Person (public id): Name the person identified.")]
    response = world.client("forensic").post(identify, {**data, "person": str(person.public_id)})
    assert _messages(response) == [("success", "Identification recorded.")]


def test_the_person_forms_offer_every_writable_field() -> None:
    """PERSON_FIELDS (from PersonInput) is what services write; the forms order it for people,
    so they list it again: this catches a field added to the input but not to the pages."""
    from intermediary.dossiers.models import Dossier
    from intermediary.registry.forms import PersonForm
    from intermediary.registry.inputs import PERSON_FIELDS

    offered = set(PersonForm(dossiers=Dossier.objects.none()).fields) - {"dossier", "registered_on"}
    assert sorted(offered) == sorted(PERSON_FIELDS)
