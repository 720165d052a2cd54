"""Reading tables and cells: properties over generated input (hypothesis) and edge cases."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intermediary.imports.columns import (
    IDENTIFIER_RE,
    CellError,
    check_characters,
    column_letter,
    parse_identifier,
    parse_partial_date,
)
from intermediary.imports.problems import FileProblem
from intermediary.imports.tables import cell_text, open_table

TODAY = date(2026, 11, 24)
# Printable text of any script, no delimiter-free constraint: the csv module quotes as needed.
CELL = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp"), blacklist_characters="\ufffd"
    ),
    max_size=12,
).map(lambda s: s.strip(" "))
TABLE = st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=8)
ENCODINGS = [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE)]


@given(
    TABLE,
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(ENCODINGS),
)
def test_csv_round_trip(rows: list[list[str]], delimiter: str, encoding: tuple[str, bytes]) -> None:
    """Whatever the cells, delimiter and Unicode encoding, we read back what was written
    (blank rows aside, which are skipped)."""
    codec, bom = encoding
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    header = ["name_latin", "name_ar", "sex"]
    writer.writerow(header)
    writer.writerows(rows)
    table = open_table(bom + buffer.getvalue().encode(codec), "x.csv")
    assert table.header == header
    expected = [(n, r) for n, r in enumerate(rows, start=2) if any(r)]
    assert list(table.rows) == expected
    assert table.total == len(expected)


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_partial_dates_round_trip(value: date) -> None:
    assert parse_partial_date(value.isoformat(), TODAY) == (value.year, value.month, value.day)
    assert parse_partial_date(value.isoformat()[:7], TODAY) == (value.year, value.month, None)
    assert parse_partial_date(str(value.year), TODAY) == (value.year, None, None)


@given(st.text(max_size=20))
def test_identifiers_are_accepted_exactly_when_they_match_the_format(text: str) -> None:
    if len(text) >= 2 and IDENTIFIER_RE.fullmatch(text):
        assert parse_identifier(text) == text
    else:
        with pytest.raises(CellError, match="Malformed identifier"):
            parse_identifier(text)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=30))
def test_text_without_controls_passes_unless_bidi_override(text: str) -> None:
    refused = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\ufffd")
    if refused & set(text):
        with pytest.raises(CellError):
            check_characters(text)
    else:
        check_characters(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (1001, "1001"),
        (1001.0, "1001"),
        (2.5, "2.5"),
        (True, "TRUE"),
        (datetime(1990, 4, 17), "1990-04-17"),  # noqa: DTZ001  (Excel cells are naive)
        (datetime(1990, 4, 17, 13, 5), "1990-04-17T13:05:00"),  # noqa: DTZ001
        (date(1990, 4, 17), "1990-04-17"),
        ("  Sami  ", "Sami"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize(
    ("index", "letter"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters(index: int, letter: str) -> None:
    assert column_letter(index) == letter


def test_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    from intermediary.imports import tables

    monkeypatch.setattr(tables, "MAX_FILE_BYTES", 10)
    with pytest.raises(FileProblem, match="larger than"):
        open_table(b"name_latin\r\nSami Nour\r\n")


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    from intermediary.imports import tables

    monkeypatch.setattr(tables, "MAX_ROWS", 2)
    with pytest.raises(FileProblem) as caught:
        open_table(b"name_latin\r\nA\r\nB\r\nC\r\n")
    assert caught.value.message == "The file has 3 rows; at most 2 can be imported at once."


def test_zip_bomb_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    from intermediary.imports import tables

    workbook = openpyxl.Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)
    monkeypatch.setattr(tables, "MAX_XLSX_INFLATED_BYTES", 100)
    with pytest.raises(FileProblem, match="too large once uncompressed"):
        open_table(buffer.getvalue(), "x.xlsx")
