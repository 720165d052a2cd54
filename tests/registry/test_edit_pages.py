"""Editing a person and their names from the pages: intermediary staff only, every change
through the services (audited), errors shown on the form with what was typed."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from intermediary.audit.canonical import digest
from intermediary.audit.models import AuditEvent
from intermediary.registry.models import Person, PersonName
from tests.conftest import World
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db


def _messages(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def _edit_url(person: Person) -> str:
    return reverse("registry-person-edit", kwargs={"public_id": person.public_id})


def _detail_url(person: Person) -> str:
    return reverse("registry-person-detail", kwargs={"public_id": person.public_id})


def _name_url(name: PersonName, action: str = "edit") -> str:
    kwargs = {"public_id": name.person.public_id, "name_id": name.public_id}
    return reverse(f"registry-name-{action}", kwargs=kwargs)


def _form_data(response: Any) -> dict[str, Any]:
    """What the browser would send back unchanged: the form's initial values, as submitted."""
    form = response.context["form"]
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or value is False:
            continue
        data[form.add_prefix(name)] = field.widget.format_value(value) or value
    return data


def _last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    return event


@pytest.fixture
def person(world: World) -> Person:
    return make_person(world, rank="Private", birth_year=1990, health_notes="asthma")


# --- The person ---------------------------------------------------------------------------------


def test_the_edit_page_starts_from_the_recorded_values(world: World, person: Person) -> None:
    response = world.client("delegate").get(_edit_url(person))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Private"' in page
    assert f'<option value="{world.orgs["NORTH"].public_id}" selected>' in page
    assert "asthma" in page  # intermediary staff correct the intermediary-only fields too


def test_saving_writes_and_audits_only_the_changed_fields(world: World, person: Person) -> None:
    client = world.client("delegate")
    data = _form_data(client.get(_edit_url(person)))
    data.update(rank="Sergeant", birth_month="6")
    response = client.post(_edit_url(person), data)
    assert response["Location"] == _detail_url(person)
    assert _messages(response) == [("success", "Person updated.")]
    person.refresh_from_db()
    assert (person.rank, person.birth_year, person.birth_month) == ("Sergeant", 1990, 6)
    assert person.health_notes == "asthma"
    assert str(person.birth_earliest) == "1990-06-01"
    assert str(person.birth_latest) == "1990-06-30"
    event = _last_event()
    assert (event.action, event.object_id) == ("person.update", str(person.public_id))
    assert event.payload_hash == digest({"rank": "Sergeant", "birth_month": 6})


def test_saving_without_a_change_writes_nothing(world: World, person: Person) -> None:
    client = world.client("delegate")
    data = _form_data(client.get(_edit_url(person)))
    events = AuditEvent.objects.count()
    response = client.post(_edit_url(person), data)
    assert response["Location"] == _detail_url(person)
    assert _messages(response) == [("info", "Nothing changed.")]
    assert AuditEvent.objects.count() == events


def test_a_form_error_keeps_the_input_and_names_the_field(world: World, person: Person) -> None:
    client = world.client("delegate")
    data = _form_data(client.get(_edit_url(person)))
    data.update(rank="Corporal", birth_month="13")
    events = AuditEvent.objects.count()
    response = client.post(_edit_url(person), data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["birth_month"]
    page = response.content.decode()
    assert 'value="Corporal"' in page
    assert 'value="13"' in page
    assert AuditEvent.objects.count() == events
    person.refresh_from_db()
    assert person.rank == "Private"


def test_a_service_refusal_lands_on_its_field(world: World, person: Person) -> None:
    """30 February passes the form (each part is in range); the service knows it does not exist."""
    client = world.client("delegate")
    data = _form_data(client.get(_edit_url(person)))
    data.update(birth_month="2", birth_day="30", unit="3rd Company")
    response = client.post(_edit_url(person), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["birth_day"] == ["This date of birth does not exist."]
    assert 'value="3rd Company"' in response.content.decode()
    assert _messages(response) == []


def test_parties_may_not_edit_and_others_do_not_see_the_page(world: World, person: Person) -> None:
    url = _edit_url(person)
    assert world.client("north_negotiator").get(url).status_code == 403
    assert world.client("north_observer").post(url, {"rank": "General"}).status_code == 403
    assert world.client("south_negotiator").get(url).status_code == 404
    assert world.client("delegate_unassigned").get(url).status_code == 404
    person.refresh_from_db()
    assert person.rank == "Private"


def test_the_person_page_links_the_edit_pages_for_writers_only(
    world: World, person: Person
) -> None:
    variant = person.names.get(is_primary=False)
    staff = world.client("delegate").get(_detail_url(person)).content.decode()
    assert f'href="{_edit_url(person)}"' in staff
    assert f'href="{_name_url(variant)}"' in staff
    party = world.client("north_observer").get(_detail_url(person)).content.decode()
    assert _edit_url(person) not in party
    assert "/names/" not in party


def test_health_fields_corrected_by_staff_stay_hidden_from_the_party(
    world: World, person: Person
) -> None:
    client = world.client("coordinator")
    data = _form_data(client.get(_edit_url(person)))
    data.update(health_notes="fractured wrist, treated", internal_notes="seen in camp B")
    client.post(_edit_url(person), data)
    party = world.client("north_observer").get(_detail_url(person)).content.decode()
    assert "fractured wrist" not in party
    assert "camp B" not in party
    api = world.client("north_observer").get(f"/api/v1/registry/persons/{person.public_id}")
    assert "health_notes" not in api.json()
    assert "internal_notes" not in api.json()


# --- Names --------------------------------------------------------------------------------------


def test_correcting_a_name_re_detects_its_script(world: World, person: Person) -> None:
    variant = person.names.get(is_primary=False)
    client = world.client("delegate")
    response = client.get(_name_url(variant))
    assert response.status_code == 200
    assert response.context["form"]["script"].value() == ""  # detected, so detected again
    data = _form_data(response)
    data["full_text"] = "أحمد حسن العلي"
    response = client.post(_name_url(variant), data)
    assert response["Location"] == _detail_url(person)
    assert _messages(response) == [("success", "Name corrected.")]
    variant.refresh_from_db()
    assert (variant.full_text, variant.script, variant.source) == (
        "أحمد حسن العلي",
        "arabic",
        "list B",
    )
    assert _last_event().action == "person.name_update"


def test_a_chosen_script_stays_chosen(world: World, person: Person) -> None:
    variant = person.names.get(is_primary=False)
    PersonName.objects.filter(pk=variant.pk).update(script="hebrew")
    response = world.client("delegate").get(_name_url(variant))
    assert response.context["form"]["script"].value() == "hebrew"


def test_a_name_error_keeps_the_input_and_names_the_field(world: World, person: Person) -> None:
    variant = person.names.get(is_primary=False)
    client = world.client("delegate")
    response = client.post(_name_url(variant), {"full_text": "", "family_name": "Hasan"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["full_text"]
    assert 'value="Hasan"' in response.content.decode()
    variant.refresh_from_db()
    assert variant.full_text == "Ahmad Hassan"


def test_the_primary_name_cannot_be_demoted_on_the_page(world: World, person: Person) -> None:
    primary = person.names.get(is_primary=True)
    client = world.client("delegate")
    data = _form_data(client.get(_name_url(primary)))
    del data["is_primary"]
    data["source"] = "list C"
    response = client.post(_name_url(primary), data)
    assert response.status_code == 200
    assert response.context["form"].errors["is_primary"] == ["Make another name primary instead."]
    assert 'value="list C"' in response.content.decode()


def test_promoting_a_name_demotes_the_previous_primary(world: World, person: Person) -> None:
    variant = person.names.get(is_primary=False)
    client = world.client("delegate")
    data = _form_data(client.get(_name_url(variant)))
    data["is_primary"] = "on"
    client.post(_name_url(variant), data)
    assert person.names.get(is_primary=True) == variant


def test_removing_a_variant_is_audited(world: World, person: Person) -> None:
    variant = person.names.get(is_primary=False)
    response = world.client("delegate").post(_name_url(variant, "remove"))
    assert response["Location"] == _detail_url(person)
    assert _messages(response) == [("success", "Name removed.")]
    assert list(person.names.values_list("full_text", flat=True)) == ["أحمد حسن"]
    event = _last_event()
    assert (event.action, event.object_id) == ("person.name_remove", str(person.public_id))


def test_the_primary_name_is_not_removed(world: World, person: Person) -> None:
    primary = person.names.get(is_primary=True)
    response = world.client("delegate").post(_name_url(primary, "remove"))
    assert response["Location"] == _name_url(primary)
    assert _messages(response) == [
        ("error", "The primary name cannot be removed: make another name primary first.")
    ]
    assert person.names.count() == 2


def test_name_pages_answer_parties_403_and_others_404(world: World, person: Person) -> None:
    variant = person.names.get(is_primary=False)
    for url in (_name_url(variant), _name_url(variant, "remove")):
        assert world.client("north_observer").post(url, {"full_text": "x"}).status_code == 403
        assert world.client("south_observer").post(url, {"full_text": "x"}).status_code == 404
    assert person.names.count() == 2


def test_a_name_of_another_person_is_not_found(world: World, person: Person) -> None:
    other = make_person(world, "SOUTH")
    foreign = other.names.get(is_primary=False)
    kwargs = {"public_id": person.public_id, "name_id": foreign.public_id}
    client = world.client("delegate")
    assert client.get(reverse("registry-name-edit", kwargs=kwargs)).status_code == 404
    assert client.post(reverse("registry-name-remove", kwargs=kwargs)).status_code == 404
    assert other.names.count() == 2


# --- Adding a name ------------------------------------------------------------------------------


def _add_url(person: Person) -> str:
    return reverse("registry-name-add", kwargs={"public_id": person.public_id})


def test_a_person_without_a_name_can_be_given_one(world: World, person: Person) -> None:
    """Imports may register a person without a name: the page still offers the form, open."""
    PersonName.objects.filter(person=person).delete()
    client = world.client("delegate")
    page = client.get(_detail_url(person)).content.decode()
    assert "No name recorded yet." in page
    assert f'action="{_add_url(person)}"' in page
    assert "<details open>" in page
    response = client.post(_add_url(person), {"name-full_text": "أحمد حسن"})
    assert response["Location"] == _detail_url(person)
    assert _messages(response) == [("success", "Name added.")]
    assert list(person.names.values_list("full_text", "is_primary")) == [("أحمد حسن", True)]
    assert _last_event().action == "person.name_add"


def test_a_party_sees_no_add_name_form(world: World, person: Person) -> None:
    PersonName.objects.filter(person=person).delete()
    page = world.client("north_observer").get(_detail_url(person)).content.decode()
    assert _add_url(person) not in page


def test_add_name_errors_are_flashed_with_the_field_labels(world: World, person: Person) -> None:
    data = {"name-full_text": "", "name-script": "klingon", "name-given_name": "x" * 201}
    response = world.client("delegate").post(_add_url(person), data)
    assert response["Location"] == _detail_url(person)
    assert _messages(response) == [
        ("error", "Name as given: This field is required."),
        ("error", "Script: Select a valid choice. klingon is not one of the available choices."),
        ("error", "Given name: Ensure this value has at most 200 characters (it has 201)."),
    ]
    assert person.names.count() == 2


def test_add_name_errors_are_labelled_in_the_users_language(world: World, person: Person) -> None:
    client = world.client("delegate")
    client.post("/i18n/setlang/", {"language": "ar", "next": "/registry/persons/"})
    response = client.post(_add_url(person), {"name-full_text": ""})
    ((level, message),) = _messages(response)
    assert level == "error"
    assert message.startswith("الاسم كما ورد: ")
    assert "full_text" not in message


def test_an_error_of_no_field_shows_once_on_the_name_page(world: World, person: Person) -> None:
    """Django's as_p already shows the errors of no field: the page must not add them again."""
    from django.template.loader import render_to_string

    from intermediary.registry.forms import NameForm

    name = PersonName.objects.filter(person=person).order_by("pk").first()
    assert name is not None
    form = NameForm({"full_text": "x"}, initial=NameForm.initial_for(name))
    form.is_valid()
    form.add_error(None, "This name was already removed.")
    page = render_to_string("registry/name_edit.html", {"name": name, "form": form})
    assert page.count("This name was already removed.") == 1
