"""Reading CSV and XLSX lists into input tables, with clear errors that name the row and column."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from intermediary.matching.records import INPUT_COLUMNS, NAME_COLUMNS

# A name, a date or a number is never this long: a longer cell means a broken file (a wrong
# delimiter, a binary pasted in) and matching on it would only mislead.
MAX_CELL_CHARS = 10_000

# Header spellings recognised without --map, compared after dropping case, spaces and _ - .
_ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": ("fullname", "name", "names", "personname", "الاسم", "שם", "имя", "фио"),
    "given_name": ("givenname", "firstname", "forename", "given"),
    "family_name": ("familyname", "surname", "lastname", "family"),
    "father_name": ("fathername", "fathersname", "father", "fatherfirstname", "اسمالاب"),
    "date_of_birth": ("dateofbirth", "dob", "birthdate", "birthday", "born", "تاريخالميلاد"),
    "place_of_birth": ("placeofbirth", "pob", "birthplace", "مكانالميلاد"),
    "id_number": ("idnumber", "nationalid", "idno", "identitynumber", "serialnumber", "socsecid"),
    "sex": ("sex", "gender"),
    "address": ("address", "lastresidence", "residence"),
}
_KEY_ALIASES: dict[str, str] = {
    alias: canonical for canonical, aliases in _ALIASES.items() for alias in aliases
}
_KEY_ALIASES.update({canonical.replace("_", ""): canonical for canonical in INPUT_COLUMNS})
_HEADER_NOISE = re.compile(r"[\s_\-.'()]+")


class InputError(ValueError):
    """A problem with an input file that its author can fix; the message says where."""


@dataclass
class LoadedTable:
    """An input file as a table of canonical columns, plus what a person should know about it."""

    frame: pd.DataFrame
    path: Path
    source_columns: dict[str, str]
    headers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _header_key(header: str) -> str:
    return _HEADER_NOISE.sub("", header.casefold())


def parse_mapping(text: str | None) -> dict[str, str]:
    """Parse "name=Full Name,dob=Birth" into {canonical column: source header}."""
    mapping: dict[str, str] = {}
    if not text:
        return mapping
    for item in text.split(","):
        if not item.strip():
            continue
        key, sep, source = item.partition("=")
        canonical = _KEY_ALIASES.get(_header_key(key))
        if not sep or not source.strip():
            raise InputError(f"--map item {item!r} is not of the form field=Column Name")
        if canonical is None:
            known = ", ".join(INPUT_COLUMNS[1:])
            raise InputError(f"--map field {key.strip()!r} is unknown; known fields: {known}")
        mapping[canonical] = source.strip()
    return mapping


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(
            f"{path}: line {line} is not valid UTF-8 (byte {error.start}); save the file as "
            "UTF-8 CSV or as XLSX"
        ) from None


def _csv_rows(path: Path) -> Iterator[list[str]]:
    text = _decode(path, path.read_bytes())
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t|", key=first_line.count)
    csv.field_size_limit(1 << 30)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as error:
        raise InputError(f"{path}: row {reader.line_num}: {error}") from None


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise InputError(f"{path}: cannot be read as XLSX ({error})") from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in row]
    finally:
        workbook.close()


def _rows(path: Path) -> Iterator[list[str]]:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    return _csv_rows(path)


def _resolve_columns(
    path: Path, headers: Sequence[str], mapping: Mapping[str, str], id_column: str
) -> dict[str, int]:
    """Position of each canonical column: explicit --map first, then recognised headers."""
    positions: dict[str, int] = {}
    for canonical, source in mapping.items():
        if source in headers:  # a mapping may name a column that only the other file has
            positions[canonical] = headers.index(source)
    if id_column in headers:
        positions["id"] = headers.index(id_column)
    for index, header in enumerate(headers):
        recognised = _KEY_ALIASES.get(_header_key(header))
        if recognised and recognised not in positions and index not in positions.values():
            positions[recognised] = index
    if not any(column in positions for column in NAME_COLUMNS):
        found = ", ".join(repr(h) for h in headers) or "none"
        raise InputError(
            f"{path}: no name column; name one with --map name=COLUMN "
            f"(or a header such as full_name, name, given_name, family_name). Columns: {found}"
        )
    return positions


def _check_cell(path: Path, row_number: int, header: str, value: str) -> str:
    if len(value) > MAX_CELL_CHARS:
        raise InputError(
            f"{path}: row {row_number}, column {header!r}: {len(value)} characters, more than "
            f"the {MAX_CELL_CHARS} a cell may hold; is the delimiter right?"
        )
    return value


def _records(
    path: Path, rows: Iterator[list[str]], headers: list[str], positions: dict[str, int]
) -> Iterator[dict[str, str]]:
    width = len(headers)
    for offset, row in enumerate(rows):
        row_number = offset + 2  # the header is row 1, as in a spreadsheet
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            raise InputError(
                f"{path}: row {row_number} has {len(row)} fields, the header has {width}"
            )
        record = {"_row": str(row_number)}
        for canonical, index in positions.items():
            value = row[index] if index < len(row) else ""
            record[canonical] = _check_cell(path, row_number, headers[index], value)
        yield record


def _assign_ids(path: Path, frame: pd.DataFrame, has_id: bool, id_column: str) -> None:
    if not has_id:
        frame["id"] = frame["_row"]
        return
    blank = frame["id"].str.strip() == ""
    if blank.any():
        row = frame.loc[blank, "_row"].iloc[0]
        raise InputError(f"{path}: row {row}, column {id_column!r}: the id is blank")
    duplicated = frame["id"].duplicated(keep=False)
    if duplicated.any():
        rows = ", ".join(frame.loc[duplicated, "_row"].head(5))
        value = frame.loc[duplicated, "id"].iloc[0]
        raise InputError(f"{path}: column {id_column!r}: id {value!r} repeats (rows {rows})")


def load_table(
    path: Path, mapping: Mapping[str, str] | None = None, id_column: str = "id"
) -> LoadedTable:
    """Read a CSV (UTF-8, delimiter , ; tab or |) or XLSX list into canonical columns.

    Rows are identified by id_column, or by their row number (header = row 1) when the file
    has no such column. Blank rows are skipped; every other row is kept, even without a name.
    """
    rows = _rows(path)
    headers = [header.strip() for header in next(rows, [])]
    if not any(headers):
        raise InputError(f"{path}: the file is empty")
    positions = _resolve_columns(path, headers, mapping or {}, id_column)
    records = list(_records(path, rows, headers, positions))
    if not records:
        raise InputError(f"{path}: the header is there but no data rows follow it")
    frame = pd.DataFrame(records, dtype=object)
    _assign_ids(path, frame, "id" in positions, id_column)
    source_columns = {canonical: headers[index] for canonical, index in positions.items()}
    loaded = LoadedTable(frame=frame, path=path, source_columns=source_columns, headers=headers)
    _warn_nameless(loaded)
    return loaded


def check_mapping_used(mapping: Mapping[str, str], tables: Sequence[LoadedTable]) -> None:
    """Every --map column must exist in at least one input, else it is surely a typo."""
    for canonical, source in mapping.items():
        if not any(table.source_columns.get(canonical) == source for table in tables):
            found = "; ".join(
                f"{table.path}: " + ", ".join(repr(h) for h in table.headers) for table in tables
            )
            raise InputError(
                f"--map {canonical}={source}: no input has column {source!r} ({found})"
            )


def _warn_nameless(loaded: LoadedTable) -> None:
    from intermediary.matching.skeleton import name_forms

    columns = [c for c in NAME_COLUMNS if c in loaded.frame.columns]
    names = loaded.frame[columns].fillna("").agg(" ".join, axis=1)
    nameless = [
        row for row, name in zip(loaded.frame["_row"], names, strict=True) if not name_forms(name)
    ]
    if nameless:
        shown = ", ".join(nameless[:10]) + (" ..." if len(nameless) > 10 else "")
        loaded.warnings.append(
            f"{loaded.path}: {len(nameless)} rows have no usable name (rows {shown}); "
            "they are matched on their other fields only"
        )
