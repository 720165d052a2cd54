"""Who sees which persons and which fields, through every door (pages, API, search, CSV)."""

from __future__ import annotations

import pytest

from intermediary.access.policy import PERSON_OBJECT_TYPE, REMAINS_OBJECT_TYPE
from intermediary.access.services import disclosure_create
from intermediary.audit.models import AccessDenial
from intermediary.registry.models import Person
from intermediary.registry.services import remains_case_create
from tests.conftest import World
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db

SECRETS = ("HEALTH-SECRET-7731", "NOTE-SECRET-4410", "DEATH-SECRET-9902")
PARTY_PERSONAS = (
    "north_negotiator",
    "north_observer",
    "south_negotiator",
    "south_observer",
    "east_negotiator",
)


@pytest.fixture
def held(world: World) -> dict[str, Person]:
    common = {"health_notes": SECRETS[0], "internal_notes": SECRETS[1],
              "cause_of_death": SECRETS[2], "wounded": True, "sick": True}  # fmt: skip
    return {
        "north": make_person(world, "NORTH", service_number="N-1", birth_year=1990, **common),
        "south": make_person(world, "SOUTH", service_number="S-1", birth_year=1991, **common),
    }


def _bodies(world: World, persona: str, person: Person) -> list[str]:
    client = world.client(persona)
    urls = [
        f"/registry/persons/{person.public_id}/",
        f"/api/v1/registry/persons/{person.public_id}",
        "/registry/persons/",
        "/registry/persons/?q=ahmad",
        "/api/v1/registry/persons",
        "/api/v1/registry/persons?name=hassan",
        "/registry/figures/",
        "/registry/figures.csv",
        "/api/v1/registry/figures",
    ]
    return [client.get(url).content.decode() for url in urls]


@pytest.mark.parametrize("persona", PARTY_PERSONAS)
def test_no_party_response_ever_carries_health_or_notes(
    world: World, held: dict[str, Person], persona: str
) -> None:
    for person in held.values():
        for body in _bodies(world, persona, person):
            for secret in SECRETS:
                assert secret not in body
            assert '"wounded"' not in body
            assert '"health_notes"' not in body


def test_intermediary_staff_do_see_them(world: World, held: dict[str, Person]) -> None:
    body = world.client("delegate").get(f"/api/v1/registry/persons/{held['north'].public_id}")
    data = body.json()
    assert data["health_notes"] == SECRETS[0]
    assert data["internal_notes"] == SECRETS[1]
    page = world.client("delegate").get(f"/registry/persons/{held['north'].public_id}/")
    assert SECRETS[0] in page.content.decode()


def test_a_party_sees_only_the_persons_it_holds(world: World, held: dict[str, Person]) -> None:
    items = world.client("north_observer").get("/api/v1/registry/persons").json()["items"]
    assert [i["id"] for i in items] == [str(held["north"].public_id)]
    detail = world.client("north_observer").get(
        f"/api/v1/registry/persons/{held['north'].public_id}"
    )
    assert detail.status_code == 200
    assert detail.json()["service_number"] == "N-1"


@pytest.mark.parametrize(
    "persona", ["south_observer", "east_negotiator", "auditor", "delegate_unassigned"]
)
def test_who_may_not_see_a_person_gets_404_and_is_logged(
    world: World, held: dict[str, Person], persona: str
) -> None:
    before = AccessDenial.objects.count()
    url = f"/api/v1/registry/persons/{held['north'].public_id}"
    response = world.client(persona).get(url)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.",
                                         "fields": {}}}  # fmt: skip
    page = world.client(persona).get(f"/registry/persons/{held['north'].public_id}/")
    assert page.status_code == 404
    assert AccessDenial.objects.count() == before + 2


def _disclose(world: World, person: Person, fields: list[str]) -> None:
    disclosure_create(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        object_type=PERSON_OBJECT_TYPE,
        object_id=person.public_id,
        recipient=world.orgs["SOUTH"],
        fields=fields,
    )


def test_a_disclosed_person_shows_only_the_disclosed_fields(
    world: World, held: dict[str, Person]
) -> None:
    person = held["north"]
    _disclose(world, person, ["names", "status"])
    data = world.client("south_observer").get(f"/api/v1/registry/persons/{person.public_id}")
    assert data.status_code == 200
    body = data.json()
    assert set(body) == {"id", "dossier", "names", "status"}
    assert body["names"][0]["full_text"] == "أحمد حسن"
    page = world.client("south_observer").get(f"/registry/persons/{person.public_id}/")
    text = page.content.decode()
    assert "أحمد حسن" in text
    assert "N-1" not in text  # the service number was not disclosed
    assert "1990" not in text


def test_health_can_never_be_disclosed(world: World, held: dict[str, Person]) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="cannot be disclosed"):
        _disclose(world, held["north"], ["names", "health_notes"])


def test_search_filters_reach_disclosed_persons_only_on_disclosed_fields(
    world: World, held: dict[str, Person]
) -> None:
    """Filtering a disclosed person by an undisclosed field would reveal that field."""
    person = held["north"]
    _disclose(world, person, ["names"])
    client = world.client("south_observer")

    def ids(query: str) -> set[str]:
        return {i["id"] for i in client.get(f"/api/v1/registry/persons?{query}").json()["items"]}

    assert str(person.public_id) in ids("name=ahmad")
    assert str(person.public_id) not in ids("dob=1990")
    assert str(person.public_id) not in ids("id_number=N-1")
    _disclose(world, person, ["date_of_birth"])
    assert str(person.public_id) in ids("dob=1990")


def test_revoking_a_disclosure_hides_the_person_again(
    world: World, held: dict[str, Person]
) -> None:
    from intermediary.access.models import Disclosure
    from intermediary.access.services import disclosure_revoke

    _disclose(world, held["north"], ["names"])
    disclosure_revoke(actor=world.users["coordinator"], disclosure=Disclosure.objects.get())
    url = f"/api/v1/registry/persons/{held['north'].public_id}"
    assert world.client("south_observer").get(url).status_code == 404


def test_remains_are_the_coordinators_and_forensic_officers(
    world: World, held: dict[str, Person]
) -> None:
    case = remains_case_create(
        actor=world.users["forensic"], dossier=world.dossier, internal_notes=SECRETS[1]
    )
    url = f"/api/v1/registry/remains/{case.public_id}"
    assert world.client("forensic").get(url).json()["internal_notes"] == SECRETS[1]
    assert world.client("delegate").get(url).status_code == 404
    assert world.client("south_observer").get(url).status_code == 404
    disclosure_create(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        object_type=REMAINS_OBJECT_TYPE,
        object_id=case.public_id,
        recipient=world.orgs["SOUTH"],
        fields=["case_number", "identification_status"],
    )
    body = world.client("south_observer").get(url).json()
    assert set(body) == {"id", "dossier", "case_number", "identification_status"}
    listing = world.client("south_observer").get("/registry/remains/").content.decode()
    assert case.case_number in listing
    assert SECRETS[1] not in listing


def test_parties_cannot_write_registry_records(world: World, held: dict[str, Person]) -> None:
    url = f"/api/v1/registry/persons/{held['north'].public_id}/events"
    response = world.client("north_negotiator").post(
        url, {"kind": "visited", "date": "2024-02-01"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert held["north"].custody_events.count() == 1
