"""Row-by-row validation of an import: every problem with its row and column, and for a good
row the PersonInput the registry service takes.

A Validator keeps only what duplicate detection needs (a 16-byte digest per row and the ids
seen), so checking 100,000 rows needs a few megabytes, not the rows themselves.
"""

from __future__ import annotations

import difflib
import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from intermediary.imports.columns import (
    COLUMN_BY_KEY,
    NAME_COLUMNS,
    NAME_PART_ORDER,
    CellError,
    Column,
    Kind,
    check_characters,
    check_length,
    check_script,
    column_letter,
    letter_scripts,
    parse_boolean,
    parse_choice,
    parse_date,
    parse_identifier,
    parse_partial_date,
)
from intermediary.imports.problems import RowError
from intermediary.registry.inputs import NameInput, PersonInput

if TYPE_CHECKING:
    from intermediary.accounts.models import Organisation

HEADER_ROW = 1


@dataclass(frozen=True)
class Context:
    """What validation needs to know beyond the file: the dossier's parties and today."""

    dossier_reference: str
    organisations: dict[str, Organisation]  # casefolded short name -> organisation
    dossier_party_ids: frozenset[int]
    today: date
    source: str  # recorded on every person and name: which file it came from


@dataclass
class _Row:
    """The parsed cells of one row, before they become a PersonInput."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    names: list[tuple[int, NameInput]] = field(default_factory=list)
    parts: dict[str, tuple[int, str]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def fail(self, column: str | None, code: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, code, message))


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def read_header(header: list[str]) -> tuple[list[Column | None], list[RowError]]:
    """Map each header cell to its column; unknown, empty and repeated headers are errors
    (a column silently dropped is data silently lost)."""
    columns: list[Column | None] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for index, raw in enumerate(header):
        key = raw.strip().casefold()
        column = COLUMN_BY_KEY.get(key)
        columns.append(column)
        if not key:
            letter = column_letter(index)
            errors.append(
                RowError(
                    HEADER_ROW,
                    letter,
                    "empty_header",
                    _("Column %(c)s has no header.") % {"c": letter},
                )
            )
        elif column is None:
            errors.append(RowError(HEADER_ROW, raw, "unknown_column", _unknown_column_message(raw)))
        elif key in seen:
            errors.append(
                RowError(HEADER_ROW, raw, "duplicate_column", _("This column appears twice."))
            )
        seen.add(key)
    if not any(c is not None and c.key in NAME_COLUMNS for c in columns):
        errors.append(
            RowError(
                HEADER_ROW,
                None,
                "missing_column",
                _("The file needs at least one name column (%(cols)s).")
                % {"cols": ", ".join(NAME_COLUMNS)},
            )
        )
    return columns, errors


def _unknown_column_message(raw: str) -> str:
    close = difflib.get_close_matches(raw.strip().casefold(), COLUMN_BY_KEY, n=1)
    if close:
        return _("Unknown column; did you mean %(c)s?") % {"c": close[0]}
    return _("Unknown column; see the documented column names.")


class Validator:
    """Checks rows one at a time and remembers what duplicate detection needs."""

    def __init__(self, header: list[str], context: Context) -> None:
        self.columns, self.header_errors = read_header(header)
        self.context = context
        self.has_names = not any(e.code == "missing_column" for e in self.header_errors)
        self._first_name_column = next(
            (c.key for c in self.columns if c is not None and c.key in NAME_COLUMNS), ""
        )
        self._rows: dict[bytes, int] = {}
        self._ids: dict[tuple[str, str], int] = {}

    def check(self, number: int, cells: list[str]) -> tuple[PersonInput | None, list[RowError]]:
        """Validate one row: (the person to create, []) or (None, every problem found)."""
        row = _Row(number)
        cells = [_nfc(c) for c in cells]
        for index, text in enumerate(cells):
            self._cell(row, index, text)
        self._assemble_names(row)
        self._cross_checks(row)
        self._duplicates(row, cells)
        if row.errors:
            return None, row.errors
        return self._person(row), []

    # --- cells ---------------------------------------------------------------------------------

    def _cell(self, row: _Row, index: int, text: str) -> None:
        if not text:
            return
        if index >= len(self.columns):
            letter = column_letter(index)
            row.fail(
                letter,
                "extra_cell",
                _("Value in column %(c)s, which has no header.") % {"c": letter},
            )
            return
        column = self.columns[index]
        if column is None:
            return  # reported once, in the header
        try:
            check_characters(text)
            check_length(text, column.max_length)
            self._parse(row, index, column, text)
        except CellError as exc:
            row.fail(column.key, exc.code, exc.message)

    def _parse(self, row: _Row, index: int, column: Column, text: str) -> None:
        today = self.context.today
        if column.kind is Kind.NAME:
            check_script(text, column.script)
            row.names.append((index, NameInput(full_text=text, script=column.script)))
        elif column.kind is Kind.NAME_PART:
            row.parts[column.key] = (index, text)
        elif column.kind is Kind.PARTIAL_DATE:
            row.values[column.target] = parse_partial_date(text, today)
        elif column.kind is Kind.DATE:
            row.values[column.target] = parse_date(text, today)
        elif column.kind is Kind.CHOICE:
            row.values[column.target] = parse_choice(column, text)
        elif column.kind is Kind.PARTY:
            row.values[column.target] = self._party(text)
        elif column.kind is Kind.IDENTIFIER:
            row.values[column.target] = parse_identifier(text)
        elif column.kind is Kind.BOOLEAN:
            row.values[column.target] = parse_boolean(text)
        else:
            row.values[column.target] = text

    def _party(self, text: str) -> Organisation:
        org = self.context.organisations.get(text.casefold())
        if org is None:
            raise CellError(
                "unknown_party",
                _("No organisation has the short name %(value)s.") % {"value": repr(text)},
            )
        if org.pk not in self.context.dossier_party_ids:
            raise CellError(
                "party_not_in_dossier",
                _("%(party)s is not a party to dossier %(ref)s.")
                % {"party": org.short_name, "ref": self.context.dossier_reference},
            )
        return org

    # --- the row as a whole ----------------------------------------------------------------------

    def _assemble_names(self, row: _Row) -> None:
        """The parts make one more name (script detected); the leftmost name is primary."""
        if row.parts:
            index = min(i for i, _t in row.parts.values())
            full = " ".join(row.parts[k][1] for k in NAME_PART_ORDER if k in row.parts)
            if len(letter_scripts(full)) > 1:
                first = min(row.parts, key=lambda k: row.parts[k][0])
                row.fail(first, "mixed_scripts", _("The name parts mix several scripts."))
            part = {k: text for k, (_i, text) in row.parts.items()}
            name = NameInput(
                full_text=full,
                given_name=part.get("given_name", ""),
                fathers_name=part.get("father_name", ""),
                grandfathers_name=part.get("grandfather_name", ""),
                family_name=part.get("family_name", ""),
            )
            row.names.append((index, name))
        row.names.sort(key=lambda item: item[0])
        if row.names:
            row.names[0][1].is_primary = True
        elif self.has_names and not any(e.column in NAME_COLUMNS for e in row.errors):
            row.fail(self._first_name_column, "required", _("Every person needs a name."))

    def _cross_checks(self, row: _Row) -> None:
        birth = row.values.get("birth")
        capture = row.values.get("capture_date")
        registered = row.values.get("registered_on")
        if (
            birth is not None
            and capture is not None
            and capture < date(birth[0], birth[1] or 1, birth[2] or 1)
        ):
            row.fail(
                "date_of_capture", "date_order", _("The capture date is before the date of birth.")
            )
        if capture is not None and registered is not None and registered < capture:
            row.fail(
                "registered_on",
                "date_order",
                _("The registration date is before the capture date."),
            )

    def _duplicates(self, row: _Row, cells: list[str]) -> None:
        """The same row twice, or the same identifier twice, is a list error to resolve before
        anything is written (which copy is right is a human's call)."""
        digest = hashlib.blake2b(
            "\x1f".join(cells).rstrip("\x1f").encode(), digest_size=16
        ).digest()
        first = self._rows.setdefault(digest, row.number)
        if first != row.number:
            row.fail(None, "duplicate_row", _("Repeats row %(row)d.") % {"row": first})
            return
        for column, key in self._id_keys(row):
            seen = self._ids.setdefault(key, row.number)
            if seen != row.number:
                row.fail(
                    column, "duplicate_value", _("Same value as in row %(row)d.") % {"row": seen}
                )

    @staticmethod
    def _id_keys(row: _Row) -> Iterable[tuple[str, tuple[str, str]]]:
        number = row.values.get("id_document_number")
        if number:
            kind = str(row.values.get("id_document_kind", "")).casefold()
            yield "id_number", (f"id:{kind}", number.casefold())
        service = row.values.get("service_number")
        if service:
            force = str(row.values.get("armed_force", "")).casefold()
            yield "service_number", (f"service:{force}", service.casefold())

    def _person(self, row: _Row) -> PersonInput:
        values = dict(row.values)
        birth = values.pop("birth", None)
        if birth is not None:
            values["birth_year"], values["birth_month"], values["birth_day"] = birth
        names = [name for _i, name in row.names]
        for name in names:
            name.source = self.context.source
        return PersonInput(names=names, source=self.context.source, **values)
