"""Imports end to end: encodings, XLSX, what gets written, the same file twice, who may import,
the pages, the API and the command line."""

from __future__ import annotations

import codecs
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from intermediary.access.policy import PermissionDenied
from intermediary.audit.models import AuditEvent
from intermediary.imports.models import PersonImport, PersonImportFile
from intermediary.imports.services import person_import_submit, person_import_upload
from intermediary.registry.models import CustodyEvent, Person
from tests.conftest import World
from tests.imports.helpers import GOOD_ROWS, HEADER, Counts, csv_bytes, csv_text, xlsx_bytes

pytestmark = pytest.mark.django_db


def _submit(
    world: World,
    content: bytes,
    *,
    filename: str = "list.csv",
    encoding: str = "",
    persona: str = "coordinator",
) -> PersonImport:
    return person_import_submit(
        actor=world.users[persona],
        dossier=world.dossier,
        filename=filename,
        content=content,
        encoding=encoding,
    )


# --- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "label"),
    [
        ("utf-8", "UTF-8"),
        ("utf-8-sig", "UTF-8 with BOM"),
        ("utf-16", "UTF-16 LE with BOM"),  # Python writes the BOM in native (little) order
    ],
)
def test_unicode_encodings_need_no_option(world: World, codec: str, label: str) -> None:
    job = _submit(world, csv_bytes(encoding=codec))
    assert (job.status, job.encoding, job.persons_created) == ("succeeded", label, 3)
    assert set(Person.objects.values_list("names__full_text", flat=True)) >= {
        "سامي نور الهدى",
        "Oren Ben-Dahan",
    }


def test_utf16_big_endian_tab_separated_as_excel_writes_unicode_text(world: World) -> None:
    text = csv_text(GOOD_ROWS).replace(",", "\t")
    job = _submit(world, codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    assert (job.status, job.encoding, job.persons_created) == ("succeeded", "UTF-16 BE with BOM", 3)


def test_semicolon_separated(world: World) -> None:
    job = _submit(world, csv_text(GOOD_ROWS).replace(",", ";").encode())
    assert job.status == "succeeded"


def test_windows_1256_is_refused_without_the_option_then_imported_with_it(world: World) -> None:
    content = csv_bytes(encoding="cp1256")
    first = _submit(world, content)
    assert first.status == "rejected"
    assert first.errors[0]["code"] == "encoding"
    assert "windows-1256" in str(first.errors[0]["message"])
    assert f"offset {len(csv_text([]))}" in str(first.errors[0]["message"])
    assert Person.objects.count() == 0
    # The rejected upload does not block the same bytes: now with the encoding named.
    second = _submit(world, content, encoding="windows-1256")
    assert (second.status, second.encoding) == ("succeeded", "Windows-1256 (Arabic)")
    assert Person.objects.filter(names__full_text="ليلى عبد الرحيم").exists()


def test_an_unknown_encoding_is_refused_at_upload(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        _submit(world, csv_bytes(), encoding="klingon")
    assert caught.value.message_dict["encoding"] == [
        "Unknown or unsupported encoding 'klingon' (for example: utf-16, utf-8, windows-1255, "
        "windows-1256)."
    ]


# --- XLSX -----------------------------------------------------------------------------------


def test_xlsx(world: World) -> None:
    job = _submit(world, xlsx_bytes(), filename="list.xlsx")
    assert (job.status, job.format, job.persons_created) == ("succeeded", "xlsx", 3)


def test_xlsx_typed_cells_read_back_as_their_text(world: World) -> None:
    """Excel turns dates into dates and ids into numbers; they mean the same text."""
    rows = [
        [
            "",
            "Yael Mizrahi-Haddad",
            datetime(1975, 3, 9),  # noqa: DTZ001  (Excel cells are naive)
            "female",
            "SOUTH",
            "hostage",
            778201,
            date(2023, 10, 7),
        ],
        ["", "Dov Amsalem", 1968, "male", "SOUTH", "detainee", "", ""],
    ]
    job = _submit(world, xlsx_bytes(rows), filename="list.xlsx")
    assert job.status == "succeeded", job.errors
    yael = Person.objects.get(names__full_text="Yael Mizrahi-Haddad")
    assert (yael.birth_year, yael.birth_month, yael.birth_day) == (1975, 3, 9)
    assert yael.id_document_number == "778201"
    assert yael.capture_date == date(2023, 10, 7)
    dov = Person.objects.get(names__full_text="Dov Amsalem")
    assert (dov.birth_year, dov.birth_month) == (1968, None)


def test_xlsx_errors_name_spreadsheet_rows(world: World) -> None:
    rows = [GOOD_ROWS[0], [*GOOD_ROWS[1][:2], "2008-02-30", *GOOD_ROWS[1][3:]]]
    job = _submit(world, xlsx_bytes(rows), filename="list.xlsx")
    assert job.status == "rejected"
    assert [(e["row"], e["column"], e["code"]) for e in job.errors] == [
        (3, "date_of_birth", "invalid_date")
    ]


def test_xlsx_with_several_sheets(world: World) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.create_sheet("notes")
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = _submit(world, buffer.getvalue(), filename="two.xlsx")
    assert job.errors[0]["code"] == "several_sheets"
    assert job.errors[0]["message"] == (
        "The workbook has 2 sheets: keep one, or name the sheet to import 'persons'."
    )


def test_xlsx_sheet_named_persons_is_the_one(world: World) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    assert workbook.active is not None
    workbook.active.append(["ignored"])
    sheet = workbook.create_sheet("Persons")
    sheet.append(HEADER)
    sheet.append(GOOD_ROWS[0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert _submit(world, buffer.getvalue(), filename="p.xlsx").persons_created == 1


def test_a_broken_xlsx(world: World) -> None:
    job = _submit(world, b"PK\x03\x04 not really a zip", filename="broken.xlsx")
    assert (job.status, job.errors[0]["code"]) == ("rejected", "unreadable")


# --- what is written --------------------------------------------------------------------------


def test_persons_names_custody_and_audit(world: World) -> None:
    job = _submit(world, csv_bytes())
    sami = Person.objects.get(names__full_text="سامي نور الهدى")
    assert sami.dossier == world.dossier
    assert sami.holding_party == world.orgs["NORTH"]
    assert (sami.birth_year, sami.birth_month, sami.birth_day) == (1990, 4, 17)
    assert (sami.sex, sami.legal_status, sami.id_document_number) == ("male", "detainee", "NA-1001")
    assert sami.capture_date == date(2023, 10, 2)
    assert sami.created_by == world.users["coordinator"]
    assert sami.source == f"import list.csv ({job.sha256[:12]})"
    names = list(
        sami.names.order_by("-is_primary", "pk").values_list("full_text", "script", "is_primary")
    )
    assert names == [("سامي نور الهدى", "arabic", True), ("Sami Nour al-Huda", "latin", False)]
    registered = CustodyEvent.objects.get(person=sami)
    assert (registered.kind, registered.date) == ("registered", date(2023, 10, 2))
    assert AuditEvent.objects.filter(object_id=str(sami.public_id), action="person.create").exists()
    complete = AuditEvent.objects.get(action="person_import.complete")
    assert complete.object_id == str(job.public_id)
    assert complete.actor_label == "coordinator"


def test_structured_names_from_their_parts(world: World) -> None:
    header = ["given_name", "father_name", "grandfather_name", "family_name", "name_he"]
    rows = [["Amir", "Yosef", "Haim", "Levi-Tal", "אמיר לוי-טל"]]
    _submit(world, csv_bytes(rows, header))
    person = Person.objects.get()
    primary = person.names.get(is_primary=True)
    assert (primary.full_text, primary.script) == ("Amir Yosef Haim Levi-Tal", "latin")
    assert (primary.given_name, primary.fathers_name, primary.family_name) == (
        "Amir",
        "Yosef",
        "Levi-Tal",
    )
    assert person.names.get(is_primary=False).script == "hebrew"


def test_name_parts_in_two_scripts(world: World) -> None:
    job = _submit(world, csv_bytes([["Amir", "لوي"]], ["given_name", "family_name"]))
    assert job.errors[0] == {
        "row": 2,
        "column": "given_name",
        "code": "mixed_scripts",
        "message": "The name parts mix several scripts.",
    }


def test_the_raw_file_is_kept_with_its_hash_uploader_and_time(world: World) -> None:
    import hashlib

    content = csv_bytes(encoding="utf-8-sig")
    job = _submit(world, content, filename="C:\\lists\\north.csv")
    assert job.filename == "north.csv"
    assert job.sha256 == hashlib.sha256(content).hexdigest()
    assert job.size == len(content)
    assert job.uploaded_by == world.users["coordinator"]
    assert job.uploaded_at is not None
    assert bytes(PersonImportFile.objects.get(person_import=job).content) == content


# --- the same file twice ----------------------------------------------------------------------


def test_the_same_file_twice_in_a_dossier_is_refused(world: World) -> None:
    first = _submit(world, csv_bytes())
    before = Counts.now()
    with pytest.raises(ValidationError) as caught:
        _submit(world, csv_bytes(), filename="renamed.csv", persona="delegate")
    (message,) = caught.value.message_dict["file"]
    assert message.startswith(
        f"This file (SHA-256 {first.sha256}) was already uploaded to this dossier on "
    )
    assert message.endswith("by coordinator (imported). The same file is never imported twice.")
    assert caught.value.error_dict["file"][0].code == "duplicate_file"
    assert Counts.now() == before
    assert PersonImport.objects.count() == 1


def test_the_same_file_may_go_into_another_dossier(world: World) -> None:
    from intermediary.dossiers.services import dossier_create

    other = dossier_create(
        actor=world.users["coordinator"],
        title="Second exchange",
        parties=[world.orgs["NORTH"], world.orgs["SOUTH"]],
    )
    _submit(world, csv_bytes())
    job = person_import_submit(
        actor=world.users["coordinator"], dossier=other, filename="a.csv", content=csv_bytes()
    )
    assert job.status == "succeeded"


def test_a_queued_file_also_blocks_its_twin(world: World) -> None:
    person_import_upload(
        actor=world.users["coordinator"], dossier=world.dossier, filename="a.csv", content=b"x"
    )
    with pytest.raises(ValidationError, match="queued"):
        person_import_upload(
            actor=world.users["delegate"], dossier=world.dossier, filename="b.csv", content=b"x"
        )


# --- who may import ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["north_negotiator", "north_observer", "auditor"])
def test_parties_and_auditors_may_not_import(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        _submit(world, csv_bytes(), persona=persona)
    assert PersonImport.objects.count() == 0


def test_an_assigned_field_delegate_may(world: World) -> None:
    assert _submit(world, csv_bytes(), persona="delegate").status == "succeeded"


def test_a_closed_dossier_takes_no_import(world: World) -> None:
    from intermediary.dossiers.services import dossier_set_status

    dossier_set_status(actor=world.users["coordinator"], dossier=world.dossier, status="closed")
    world.dossier.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        _submit(world, csv_bytes())


def test_an_uploader_who_lost_access_before_the_job_ran(world: World) -> None:
    from intermediary.dossiers.services import dossier_unassign_member
    from intermediary.imports.services import person_import_run

    job = person_import_upload(
        actor=world.users["delegate"], dossier=world.dossier, filename="a.csv", content=csv_bytes()
    )
    dossier_unassign_member(
        actor=world.users["coordinator"], dossier=world.dossier, user=world.users["delegate"]
    )
    job = person_import_run(job=PersonImport.objects.get(pk=job.pk))
    assert job.status == "failed"
    assert job.failure == "The uploader may no longer write in this dossier; nothing was imported."
    assert Person.objects.count() == 0


def test_running_a_finished_job_again_does_nothing(world: World) -> None:
    from intermediary.imports.services import person_import_run

    job = _submit(world, csv_bytes())
    assert person_import_run(job=job).status == "succeeded"
    assert Person.objects.count() == 3


def test_a_failure_in_the_registry_rolls_everything_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intermediary.imports import registry_adapter, services

    calls: list[int] = []
    real = registry_adapter.create_persons

    def explode_on_second_chunk(**kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    monkeypatch.setattr(registry_adapter, "create_persons", explode_on_second_chunk)
    before = Counts.now()
    with pytest.raises(RuntimeError):
        person_import_upload_and_run(world)
    assert Counts.now() == before
    job = PersonImport.objects.get()
    assert (job.status, job.persons_created) == ("failed", 0)
    assert job.failure == "Internal error (RuntimeError); nothing was imported."


def person_import_upload_and_run(world: World) -> PersonImport:
    from intermediary.imports.services import person_import_run

    job = person_import_upload(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        filename="a.csv",
        content=csv_bytes(),
    )
    return person_import_run(job=job)


# --- pages ------------------------------------------------------------------------------------


def _upload_page(world: World, content: bytes, name: str = "list.csv") -> object:
    client = world.client("coordinator")
    url = reverse("imports-upload", kwargs={"public_id": world.dossier.public_id})
    return client.post(url, {"file": SimpleUploadedFile(name, content), "encoding": ""})


def test_upload_page_then_error_report(world: World) -> None:
    bad = csv_bytes([GOOD_ROWS[0], [*GOOD_ROWS[1][:4], "WEST", *GOOD_ROWS[1][5:]]])
    response = _upload_page(world, bad)
    job = PersonImport.objects.get()
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == reverse("imports-detail", kwargs={"public_id": job.public_id})  # type: ignore[index]
    page = world.client("coordinator").get(response["Location"])  # type: ignore[index]
    html = page.content.decode()
    assert "The file has 1 error. Nothing was imported" in html
    assert "No organisation has the short name &#x27;WEST&#x27;." in html
    assert "<td>3</td>" in html
    assert "holding_party" in html
    report = world.client("coordinator").get(
        reverse("imports-errors-csv", kwargs={"public_id": job.public_id})
    )
    assert report.content.decode("utf-8-sig").splitlines() == [
        "row,column,code,message",
        "3,holding_party,unknown_party,No organisation has the short name 'WEST'.",
    ]


def test_upload_page_shows_a_duplicate_on_the_form(world: World) -> None:
    _upload_page(world, csv_bytes())
    response = _upload_page(world, csv_bytes(), "again.csv")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "was already uploaded to this dossier" in response.content.decode()  # type: ignore[attr-defined]


def test_history_lists_uploads_with_their_hash(world: World) -> None:
    job = _submit(world, csv_bytes())
    html = (
        world.client("delegate")
        .get(reverse("imports-list", kwargs={"public_id": world.dossier.public_id}))
        .content.decode()
    )
    for text in (job.sha256, "list.csv", "Imported"):
        assert text in html


def test_forensic_officer_reads_history_without_form_if_they_may_not_write(world: World) -> None:
    response = world.client("forensic").get(
        reverse("imports-list", kwargs={"public_id": world.dossier.public_id})
    )
    assert response.status_code == 200


def test_progress_fragment_and_redirect_when_done(world: World) -> None:
    job = person_import_upload(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        filename="a.csv",
        content=csv_bytes(),
    )
    client = world.client("coordinator")
    url = reverse("imports-progress", kwargs={"public_id": job.public_id})
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert 'hx-trigger="every 1s"' in fragment.content.decode()
    assert "Waiting for the background worker" in fragment.content.decode()
    from intermediary.imports.services import person_import_run

    person_import_run(job=job)
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done.status_code == 204
    assert done["HX-Redirect"] == reverse("imports-detail", kwargs={"public_id": job.public_id})


# --- API --------------------------------------------------------------------------------------


def test_api_upload_status_and_errors(world: World) -> None:
    client = world.client("coordinator")
    url = f"/api/v1/dossiers/{world.dossier.public_id}/imports"
    bad = csv_bytes([[*GOOD_ROWS[0][:2], "1990-02-30", *GOOD_ROWS[0][3:]]])
    response = client.post(url, {"file": SimpleUploadedFile("bad.csv", bad)})
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["error_count"], body["sha256"]) == (
        "rejected",
        1,
        PersonImport.objects.get().sha256,
    )
    errors = client.get(f"/api/v1/imports/{body['id']}/errors").json()
    assert errors == [
        {
            "row": 2,
            "column": "date_of_birth",
            "code": "invalid_date",
            "message": "1990-02-30 is not a date that exists.",
        }
    ]
    good = client.post(url, {"file": SimpleUploadedFile("good.csv", csv_bytes())}).json()
    assert (good["status"], good["persons_created"], good["percent"]) == ("succeeded", 3, 100)
    assert client.get(f"/api/v1/imports/{good['id']}").json()["rows_done"] == 3
    history = client.get(url).json()
    assert [h["filename"] for h in history] == ["good.csv", "bad.csv"]


def test_api_duplicate_and_encoding_option(world: World) -> None:
    client = world.client("coordinator")
    url = f"/api/v1/dossiers/{world.dossier.public_id}/imports"
    content = csv_bytes(encoding="cp1256")
    ok = client.post(
        url, {"file": SimpleUploadedFile("a.csv", content), "encoding": "windows-1256"}
    )
    assert ok.json()["status"] == "succeeded"
    again = client.post(
        url, {"file": SimpleUploadedFile("b.csv", content), "encoding": "windows-1256"}
    )
    assert again.status_code == 422
    error = again.json()["error"]
    assert error["code"] == "invalid"
    assert "was already uploaded to this dossier" in error["fields"]["file"][0]


def test_api_party_upload_is_forbidden(world: World) -> None:
    response = world.client("north_negotiator").post(
        f"/api/v1/dossiers/{world.dossier.public_id}/imports",
        {"file": SimpleUploadedFile("a.csv", csv_bytes())},
    )
    assert response.status_code == 403
    assert PersonImport.objects.count() == 0


# --- command line -----------------------------------------------------------------------------


def test_cli_imports_as_the_named_user(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from intermediary.cli import main

    path = tmp_path / "north.csv"
    path.write_bytes(csv_bytes(encoding="cp1256"))
    args = [
        "import",
        str(path),
        "--dossier",
        world.dossier.reference,
        "--as",
        "delegate",
        "--quiet",
    ]
    assert main([*args, "--encoding", "windows-1256"]) == 0
    out = capsys.readouterr().out
    assert f"OK: 3 persons imported into {world.dossier.reference}." in out
    assert Person.objects.filter(created_by=world.users["delegate"]).count() == 3
    upload = AuditEvent.objects.get(action="person_import.upload")
    assert upload.actor_label == "delegate"
    # The same file again: refused, nothing written.
    assert main([*args, "--encoding", "windows-1256"]) == 2
    assert "was already uploaded to this dossier" in capsys.readouterr().err


def test_cli_reports_every_error_and_writes_the_report(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from intermediary.cli import main

    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([GOOD_ROWS[0], GOOD_ROWS[0]]))
    report = tmp_path / "errors.csv"
    code = main(
        [
            "import",
            str(path),
            "--dossier",
            world.dossier.reference,
            "--as",
            "coordinator",
            "--errors",
            str(report),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "row 3: Repeats row 2. [duplicate_row]" in err
    assert "1 errors: nothing was imported" in err
    assert (
        report.read_text(encoding="utf-8-sig").splitlines()[1] == "3,,duplicate_row,Repeats row 2."
    )
    assert Person.objects.count() == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--as", "nobody"], "no active user 'nobody'"),
        (["--as", "north_negotiator"], "north_negotiator may not import into"),
        (["--as", "east_negotiator"], "no dossier"),
    ],
)
def test_cli_refusals(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    from intermediary.cli import main

    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes())
    assert main(["import", str(path), "--dossier", world.dossier.reference, *argv]) == 2
    assert message in capsys.readouterr().err


def test_cli_progress_bars(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from intermediary.cli import main

    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes())
    assert (
        main(["import", str(path), "--dossier", world.dossier.reference, "--as", "coordinator"])
        == 0
    )
    err = capsys.readouterr().err
    for text in ("checking", "importing", "3/3"):
        assert text in err


def test_import_out_is_json_serialisable(world: World) -> None:
    job = _submit(world, csv_bytes())
    body = world.client("coordinator").get(f"/api/v1/imports/{job.public_id}").json()
    assert json.loads(json.dumps(body))["persons_created"] == 3


def test_a_too_long_file_name_is_refused_not_cut_short(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        person_import_upload(
            actor=world.users["coordinator"],
            dossier=world.dossier,
            filename="C:\\lists\\" + "ق" * 252 + ".csv",
            content=csv_bytes(),
        )
    assert "filename" in caught.value.message_dict
    assert not PersonImport.objects.exists()
    assert not AuditEvent.objects.filter(action="person_import.upload").exists()


def test_a_long_path_keeps_only_the_base_name(world: World) -> None:
    job = person_import_upload(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        filename="C:\\" + "d" * 300 + "\\north.csv",
        content=csv_bytes(),
    )
    assert job.filename == "north.csv"
