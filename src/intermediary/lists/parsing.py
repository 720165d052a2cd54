"""Reading a submitted list file into entries, all or nothing: every problem is collected with
its row and column, and a single problem refuses the whole file.

The file machinery (size limits, encodings, CSV dialects, XLSX, blank rows) is the imports
app's (``imports.tables``); this module only knows the columns of a list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from intermediary.imports.problems import FileProblem, RowError
from intermediary.imports.tables import Table, open_table
from intermediary.registry.dates import birth_bounds
from intermediary.registry.names import as_given, detect_script

# Canonical column -> (accepted header spellings, max length). Headers are matched after
# case folding and with spaces or hyphens read as underscores.
COLUMNS: dict[str, tuple[tuple[str, ...], int]] = {
    "reference": (("reference", "ref", "id", "list_id", "number"), 64),
    "full_name": (("full_name", "name", "names"), 300),
    "other_names": (("other_names", "aliases", "alias"), 600),
    "given_name": (("given_name", "first_name"), 200),
    "family_name": (("family_name", "surname", "last_name"), 200),
    "father_name": (("father_name", "fathers_name", "father", "fathers_first_name"), 200),
    "date_of_birth": (("date_of_birth", "dob", "birth_date", "born"), 40),
    "place_of_birth": (("place_of_birth", "pob", "birth_place"), 200),
    "id_number": (("id_number", "identity_number", "id_no", "service_number"), 64),
    "sex": (("sex", "gender"), 16),
    "notes": (("notes", "note", "remarks", "comment"), 2000),
}
_ALIASES = {alias: column for column, (aliases, _n) in COLUMNS.items() for alias in aliases}

_SEX_VALUES = {
    "f": "female",
    "female": "female",
    "woman": "female",
    "أنثى": "female",
    "انثى": "female",
    "נקבה": "female",
    "m": "male",
    "male": "male",
    "man": "male",
    "ذكر": "male",
    "זכר": "male",
    "other": "other",
    "x": "other",
}

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_DAY_FIRST = re.compile(r"^(?:(\d{1,2})[/.])?(\d{1,2})[/.](\d{4})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class EntryData:
    """One valid row, ready to become a ListEntry."""

    row_number: int
    full_name: str
    script: str
    reference: str = ""
    other_names: str = ""
    given_name: str = ""
    family_name: str = ""
    father_name: str = ""
    date_of_birth_text: str = ""
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    place_of_birth: str = ""
    id_number: str = ""
    sex: str = ""
    notes: str = ""


@dataclass
class ParsedList:
    """The outcome of reading a file: entries when ``errors`` is empty, else nothing usable."""

    file_format: str = ""
    encoding: str = ""
    entries: list[EntryData] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # (header as written in the file, column it was read as), in file order: the preview
    # shows the uploader how each of their columns was understood.
    columns: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# Enough to fix a file in one go, without a report as long as the file itself.
MAX_ERRORS = 200


def parse_list(data: bytes, filename: str = "", encoding: str = "") -> ParsedList:
    """Read and validate a whole list; never raises for bad input, reports it instead."""
    try:
        table = open_table(data, filename, encoding)
        return _parse_table(table)
    except FileProblem as problem:
        return ParsedList(errors=[problem.as_error()])


def _header_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().casefold())


def _map_header(header: list[str]) -> tuple[dict[int, str], list[RowError]]:
    """Column index -> canonical column; unknown or repeated columns are errors, since a
    column silently ignored is data silently dropped."""
    mapping: dict[int, str] = {}
    errors: list[RowError] = []
    for index, title in enumerate(header):
        if not title.strip():
            continue
        column = _ALIASES.get(_header_key(title))
        if column is None:
            errors.append(_err(1, title, "unknown_column", _("Unknown column.")))
        elif column in mapping.values():
            errors.append(_err(1, title, "duplicate_column", _("This column appears twice.")))
        else:
            mapping[index] = column
    names = {"full_name", "given_name", "family_name"}
    if not names & set(mapping.values()):
        errors.append(
            _err(
                1,
                None,
                "no_name_column",
                _("No name column (full_name, or given_name and family_name)."),
            )
        )
    return mapping, errors


def _err(row: int | None, column: str | None, code: str, message: str) -> RowError:
    return RowError(row=row, column=column, code=code, message=message)


def _parse_table(table: Table) -> ParsedList:
    parsed = ParsedList(file_format=table.format, encoding=table.encoding)
    mapping, parsed.errors = _map_header(table.header)
    parsed.columns = [(table.header[index], column) for index, column in sorted(mapping.items())]
    if parsed.errors:
        return parsed
    for number, cells in table.rows:
        entry = _parse_row(number, cells, mapping, parsed.errors)
        if entry is not None and not parsed.errors:
            parsed.entries.append(entry)
        if len(parsed.errors) >= MAX_ERRORS:
            break
    if parsed.ok and not parsed.entries:
        parsed.errors.append(_err(None, None, "no_rows", _("The file has no entries.")))
    if parsed.errors:
        parsed.entries = []
    return parsed


def _cells(
    number: int, cells: list[str], mapping: dict[int, str], errors: list[RowError]
) -> dict[str, str]:
    values: dict[str, str] = {}
    for index, text in enumerate(cells):
        column = mapping.get(index)
        if column is None:
            if text.strip():
                errors.append(_err(number, None, "extra_cell", _("A value outside any column.")))
            continue
        values[column] = _clean_cell(number, column, text, errors)
    return values


def _clean_cell(number: int, column: str, text: str, errors: list[RowError]) -> str:
    text = as_given(text.strip())
    if _CONTROL.search(text) or ("\n" in text and column != "notes"):
        errors.append(_err(number, column, "control_character", _("Contains control characters.")))
    limit = COLUMNS[column][1]
    if len(text) > limit:
        errors.append(
            _err(number, column, "too_long", _("Longer than %(n)d characters.") % {"n": limit})
        )
    return text


def _parse_row(
    number: int, cells: list[str], mapping: dict[int, str], errors: list[RowError]
) -> EntryData | None:
    before = len(errors)
    values = _cells(number, cells, mapping, errors)
    full_name = values.get("full_name") or " ".join(
        part for part in (values.get("given_name", ""), values.get("family_name", "")) if part
    )
    if not full_name:
        errors.append(_err(number, "full_name", "required", _("The name is missing.")))
    if not any(unicodedata.category(ch).startswith("L") for ch in full_name) and full_name:
        errors.append(_err(number, "full_name", "no_letters", _("The name has no letters.")))
    year, month, day = _parse_date(number, values.get("date_of_birth", ""), errors)
    sex = _parse_sex(number, values.get("sex", ""), errors)
    if len(errors) > before:
        return None
    return EntryData(
        row_number=number,
        full_name=full_name[:300],
        script=detect_script(full_name),
        reference=values.get("reference", ""),
        other_names=values.get("other_names", ""),
        given_name=values.get("given_name", ""),
        family_name=values.get("family_name", ""),
        father_name=values.get("father_name", ""),
        date_of_birth_text=values.get("date_of_birth", ""),
        birth_year=year,
        birth_month=month,
        birth_day=day,
        place_of_birth=values.get("place_of_birth", ""),
        id_number=values.get("id_number", ""),
        sex=sex,
        notes=values.get("notes", ""),
    )


def _date_parts(text: str) -> tuple[int, int | None, int | None] | None:
    iso = _ISO.match(text)
    if iso:
        return int(iso[1]), _int(iso[2]), _int(iso[3])
    day_first = _DAY_FIRST.match(text)
    if day_first:
        if day_first[1] is None:
            return int(day_first[3]), int(day_first[2]), None
        return int(day_first[3]), int(day_first[2]), int(day_first[1])
    return None


def _int(text: str | None) -> int | None:
    return int(text) if text else None


def _parse_date(
    number: int, text: str, errors: list[RowError]
) -> tuple[int | None, int | None, int | None]:
    """Partial dates are normal (a year only, a year and month); impossible ones are refused
    rather than guessed, since a wrong date of birth makes a wrong match look right."""
    if not text:
        return None, None, None
    parts = _date_parts(unicodedata.normalize("NFKC", text))
    message = _("Not a date: use YYYY, YYYY-MM, YYYY-MM-DD or DD/MM/YYYY.")
    if parts is None:
        errors.append(_err(number, "date_of_birth", "invalid_date", message))
        return None, None, None
    year, month, day = parts
    try:
        if not 1850 <= year <= 2100:
            raise ValueError(year)
        birth_bounds(year, month, day)
    except ValueError:
        errors.append(_err(number, "date_of_birth", "invalid_date", _("This date does not exist.")))
        return None, None, None
    return year, month, day


def _parse_sex(number: int, text: str, errors: list[RowError]) -> str:
    if not text:
        return ""
    value = _SEX_VALUES.get(text.strip().casefold())
    if value is None:
        errors.append(
            _err(number, "sex", "invalid_sex", _("Unknown value: use female, male or other."))
        )
        return ""
    return value


def iter_errors(parsed: ParsedList) -> Iterator[str]:
    """The errors as one line each, for messages and API fields."""
    for error in parsed.errors:
        where = []
        if error.row is not None:
            where.append(_("row %(n)d") % {"n": error.row})
        if error.column:
            where.append(_("column %(c)s") % {"c": error.column})
        prefix = ", ".join(where)
        yield f"{prefix}: {error.message}" if prefix else error.message
