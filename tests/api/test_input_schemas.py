"""Request bodies derived from the service inputs: one declaration of each field, same API."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import date
from typing import Any

import pytest
from pydantic import PydanticSchemaGenerationError

from intermediary.accounts.models import Organisation
from intermediary.api.routers import registry as router
from intermediary.api.schemas import input_schema
from intermediary.registry.inputs import (
    NAME_FIELDS,
    PERSON_FIELDS,
    REMAINS_FIELDS,
    PersonInput,
)
from intermediary.registry.models import Person
from tests.conftest import World


def _fields(schema: Any) -> list[str]:
    return list(schema.model_fields)


def test_each_body_has_exactly_its_inputs_fields() -> None:
    person_only = [f.name for f in dataclasses.fields(PersonInput) if f.name not in PERSON_FIELDS]
    assert _fields(router.PersonFieldsIn) == list(PERSON_FIELDS)
    assert _fields(router.PersonIn) == [*PERSON_FIELDS, "dossier", *person_only]
    assert _fields(router.NameIn) == list(NAME_FIELDS)
    assert _fields(router.RemainsIn) == ["dossier", "case_number", *REMAINS_FIELDS]
    assert _fields(router.EventIn) == ["kind", "date", "place", "source"]
    assert _fields(router.RemainsEventIn) == ["kind", "at", "place", "from_whom", "to_whom"]
    assert _fields(router.IdentifyIn) == [
        "status",
        "person",
        "identified_by",
        "method",
        "identified_on",
    ]


def test_records_travel_as_public_ids_and_requirements_hold() -> None:
    person = router.PersonIn.model_json_schema()
    assert sorted(person["required"]) == ["dossier", "names"]
    assert {"type": "string", "format": "uuid"} in person["properties"]["holding_party"]["anyOf"]
    assert router.NameIn.model_json_schema()["required"] == ["full_text"]
    identify = router.IdentifyIn.model_json_schema()
    assert identify["properties"]["person"]["format"] == "uuid"
    assert "identified_on" not in identify["required"]


@dataclasses.dataclass
class _Input:
    text: str
    count: int | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    party: Organisation | None = None


def _service(*, actor: Any, target: Person, when: date, note: str = "") -> None:
    """A stand-in service: its keyword parameters become the body."""


def test_a_field_added_to_an_input_reaches_the_body() -> None:
    schema = input_schema("Toy", _Input, types={"party": uuid.UUID | None})
    body = schema.model_validate({"text": "x", "party": str(uuid.UUID(int=1))})
    assert body.dict() == {"text": "x", "count": None, "tags": [], "party": uuid.UUID(int=1)}
    assert schema.model_json_schema()["required"] == ["text"]

    from_function = input_schema("ToyCall", _service, exclude=("actor", "target"))
    assert _fields(from_function) == ["when", "note"]
    assert from_function.model_json_schema()["required"] == ["when"]


def test_misnamed_fields_fail_at_import_not_silently() -> None:
    with pytest.raises(TypeError, match="tex"):
        input_schema("Toy", _Input, only=("tex",))
    with pytest.raises(TypeError, match="partie"):
        input_schema("Toy", _Input, types={"partie": uuid.UUID})


def test_a_record_type_without_an_api_type_fails_at_import() -> None:
    with pytest.raises(PydanticSchemaGenerationError):
        input_schema("Toy", _Input)


# --- The same behaviour through the derived bodies ---------------------------------------------


def _post(client: Any, url: str, body: dict[str, Any], method: str = "post") -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_registering_and_correcting_a_person_through_the_api(world: World) -> None:
    client = world.client("delegate")
    north = str(world.orgs["NORTH"].public_id)
    response = _post(
        client,
        "/api/v1/registry/persons",
        {
            "dossier": str(world.dossier.public_id),
            "holding_party": north,
            "birth_year": 1987,
            "names": [{"full_text": "سامي يوسف"}, {"full_text": "Sami Yusuf", "source": "ID"}],
            "registered_on": "2024-03-02",
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert [n["full_text"] for n in created["names"]] == ["سامي يوسف", "Sami Yusuf"]
    assert created["holding_party"]["id"] == north
    assert created["timeline"][0]["date"] == "2024-03-02"
    response = _post(
        client,
        f"/api/v1/registry/persons/{created['id']}",
        {"rank": "Corporal", "party_of_origin": str(world.orgs["SOUTH"].public_id)},
        "patch",
    )
    assert response.status_code == 200, response.content
    assert response.json()["rank"] == "Corporal"
    assert response.json()["party_of_origin"]["short_name"] == "SOUTH"
    assert response.json()["date_of_birth"] == "1987"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"names": "Sami"}, "names"),
        ({"names": [{"script": "latin"}]}, "names.0.full_text"),
        ({"names": [{"full_text": "Sami"}], "birth_year": "late eighties"}, "birth_year"),
        ({"names": [{"full_text": "Sami"}], "holding_party": "North"}, "holding_party"),
        ({"names": []}, "names"),  # the service's rule, after the schema's
    ],
)
def test_invalid_bodies_name_the_field(world: World, body: dict[str, Any], field: str) -> None:
    body = {"dossier": str(world.dossier.public_id), **body}
    response = _post(world.client("delegate"), "/api/v1/registry/persons", body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == "invalid"
    assert field in error["fields"]


@pytest.mark.django_db
def test_opening_a_remains_case_with_a_given_number(world: World) -> None:
    response = _post(
        world.client("forensic"),
        "/api/v1/registry/remains",
        {
            "dossier": str(world.dossier.public_id),
            "case_number": "HR-TEST-0042",
            "holding_party": str(world.orgs["SOUTH"].public_id),
            "recovery_place": "Ridge (fictional)",
        },
    )
    assert response.status_code == 201, response.content
    case = response.json()
    assert (case["case_number"], case["recovery_place"]) == ("HR-TEST-0042", "Ridge (fictional)")
    assert case["holding_party"]["short_name"] == "SOUTH"
