"""The raw file of an import, handed back exactly as uploaded: to intermediary staff only,
audited, and never when the kept bytes no longer match the hash recorded at upload."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.urls import reverse

from intermediary.access.policy import PermissionDenied
from intermediary.audit.models import AuditEvent
from intermediary.core.downloads import StoredFileCorrupted
from intermediary.imports.models import PersonImport, PersonImportFile
from intermediary.imports.services import (
    person_import_file_download,
    person_import_submit,
    person_import_upload,
)
from tests.conftest import World
from tests.imports.helpers import GOOD_ROWS, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

CP1256 = csv_bytes(encoding="cp1256")


def _digest_header(content: bytes) -> str:
    return f"sha-256=:{base64.b64encode(hashlib.sha256(content).digest()).decode()}:"


def test_a_rejected_windows_1256_file_comes_back_byte_for_byte(world: World) -> None:
    """The file a party must correct is the one it sent, whatever its encoding."""
    bad = csv_bytes([[*GOOD_ROWS[0][:2], "1990-02-30", *GOOD_ROWS[0][3:]]], encoding="cp1256")
    job = person_import_submit(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        filename="قائمة.csv",
        content=bad,
        encoding="windows-1256",
    )
    assert job.status == "rejected"
    response = world.client("coordinator").get(reverse("imports-file", args=[job.public_id]))
    assert response.status_code == 200
    assert response.content == bad
    assert response["Content-Type"] == "text/csv; charset=windows-1256"
    assert response["Repr-Digest"] == _digest_header(bad)
    assert "filename*=utf-8''" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="person_import.download")
    assert event.object_id == str(job.public_id)
    assert event.actor_label == "coordinator"


def test_an_xlsx_file_through_the_api(world: World) -> None:
    content = xlsx_bytes()
    job = person_import_submit(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        filename="held.xlsx",
        content=content,
    )
    response = world.client("coordinator").get(f"/api/v1/imports/{job.public_id}/file")
    assert response.status_code == 200
    assert response.content == content
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Repr-Digest"] == _digest_header(content)


def test_a_queued_file_never_read_is_not_called_csv(world: World) -> None:
    job = person_import_upload(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        filename="x.bin",
        content=b"\x00\x01",
    )
    assert job.format == ""
    raw = person_import_file_download(actor=world.users["coordinator"], job=job)
    assert raw.content_type == "application/octet-stream"


def test_bytes_that_no_longer_match_the_hash_are_not_handed_out(world: World) -> None:
    job = person_import_upload(
        actor=world.users["coordinator"], dossier=world.dossier, filename="l.csv", content=CP1256
    )
    PersonImportFile.objects.filter(person_import=job).update(content=CP1256 + b"tampered\r\n")
    with pytest.raises(StoredFileCorrupted, match=str(job.public_id)):
        person_import_file_download(actor=world.users["coordinator"], job=job)
    assert not AuditEvent.objects.filter(action="person_import.download").exists()


@pytest.mark.parametrize(
    "persona", ["north_negotiator", "south_observer", "auditor", "delegate_unassigned"]
)
def test_parties_and_auditors_get_404_and_the_service_refuses_them(
    world: World, persona: str
) -> None:
    job = person_import_upload(
        actor=world.users["coordinator"], dossier=world.dossier, filename="l.csv", content=CP1256
    )
    response = world.client(persona).get(reverse("imports-file", args=[job.public_id]))
    assert response.status_code == 404
    assert world.client(persona).get(f"/api/v1/imports/{job.public_id}/file").status_code == 404
    with pytest.raises(PermissionDenied):
        person_import_file_download(actor=world.users[persona], job=job)
    assert not AuditEvent.objects.filter(action="person_import.download").exists()
    assert PersonImport.objects.count() == 1


def test_the_import_page_links_the_file(world: World) -> None:
    job = person_import_upload(
        actor=world.users["coordinator"], dossier=world.dossier, filename="l.csv", content=CP1256
    )
    body = world.client("coordinator").get(reverse("imports-detail", args=[job.public_id]))
    assert reverse("imports-file", args=[job.public_id]) in body.content.decode()
