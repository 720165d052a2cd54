"""Every kind of bad input: the exact error (row as in a spreadsheet, column, code, message),
and nothing written (no person, name, custody event or person audit event)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from django.utils import timezone

from intermediary.audit.models import AuditEvent
from intermediary.imports.models import PersonImport
from intermediary.imports.services import person_import_submit
from tests.conftest import World
from tests.imports.helpers import GOOD_ROWS, HEADER, Counts, csv_bytes

pytestmark = pytest.mark.django_db


def _run(world: World, content: bytes, filename: str = "list.csv") -> PersonImport:
    return person_import_submit(
        actor=world.users["coordinator"], dossier=world.dossier, filename=filename, content=content
    )


def _row(**cells: str) -> list[str]:
    """A good row with some cells replaced."""
    row = dict(zip(HEADER, GOOD_ROWS[0], strict=True))
    row.update(cells)
    return [row[c] for c in HEADER]


def _reject(world: World, content: bytes) -> list[dict[str, object]]:
    """Import ``content`` expecting a rejection that wrote nothing; return the errors."""
    before = Counts.now()
    events_before = AuditEvent.objects.count()
    job = _run(world, content)
    assert job.status == "rejected", job.errors
    assert Counts.now() == before
    # Only the upload and its rejection are logged: both about the file, none about a person.
    actions = list(
        AuditEvent.objects.order_by("seq")[events_before:].values_list("action", flat=True)
    )
    assert actions == ["person_import.upload", "person_import.reject"]
    assert job.error_count == len(job.errors)
    errors: list[dict[str, object]] = job.errors
    return errors


def _only(
    world: World, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER
) -> dict[str, object]:
    errors = _reject(world, csv_bytes(rows, header))
    assert len(errors) == 1, errors
    return errors[0]


def test_a_good_file_imports_every_row(world: World) -> None:
    before = Counts.now()
    job = _run(world, csv_bytes())
    assert job.status == "succeeded"
    assert job.persons_created == 3
    after = Counts.now()
    assert after.persons == before.persons + 3
    assert after.names == before.names + 5
    assert after.custody_events == before.custody_events + 3
    assert after.person_audit_events == before.person_audit_events + 3


def test_a_date_that_does_not_exist(world: World) -> None:
    error = _only(world, [GOOD_ROWS[1], _row(date_of_birth="1990-02-30")])
    assert error == {
        "row": 3,
        "column": "date_of_birth",
        "code": "invalid_date",
        "message": "1990-02-30 is not a date that exists.",
    }


def test_a_month_that_does_not_exist(world: World) -> None:
    error = _only(world, [_row(date_of_birth="1990-13")])
    assert (error["code"], error["message"]) == ("invalid_date", "1990-13 has no month 13.")


@pytest.mark.parametrize("text", ["17/04/1990", "1990-4-17", "yesterday", "1990-04-17T00:00"])
def test_a_date_in_another_format(world: World, text: str) -> None:
    error = _only(world, [_row(date_of_birth=text)])
    assert error["code"] == "invalid_date"
    assert error["message"] == f"'{text}' is not a date: write YYYY-MM-DD, YYYY-MM or YYYY."


def test_dates_in_the_future(world: World) -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    next_year = str(timezone.localdate().year + 1)
    errors = _reject(
        world,
        csv_bytes([_row(date_of_capture=tomorrow), _row(date_of_birth=next_year, id_number="X-2")]),
    )
    assert [(e["row"], e["column"], e["code"], e["message"]) for e in errors] == [
        (2, "date_of_capture", "future_date", f"{tomorrow} lies in the future."),
        (3, "date_of_birth", "future_date", f"{next_year} lies in the future."),
    ]


def test_capture_before_birth(world: World) -> None:
    error = _only(world, [_row(date_of_birth="2000-05-01", date_of_capture="1999-12-31")])
    assert error == {
        "row": 2,
        "column": "date_of_capture",
        "code": "date_order",
        "message": "The capture date is before the date of birth.",
    }


def test_an_unknown_party(world: World) -> None:
    error = _only(world, [_row(holding_party="WEST")])
    assert error == {
        "row": 2,
        "column": "holding_party",
        "code": "unknown_party",
        "message": "No organisation has the short name 'WEST'.",
    }


def test_a_party_that_is_not_in_the_dossier(world: World) -> None:
    error = _only(world, [_row(holding_party="EAST")])
    assert error["code"] == "party_not_in_dossier"
    assert error["message"] == f"EAST is not a party to dossier {world.dossier.reference}."


def test_the_intermediary_is_no_party(world: World) -> None:
    assert _only(world, [_row(holding_party="NIC")])["code"] == "party_not_in_dossier"


def test_party_short_names_ignore_case(world: World) -> None:
    assert _run(world, csv_bytes([_row(holding_party="north")])).status == "succeeded"


@pytest.mark.parametrize("value", ["NA 1001!", "٤٥٦٧", "A", "NA--1001", "-NA1001", "NA_1001"])
def test_a_malformed_identifier(world: World, value: str) -> None:
    error = _only(world, [_row(id_number=value)])
    assert (error["column"], error["code"]) == ("id_number", "invalid_identifier")
    assert error["message"] == (
        f"Malformed identifier {value!r}: use Latin letters and digits, in groups joined by "
        "one '-', '/', '.' or space (at least 2 characters)."
    )


@pytest.mark.parametrize("value", ["NA-1001", "12/4455", "B 778 201", "AB.12"])
def test_well_formed_identifiers(world: World, value: str) -> None:
    assert _run(world, csv_bytes([_row(id_number=value)])).status == "succeeded"


def test_unknown_values_of_coded_fields(world: World) -> None:
    errors = _reject(world, csv_bytes([_row(sex="x", legal_status="prisoner")]))
    assert [(e["column"], e["message"]) for e in errors] == [
        ("sex", "Unknown value 'x'; use one of: female, male, other."),
        (
            "legal_status",
            "Unknown value 'prisoner'; use one of: prisoner_of_war, civilian_internee, "
            "detainee, hostage, missing.",
        ),
    ]


def test_coded_values_ignore_case_and_take_short_forms(world: World) -> None:
    rows = [_row(sex="F", legal_status="POW"), _row(sex="Male", id_number="NA-2", name_ar="")]
    assert _run(world, csv_bytes(rows)).status == "succeeded"


def test_a_row_repeated(world: World) -> None:
    errors = _reject(world, csv_bytes([GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[0]]))
    assert errors == [
        {"row": 4, "column": None, "code": "duplicate_row", "message": "Repeats row 2."}
    ]


def test_the_same_identifier_twice(world: World) -> None:
    rows = [GOOD_ROWS[0], _row(name_latin="Sami N. al-Huda", name_ar="")]
    errors = _reject(world, csv_bytes(rows))
    assert errors == [
        {
            "row": 3,
            "column": "id_number",
            "code": "duplicate_value",
            "message": "Same value as in row 2.",
        }
    ]


def test_a_person_without_any_name(world: World) -> None:
    error = _only(world, [_row(name_ar="", name_latin="")])
    assert error == {
        "row": 2,
        "column": "name_ar",
        "code": "required",
        "message": "Every person needs a name.",
    }


@pytest.mark.parametrize(
    ("value", "code_point", "position"),
    [
        ("Sami\x07", "U+0007", 5),
        ("Sa\tmi", "U+0009", 3),
        ("\u202eimaS", "U+202E", 1),
        ("Sa\ufffdmi", "U+FFFD", 3),
    ],
)
def test_control_characters(world: World, value: str, code_point: str, position: int) -> None:
    error = _only(world, [_row(name_latin=value)])
    assert (error["column"], error["code"]) == ("name_latin", "control_character")
    assert (
        error["message"] == f"Contains the invisible character {code_point} at position {position}."
    )


def test_a_line_break_inside_a_cell(world: World) -> None:
    error = _only(world, [_row(name_latin="Sami\nNour")])
    assert (error["row"], error["code"]) == (2, "control_character")


def test_joiners_and_marks_of_arabic_and_hebrew_are_fine(world: World) -> None:
    rows = [_row(name_ar="مُحَمَّد\u200cعلي", name_latin="Muhammad Ali")]
    assert _run(world, csv_bytes(rows)).status == "succeeded"


def test_a_cell_over_its_size(world: World) -> None:
    header = [*HEADER, "place_of_birth"]
    error = _only(world, [[*GOOD_ROWS[0], "x" * 201]], header)
    assert error == {
        "row": 2,
        "column": "place_of_birth",
        "code": "too_long",
        "message": "Has 201 characters; at most 200 are allowed.",
    }


def test_a_name_in_the_wrong_script_column(world: World) -> None:
    error = _only(world, [_row(name_ar="Sami")])
    assert (error["column"], error["code"]) == ("name_ar", "wrong_script")
    assert error["message"] == "Expected Arabic letters only, found latin letters."


def test_unknown_columns_are_errors_not_dropped(world: World) -> None:
    errors = _reject(
        world, csv_bytes([[*GOOD_ROWS[0], "x", "y"]], [*HEADER, "nickname", "name_latn"])
    )
    assert errors == [
        {
            "row": 1,
            "column": "nickname",
            "code": "unknown_column",
            "message": "Unknown column; see the documented column names.",
        },
        {
            "row": 1,
            "column": "name_latn",
            "code": "unknown_column",
            "message": "Unknown column; did you mean name_latin?",
        },
    ]


def test_a_column_twice_and_a_column_without_header(world: World) -> None:
    errors = _reject(
        world, csv_bytes([[*GOOD_ROWS[0], "1990", "z"]], [*HEADER, "DATE_OF_BIRTH", ""])
    )
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [
        (1, "DATE_OF_BIRTH", "duplicate_column"),
        (1, "J", "empty_header"),
    ]


def test_a_value_beyond_the_last_column(world: World) -> None:
    error = _only(world, [[*GOOD_ROWS[0], "stray"]])
    assert error == {
        "row": 2,
        "column": "I",
        "code": "extra_cell",
        "message": "Value in column I, which has no header.",
    }


def test_a_file_without_any_name_column(world: World) -> None:
    error = _only(world, [["1990", "male"]], ["date_of_birth", "sex"])
    assert (error["row"], error["code"]) == (1, "missing_column")


def test_every_error_of_the_file_at_once_in_row_order(world: World) -> None:
    rows = [
        GOOD_ROWS[0],
        _row(date_of_birth="1990-02-30", id_number="X-1"),
        GOOD_ROWS[1],
        _row(holding_party="WEST", sex="?", id_number="X-2"),
        GOOD_ROWS[0],
    ]
    errors = _reject(world, csv_bytes(rows))
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [
        (3, "date_of_birth", "invalid_date"),
        (5, "sex", "unknown_value"),
        (5, "holding_party", "unknown_party"),
        (6, None, "duplicate_row"),
    ]
    assert all(set(e) == {"row", "column", "code", "message"} for e in errors)


def test_blank_lines_are_skipped_but_rows_keep_their_numbers(world: World) -> None:
    content = csv_bytes(
        [GOOD_ROWS[0], ["", "", "", "", "", "", "", ""], _row(sex="?", id_number="X")]
    )
    errors = _reject(world, content)
    assert [(e["row"], e["column"]) for e in errors] == [(4, "sex"), (4, "id_number")]


def test_only_the_first_errors_are_kept_but_all_are_counted(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intermediary.imports import services

    monkeypatch.setattr(services, "MAX_KEPT_ERRORS", 5)
    rows = [_row(sex="?", id_number=f"X-{i}") for i in range(12)]
    job = _run(world, csv_bytes(rows))
    assert job.status == "rejected"
    assert (len(job.errors), job.error_count) == (5, 12)


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"", "empty_file", None),
        (b"name_latin,sex\r\n", "no_rows", "The file has a header but no rows."),
        (
            b'name_latin,sex\r\n"Sami" Nour,male\r\n',
            "malformed_csv",
            "Row 2 cannot be read as CSV (',' expected after '\"').",
        ),
        (
            b"name_latin\r\nSami\x00\r\n",
            "control_character",
            "Contains the invisible character U+0000 at position 5.",
        ),
    ],
)
def test_files_that_are_no_table(
    world: World, content: bytes, code: str, message: str | None
) -> None:
    if not content:
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match="The file is empty"):
            _run(world, content)
        return
    errors = _reject(world, content)
    assert errors[0]["code"] == code
    if message:
        assert errors[0]["message"] == message


def test_an_old_excel_file_is_refused_by_name(world: World) -> None:
    errors = _reject_named(world, b"\xd0\xcf\x11\xe0 legacy", "list.xls")
    assert errors[0]["message"] == "Old Excel .xls files are not supported: save as .xlsx or CSV."


def _reject_named(world: World, content: bytes, filename: str) -> list[dict[str, object]]:
    before = Counts.now()
    job = _run(world, content, filename)
    assert job.status == "rejected"
    assert Counts.now() == before
    errors: list[dict[str, object]] = job.errors
    return errors
