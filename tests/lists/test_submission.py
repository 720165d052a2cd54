"""Submitting a list: kept as submitted, parsed into entries, or refused whole with every
problem named by row and column."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError

from intermediary.access.policy import PermissionDenied
from intermediary.audit.models import AuditEvent
from intermediary.lists.models import ListEntry, ListFile, SubmittedList
from intermediary.lists.services import ListRejected, list_submit
from tests.conftest import World
from tests.lists.conftest import SOUGHT_ROWS, csv_bytes, submit

pytestmark = pytest.mark.django_db


def test_a_negotiator_submits_a_list_kept_as_submitted(world: World) -> None:
    submitted = submit(world, SOUGHT_ROWS)
    data = csv_bytes(SOUGHT_ROWS)
    assert submitted.kind == "sought"
    assert submitted.submitting_party == world.orgs["SOUTH"]
    assert submitted.submitted_by == world.users["south_negotiator"]
    assert not submitted.on_behalf
    assert submitted.sha256 == hashlib.sha256(data).hexdigest()
    assert bytes(ListFile.objects.get(submitted_list=submitted).content) == data
    entries = list(submitted.entries.order_by("row_number"))
    assert [e.row_number for e in entries] == [2, 3, 4, 5]
    first = entries[0]
    assert first.full_name == "يوسف عبد الرحمن"
    assert first.script == "arabic"
    assert (first.birth_year, first.birth_month, first.birth_day) == (1990, 4, 3)
    assert first.date_of_birth_text == "03/04/1990"
    assert first.sex == "male"
    assert (entries[1].birth_year, entries[1].birth_month) == (1975, None)
    assert entries[1].notes == "last seen 2023"
    assert AuditEvent.objects.filter(action="list.submit", object_id=submitted.public_id).exists()


def test_the_intermediary_uploads_on_a_partys_behalf(world: World) -> None:
    submitted = list_submit(
        actor=world.users["delegate"],
        dossier=world.dossier,
        kind="held",
        data=csv_bytes([["name"], ["Karim Nasser"]]),
        filename="held.csv",
        party=world.orgs["NORTH"],
    )
    assert submitted.on_behalf
    assert submitted.submitting_party == world.orgs["NORTH"]


def test_the_intermediary_must_name_the_party(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        list_submit(
            actor=world.users["coordinator"],
            dossier=world.dossier,
            kind="held",
            data=csv_bytes([["name"], ["Karim Nasser"]]),
            filename="held.csv",
        )
    assert "party" in caught.value.message_dict


def test_a_negotiator_cannot_submit_for_the_other_party(world: World) -> None:
    with pytest.raises(PermissionDenied):
        list_submit(
            actor=world.users["south_negotiator"],
            dossier=world.dossier,
            kind="held",
            data=csv_bytes([["name"], ["Karim Nasser"]]),
            filename="x.csv",
            party=world.orgs["NORTH"],
        )


@pytest.mark.parametrize("persona", ["south_observer", "forensic", "east_negotiator", "auditor"])
def test_who_may_not_submit(world: World, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        submit(world, SOUGHT_ROWS, persona=persona)


def test_the_same_file_twice_is_refused(world: World) -> None:
    submit(world, SOUGHT_ROWS)
    with pytest.raises(ValidationError) as caught:
        submit(world, SOUGHT_ROWS, kind="held")
    assert caught.value.message_dict["file"] == ["This file was already submitted in this dossier."]
    assert SubmittedList.objects.count() == 1


GOOD_HEADER = ["full_name", "date_of_birth", "sex"]

# (rows, expected (row, column, code) of the first error)
BAD_INPUTS = {
    "unknown column": (
        [["full_name", "eye_colour"], ["A B", "x"]],
        (1, "eye_colour", "unknown_column"),
    ),
    "no name column": ([["date_of_birth"], ["1990"]], (1, None, "no_name_column")),
    "duplicate column": ([["name", "full_name"], ["A", "B"]], (1, "full_name", "duplicate_column")),
    "missing name": (
        [GOOD_HEADER, ["Ali Omar", "1990", "m"], ["", "1991", "f"]],
        (3, "full_name", "required"),
    ),
    "name without letters": ([GOOD_HEADER, ["12345", "", ""]], (2, "full_name", "no_letters")),
    "not a date": ([GOOD_HEADER, ["Ali Omar", "soon", ""]], (2, "date_of_birth", "invalid_date")),
    "impossible date": (
        [GOOD_HEADER, ["Ali Omar", "30/02/1990", ""]],
        (2, "date_of_birth", "invalid_date"),
    ),
    "unknown sex": ([GOOD_HEADER, ["Ali Omar", "", "q"]], (2, "sex", "invalid_sex")),
    "control character": (
        [GOOD_HEADER, ["Ali\x07 Omar", "", ""]],
        (2, "full_name", "control_character"),
    ),
    "cell too long": ([GOOD_HEADER, ["A" * 301, "", ""]], (2, "full_name", "too_long")),
    "value outside any column": ([["full_name"], ["Ali Omar", "extra"]], (2, None, "extra_cell")),
    "header only": ([GOOD_HEADER], (None, None, "no_rows")),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_refused_naming_row_and_column(world: World, case: str) -> None:
    rows, (row, column, code) = BAD_INPUTS[case]
    with pytest.raises(ListRejected) as caught:
        submit(world, rows)
    first = caught.value.row_errors[0]
    assert (first.row, first.column, first.code) == (row, column, code)
    assert SubmittedList.objects.count() == 0
    assert ListEntry.objects.count() == 0
    assert not AuditEvent.objects.filter(action="list.submit").exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"full_name\n\xe9\xe9\n", "encoding"),
        (b"PK\x03\x04junk", "unreadable"),
    ],
)
def test_unreadable_files_are_refused(world: World, data: bytes, code: str) -> None:
    with pytest.raises(ListRejected) as caught:
        list_submit(
            actor=world.users["south_negotiator"],
            dossier=world.dossier,
            kind="sought",
            data=data,
            filename="x.csv",
        )
    assert caught.value.row_errors[0].code == code
    assert SubmittedList.objects.count() == 0


def test_every_error_is_reported_not_only_the_first(world: World) -> None:
    rows = [GOOD_HEADER, ["", "1990", ""], ["Ali Omar", "1990-13", ""], ["Ola Nabil", "", "z"]]
    with pytest.raises(ListRejected) as caught:
        submit(world, rows)
    found = [(e.row, e.column) for e in caught.value.row_errors]
    assert found == [(2, "full_name"), (3, "date_of_birth"), (4, "sex")]
    assert "row 3, column date_of_birth" in caught.value.message_dict["file"][1]


def test_xlsx_and_other_encodings_are_read(world: World) -> None:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["full_name", "date_of_birth"])
    sheet.append(["מרים חדאד", "1985"])
    buffer = io.BytesIO()
    book.save(buffer)
    submitted = list_submit(
        actor=world.users["north_negotiator"],
        dossier=world.dossier,
        kind="held",
        data=buffer.getvalue(),
        filename="held.xlsx",
    )
    entry = submitted.entries.get()
    assert (entry.full_name, entry.script, entry.birth_year) == ("מרים חדאד", "hebrew", 1985)
    cp1256 = "full_name\nسمير خوري\n".encode("cp1256")
    other = list_submit(
        actor=world.users["north_negotiator"],
        dossier=world.dossier,
        kind="held",
        data=cp1256,
        filename="held.csv",
        encoding="windows-1256",
    )
    assert other.entries.get().full_name == "سمير خوري"


@pytest.mark.parametrize(
    ("field", "title", "filename"),
    [("title", "T" * 201, "sought.csv"), ("filename", "", "ق" * 252 + ".csv")],
)
def test_a_too_long_title_or_file_name_is_refused_not_cut_short(
    world: World, field: str, title: str, filename: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        list_submit(
            actor=world.users["south_negotiator"],
            dossier=world.dossier,
            kind="sought",
            data=csv_bytes(SOUGHT_ROWS),
            filename=filename,
            title=title,
        )
    assert field in caught.value.message_dict
    assert not SubmittedList.objects.exists()
    assert not AuditEvent.objects.filter(action="list.submit").exists()
