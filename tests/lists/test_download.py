"""The file of a list as submitted: downloaded byte for byte under its original name, with its
content type and its SHA-256, by the intermediary team and the submitting party only; the
download is on the audit chain. Page and API alike."""

from __future__ import annotations

import base64
import hashlib
import io
from urllib.parse import quote

import pytest
from django.urls import reverse

from intermediary.audit.models import AuditEvent
from intermediary.core.downloads import StoredFileCorrupted
from intermediary.lists.models import ListFile, SubmittedList
from intermediary.lists.services import list_file_download, list_submit
from tests.conftest import World

pytestmark = pytest.mark.django_db

# Windows-1256 bytes, as an Arabic spreadsheet exports them: not UTF-8, kept as received.
CP1256 = "full_name,father_name\nسمير خوري,يوسف\nنادية عودة,\n".encode("cp1256")  # noqa: RUF001
ARABIC_NAME = "قائمة المفقودين.csv"


def _south_cp1256(world: World) -> SubmittedList:
    return list_submit(
        actor=world.users["south_negotiator"],
        dossier=world.dossier,
        kind="sought",
        data=CP1256,
        filename=ARABIC_NAME,
        encoding="windows-1256",
    )


def _urls(submitted: SubmittedList) -> list[str]:
    return [
        reverse("lists-file", args=[submitted.public_id]),
        f"/api/v1/lists/{submitted.public_id}/file",
    ]


@pytest.mark.parametrize(
    "persona", ["coordinator", "delegate", "south_negotiator", "south_observer"]
)
def test_the_file_comes_back_exactly_as_submitted(world: World, persona: str) -> None:
    submitted = _south_cp1256(world)
    for url in _urls(submitted):
        response = world.client(persona).get(url)
        assert response.status_code == 200, (persona, url)
        assert response.content == CP1256
        assert response["Content-Type"] == "text/csv; charset=windows-1256"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment; ")
        assert f"filename*=utf-8''{quote(ARABIC_NAME)}" in disposition
        digest = base64.b64encode(hashlib.sha256(CP1256).digest()).decode()
        assert response["Repr-Digest"] == f"sha-256=:{digest}:"
    events = AuditEvent.objects.filter(action="list.download", object_id=submitted.public_id)
    assert events.count() == 2
    assert {e.actor_id for e in events} == {str(world.users[persona].public_id)}


@pytest.mark.parametrize(
    "persona",
    [
        "north_negotiator",
        "north_observer",
        "east_negotiator",
        "forensic",
        "auditor",
        "delegate_unassigned",
    ],
)
def test_nobody_else_gets_the_file(world: World, persona: str) -> None:
    """The other party never: the same 404 as a list that does not exist, and no trace of a
    download on the chain (the denial log has it)."""
    submitted = _south_cp1256(world)
    client = world.client(persona)
    missing = client.get("/api/v1/lists/00000000-0000-4000-8000-000000000000/file")
    for url in _urls(submitted):
        response = client.get(url)
        assert response.status_code == 404, (persona, url)
        assert CP1256 not in response.content
        assert "attachment" not in response.get("Content-Disposition", "")
        if url.startswith("/api/"):
            assert response.json() == missing.json()
    assert not AuditEvent.objects.filter(action="list.download").exists()


def test_an_xlsx_keeps_its_type_and_the_page_links_it_with_the_hash(world: World) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["full_name"])
    sheet.append(["מרים חדאד"])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    submitted = list_submit(
        actor=world.users["north_negotiator"],
        dossier=world.dossier,
        kind="held",
        data=data,
        filename='North "held" list.xlsx',
    )
    client = world.client("north_observer")
    page = client.get(reverse("lists-detail", args=[submitted.public_id])).content.decode()
    assert f'href="{reverse("lists-file", args=[submitted.public_id])}"' in page
    assert f'<code id="list-sha256" dir="ltr">{hashlib.sha256(data).hexdigest()}</code>' in page
    response = client.get(f"/api/v1/lists/{submitted.public_id}/file")
    assert response.content == data
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    # Quotes in the name are escaped, not allowed to end the header's value early.
    assert response["Content-Disposition"] == 'attachment; filename="North \\"held\\" list.xlsx"'


def test_a_utf8_file_and_a_name_with_control_characters(world: World) -> None:
    data = b"full_name\nKarim Nasser\n"
    submitted = list_submit(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        kind="held",
        data=data,
        filename="held\r\nX-Injected: 1.csv",
        party=world.orgs["NORTH"],
    )
    response = world.client("coordinator").get(reverse("lists-file", args=[submitted.public_id]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="held__X-Injected: 1.csv"'
    assert "X-Injected" not in response.headers


def test_bytes_that_no_longer_match_the_hash_are_not_handed_out(world: World) -> None:
    submitted = _south_cp1256(world)
    ListFile.objects.filter(submitted_list=submitted).update(content=CP1256 + b"tampered\n")
    with pytest.raises(StoredFileCorrupted):
        list_file_download(actor=world.users["coordinator"], submitted_list=submitted)
    assert not AuditEvent.objects.filter(action="list.download").exists()
