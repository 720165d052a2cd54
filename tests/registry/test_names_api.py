"""Correcting and removing a person's names through the API: the same services and the same
permission checks as the pages (parties that see the person 403, anyone else 404)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from intermediary.audit.canonical import digest
from intermediary.audit.models import AccessDenial, AuditEvent
from intermediary.registry.models import Person, PersonName
from tests.conftest import World
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db


def _url(person: Person, name: PersonName) -> str:
    return f"/api/v1/registry/persons/{person.public_id}/names/{name.public_id}"


def _put(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.put(url, json.dumps(body), content_type="application/json")


def _last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    return event


@pytest.fixture
def person(world: World) -> Person:
    return make_person(world)


@pytest.fixture
def variant(person: Person) -> PersonName:
    return person.names.get(is_primary=False)


# --- PUT: correct a name -------------------------------------------------------------------------


def test_put_replaces_the_name_and_answers_the_person(
    world: World, person: Person, variant: PersonName
) -> None:
    body = {"full_text": "أحمد حسن العلي", "family_name": "العلي", "source": "list C"}
    response = _put(world.client("delegate"), _url(person, variant), body)
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == str(person.public_id)
    corrected = next(n for n in data["names"] if n["id"] == str(variant.public_id))
    assert corrected == {
        "id": str(variant.public_id),
        "full_text": "أحمد حسن العلي",
        "script": "arabic",  # detected again from the corrected text
        "given_name": "",
        "fathers_name": "",
        "grandfathers_name": "",
        "family_name": "العلي",
        "source": "list C",
        "is_primary": False,
    }
    variant.refresh_from_db()
    assert (variant.full_text, variant.source) == ("أحمد حسن العلي", "list C")
    event = _last_event()
    assert (event.action, event.object_id) == ("person.name_update", str(person.public_id))
    assert event.payload_hash == digest(
        {
            "name": str(variant.public_id),
            "full_text": "أحمد حسن العلي",
            "script": "arabic",
            "given_name": "",
            "fathers_name": "",
            "grandfathers_name": "",
            "family_name": "العلي",
            "source": "list C",
            "is_primary": False,
        }
    )


def test_put_promoting_a_name_demotes_the_previous_primary(
    world: World, person: Person, variant: PersonName
) -> None:
    body = {"full_text": "Ahmad Hassan", "source": "list B", "is_primary": True}
    response = _put(world.client("coordinator"), _url(person, variant), body)
    assert response.status_code == 200
    assert [n["is_primary"] for n in response.json()["names"]] == [True, False]
    assert person.names.get(is_primary=True) == variant


def test_put_without_is_primary_on_the_primary_name_is_refused(
    world: World, person: Person
) -> None:
    """PUT replaces every field: leaving ``is_primary`` out would demote the primary name."""
    primary = person.names.get(is_primary=True)
    client = world.client("delegate")
    events = AuditEvent.objects.count()
    response = _put(client, _url(person, primary), {"full_text": "أحمد حسين"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"is_primary": ["Make another name primary instead."]}
    primary.refresh_from_db()
    assert primary.full_text == "أحمد حسن"
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"source": "list B"}, "full_text"),  # missing: refused by the schema
        ({"full_text": "   "}, "full_text"),  # blank: refused by the service
        ({"full_text": "Ahmad Hassan", "script": "klingon"}, "script"),
        ({"full_text": "Ahmad Hassan", "given_name": "x" * 201}, "given_name"),
    ],
)
def test_put_validation_errors_name_the_field(
    world: World, person: Person, variant: PersonName, body: dict[str, Any], field: str
) -> None:
    client = world.client("delegate")
    events = AuditEvent.objects.count()
    response = _put(client, _url(person, variant), body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    variant.refresh_from_db()
    assert (variant.full_text, variant.script) == ("Ahmad Hassan", "latin")
    assert AuditEvent.objects.count() == events


# --- DELETE: remove a name -----------------------------------------------------------------------


def test_delete_removes_a_variant_and_is_audited(
    world: World, person: Person, variant: PersonName
) -> None:
    response = world.client("forensic").delete(_url(person, variant))
    assert response.status_code == 204
    assert response.content == b""
    assert list(person.names.values_list("full_text", flat=True)) == ["أحمد حسن"]
    event = _last_event()
    assert (event.action, event.object_id) == ("person.name_remove", str(person.public_id))
    # Removed twice: the name is gone, the same 404 as a name that never existed.
    again = world.client("forensic").delete(_url(person, variant))
    assert again.status_code == 404
    assert again.json()["error"]["code"] == "not_found"


def test_delete_refuses_the_primary_name(world: World, person: Person) -> None:
    """Also the last name: a person's only name is its primary name."""
    primary = person.names.get(is_primary=True)
    person.names.filter(is_primary=False).delete()
    client = world.client("delegate")
    events = AuditEvent.objects.count()
    response = client.delete(_url(person, primary))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {
        "is_primary": ["The primary name cannot be removed: make another name primary first."]
    }
    assert person.names.count() == 1
    assert AuditEvent.objects.count() == events


# --- Who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("north_negotiator", 403),  # sees the person North holds, may not write
        ("north_observer", 403),
        ("south_negotiator", 404),
        ("south_observer", 404),
        ("east_negotiator", 404),
        ("delegate_unassigned", 404),
        ("auditor", 404),
        ("anonymous", 401),
    ],
)
def test_only_intermediary_staff_correct_or_remove_names(
    world: World, person: Person, variant: PersonName, persona: str, status: int
) -> None:
    url = _url(person, variant)
    client = world.client(persona)
    assert _put(client, url, {"full_text": "Someone Else"}).status_code == status
    assert client.delete(url).status_code == status
    variant.refresh_from_db()
    assert variant.full_text == "Ahmad Hassan"
    assert person.names.count() == 2


def test_a_name_of_another_person_is_not_found(world: World, person: Person) -> None:
    other = make_person(world, "SOUTH")
    foreign = other.names.get(is_primary=False)
    url = _url(person, foreign)
    client = world.client("coordinator")
    denials = AccessDenial.objects.count()
    put = _put(client, url, {"full_text": "Someone Else"})
    delete = client.delete(url)
    assert put.status_code == delete.status_code == 404
    assert put.json() == delete.json()
    assert put.json()["error"]["code"] == "not_found"
    assert AccessDenial.objects.count() == denials + 2
    foreign.refresh_from_db()
    assert foreign.full_text == "Ahmad Hassan"
    assert other.names.count() == 2
