"""Exports: each user gets the persons and fields they may see, and nothing else; intermediary-
only fields are never in a party's file, not even as a column name."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from intermediary.access.policy import PERSON_OBJECT_TYPE
from intermediary.audit.models import AuditEvent
from intermediary.imports.services import person_import_submit
from intermediary.registry.fields import PERSON_INTERMEDIARY_ONLY
from intermediary.registry.models import Person
from tests.conftest import World
from tests.imports.helpers import csv_bytes

pytestmark = pytest.mark.django_db

HEADER = [
    "name_ar",
    "name_he",
    "name_latin",
    "date_of_birth",
    "sex",
    "holding_party",
    "legal_status",
    "id_number",
    "wounded",
    "health_notes",
    "internal_notes",
]
ROWS = [
    [
        "سامي نور الهدى",
        "",
        "Sami Nour al-Huda",
        "1990-04-17",
        "male",
        "NORTH",
        "detainee",
        "NA-1001",
        "yes",
        "shrapnel wound, left leg",
        "met twice",
    ],
    [
        "ليلى عبد الرحيم",
        "",
        "Layla Abd al-Rahim",
        "2010-02",
        "female",
        "NORTH",
        "civilian_internee",
        "NA-1002",
        "no",
        "",
        "",
    ],
    [
        "",
        "אורן בן-דהן",
        "Oren Ben-Dahan",
        "1985",
        "male",
        "SOUTH",
        "prisoner_of_war",
        "SA-77",
        "",
        "diabetic",
        "transfer pending",
    ],
]
SECRETS = ("shrapnel", "met twice", "diabetic", "transfer pending")


@pytest.fixture
def imported(world: World) -> World:
    job = person_import_submit(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        filename="persons.csv",
        content=csv_bytes(ROWS, HEADER),
    )
    assert job.status == "succeeded", job.errors
    return world


def _csv(client: Client, **params: str) -> list[dict[str, str]]:
    response = client.get(reverse("imports-persons-export"), {"format": "csv", **params})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_intermediary_export_has_everything_and_round_trips_the_columns(imported: World) -> None:
    rows = _csv(imported.client("coordinator"))
    assert len(rows) == 3
    sami = next(r for r in rows if r["name_latin"] == "Sami Nour al-Huda")
    assert sami["name_ar"] == "سامي نور الهدى"
    assert (sami["date_of_birth"], sami["sex"], sami["holding_party"]) == (
        "1990-04-17",
        "male",
        "NORTH",
    )
    assert (sami["id_number"], sami["wounded"], sami["health_notes"]) == (
        "NA-1001",
        "yes",
        "shrapnel wound, left leg",
    )
    assert sami["dossier"] == imported.dossier.reference
    assert sami["status"] == "held"
    assert sami["person_id"] == str(Person.objects.get(id_document_number="NA-1001").public_id)
    layla = next(r for r in rows if r["name_latin"] == "Layla Abd al-Rahim")
    assert "minor" in layla["categories"]
    assert "woman" not in layla["categories"]


def test_a_party_exports_only_whom_it_holds_and_only_party_safe_fields(imported: World) -> None:
    response = imported.client("north_observer").get(reverse("imports-persons-export"))
    body = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted(r["name_latin"] for r in rows) == ["Layla Abd al-Rahim", "Sami Nour al-Huda"]
    header = body.splitlines()[0].split(",")
    for field in (*PERSON_INTERMEDIARY_ONLY, "wounded", "health_notes", "internal_notes"):
        assert field not in header
    for secret in SECRETS:
        assert secret not in body
    assert "Oren" not in body  # held by South


def test_the_other_party_sees_only_its_own(imported: World) -> None:
    rows = _csv(imported.client("south_negotiator"))
    assert [r["name_he"] for r in rows] == ["אורן בן-דהן"]
    assert "health_notes" not in rows[0]


def test_a_disclosed_person_shows_only_the_disclosed_fields(imported: World) -> None:
    from intermediary.access.services import disclosure_create

    oren = Person.objects.get(id_document_number="SA-77")
    disclosure_create(
        actor=imported.users["coordinator"],
        dossier=imported.dossier,
        object_type=PERSON_OBJECT_TYPE,
        object_id=oren.public_id,
        recipient=imported.orgs["NORTH"],
        fields=["names"],
    )
    rows = _csv(imported.client("north_negotiator"))
    disclosed = next(r for r in rows if r["person_id"] == str(oren.public_id))
    assert disclosed["name_latin"] == "Oren Ben-Dahan"
    assert (disclosed["date_of_birth"], disclosed["id_number"], disclosed["sex"]) == ("", "", "")
    assert disclosed["holding_party"] == ""


def test_outsiders_get_an_empty_file_and_auditors_no_page(imported: World) -> None:
    assert _csv(imported.client("east_negotiator")) == []
    assert _csv(imported.client("delegate_unassigned")) == []
    assert imported.client("auditor").get(reverse("imports-persons-export")).status_code == 404


def test_export_of_one_dossier_and_of_a_hidden_one(imported: World) -> None:
    client = imported.client("north_observer")
    assert len(_csv(client, dossier=str(imported.dossier.public_id))) == 2
    east = imported.client("east_negotiator")
    url = reverse("imports-persons-export")
    assert east.get(url, {"dossier": str(imported.dossier.public_id)}).status_code == 404
    assert east.get(url, {"dossier": "not-a-uuid"}).status_code == 404


def test_xlsx_export(imported: World) -> None:
    import openpyxl

    for persona, count, secret_column in (("coordinator", 3, True), ("north_observer", 2, False)):
        response = imported.client(persona).get(
            reverse("imports-persons-export"), {"format": "xlsx"}
        )
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith('.xlsx"')
        sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
        assert sheet is not None
        rows = list(sheet.iter_rows(values_only=True))
        assert len(rows) == 1 + count
        assert ("health_notes" in rows[0]) is secret_column
        flat = " ".join(str(c) for row in rows for c in row if c)
        assert ("shrapnel" in flat) is secret_column


def test_an_unknown_format(imported: World) -> None:
    response = imported.client("coordinator").get(
        reverse("imports-persons-export"), {"format": "pdf"}
    )
    assert response.status_code == 400


def test_every_export_is_audited(imported: World) -> None:
    _csv(imported.client("north_observer"))
    event = AuditEvent.objects.filter(action="person.export").get()
    assert (event.actor_label, event.object_id) == ("north_observer", "all")


def test_api_export_matches_the_page(imported: World) -> None:
    client = imported.client("south_observer")
    api = client.get("/api/v1/exports/persons", {"format": "csv"})
    assert api.status_code == 200
    rows = list(csv.DictReader(io.StringIO(api.content.decode("utf-8-sig"))))
    assert [r["name_latin"] for r in rows] == ["Oren Ben-Dahan"]
    assert client.get("/api/v1/exports/persons", {"format": "pdf"}).status_code == 422
    assert imported.client("auditor").get("/api/v1/exports/persons").status_code == 404
