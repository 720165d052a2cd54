"""The documented column mapping (docs/imports.md): header -> person field or name part, and
how each cell is read. One table, so the docs, the validator and the exporter cannot drift."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.utils.translation import gettext as _

from intermediary.registry.choices import Affiliation, LegalStatus, Script, Sex


class Kind(StrEnum):
    """How a cell is parsed."""

    TEXT = "text"
    NAME = "name"  # a full name in one script
    NAME_PART = "name_part"  # a part of the structured name (given, father's, ...)
    PARTIAL_DATE = "partial_date"  # YYYY, YYYY-MM or YYYY-MM-DD
    DATE = "date"  # YYYY-MM-DD
    CHOICE = "choice"
    PARTY = "party"  # an organisation short name, party to the dossier
    IDENTIFIER = "identifier"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    """One accepted header. ``target`` is the PersonInput field (or NameInput part)."""

    key: str
    target: str
    kind: Kind
    max_length: int = 200
    script: str = ""  # for Kind.NAME: the script the column holds ("" = any, detected)
    choices: tuple[str, ...] = ()
    intermediary_only: bool = False


def _text(
    key: str, max_length: int = 200, target: str = "", *, intermediary_only: bool = False
) -> Column:
    return Column(key, target or key, Kind.TEXT, max_length, intermediary_only=intermediary_only)


COLUMNS: tuple[Column, ...] = (
    # Names: one full name per script column, or a structured name from its parts.
    Column("name_ar", "names", Kind.NAME, 300, script=Script.ARABIC),
    Column("name_he", "names", Kind.NAME, 300, script=Script.HEBREW),
    Column("name_cyrillic", "names", Kind.NAME, 300, script=Script.CYRILLIC),
    Column("name_latin", "names", Kind.NAME, 300, script=Script.LATIN),
    Column("name_other", "names", Kind.NAME, 300),
    Column("given_name", "given_name", Kind.NAME_PART),
    Column("father_name", "fathers_name", Kind.NAME_PART),
    Column("grandfather_name", "grandfathers_name", Kind.NAME_PART),
    Column("family_name", "family_name", Kind.NAME_PART),
    # Identity (Geneva III art. 17, IV art. 138, I art. 16).
    Column("date_of_birth", "birth", Kind.PARTIAL_DATE, 32),
    Column("sex", "sex", Kind.CHOICE, 16, choices=tuple(Sex.values)),
    _text("place_of_birth"),
    _text("nationality", 100),
    _text("fathers_first_name"),
    _text("mothers_maiden_name"),
    _text("distinguishing_marks", 2000),
    _text("last_residence"),
    _text("id_document_kind", 64),
    Column("id_number", "id_document_number", Kind.IDENTIFIER, 32),
    # Custody.
    Column("holding_party", "holding_party", Kind.PARTY, 32),
    Column("party_of_origin", "party_of_origin", Kind.PARTY, 32),
    Column("legal_status", "legal_status", Kind.CHOICE, 24, choices=tuple(LegalStatus.values)),
    Column("affiliation", "affiliation", Kind.CHOICE, 16, choices=tuple(Affiliation.values)),
    _text("rank"),
    _text("armed_force"),
    _text("unit"),
    Column("service_number", "service_number", Kind.IDENTIFIER, 32),
    _text("place_of_detention"),
    Column("date_of_capture", "capture_date", Kind.DATE, 32),
    _text("place_of_capture", target="capture_place"),
    _text("circumstances_of_capture", 2000, target="capture_circumstances"),
    Column("registered_on", "registered_on", Kind.DATE, 32),
    _text("registered_place"),
    # Family contact.
    _text("person_to_inform"),
    _text("person_to_inform_address", 2000),
    _text("correspondence_address", 2000),
    _text("next_of_kin", 2000),
    # Intermediary-only: accepted from the intermediary's own files, never exported to a party.
    Column("wounded", "wounded", Kind.BOOLEAN, 5, intermediary_only=True),
    Column("sick", "sick", Kind.BOOLEAN, 5, intermediary_only=True),
    _text("health_notes", 2000, intermediary_only=True),
    _text("cause_of_death", 2000, intermediary_only=True),
    _text("internal_notes", 2000, intermediary_only=True),
)
COLUMN_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
NAME_COLUMNS = tuple(c.key for c in COLUMNS if c.kind in (Kind.NAME, Kind.NAME_PART))
NAME_PART_ORDER = ("given_name", "father_name", "grandfather_name", "family_name")

# Short codes people type in lists, beside the documented values.
CHOICE_ALIASES: dict[str, dict[str, str]] = {
    "sex": {"f": Sex.FEMALE, "m": Sex.MALE},
    "legal_status": {"pow": LegalStatus.PRISONER_OF_WAR},
}
TRUE_WORDS = frozenset({"yes", "true", "1", "y"})
FALSE_WORDS = frozenset({"no", "false", "0", "n"})

# Identifiers: ASCII letters and digits in groups joined by one separator. Documented in
# docs/imports.md; a stray space, an Arabic comma or a unit suffix is a typing error to fix.
IDENTIFIER_RE = re.compile(r"[A-Za-z0-9]+(?:[-/. ][A-Za-z0-9]+)*")
IDENTIFIER_MIN = 2
PARTIAL_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
EARLIEST_YEAR = 1900

# Characters refused in any cell: C0/C1 controls (tab and line breaks included: a name has
# none), bidi embeddings/overrides/isolates (they make text display as something it is not),
# a stray BOM, and U+FFFD (the mark of an earlier failed conversion: data already lost).
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufffd]")


class CellError(ValueError):
    """A cell that cannot be read; ``code`` is stable, the message says what to type."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check_characters(text: str) -> None:
    """Refuse control and formatting characters, naming the first one found."""
    found = _FORBIDDEN.search(text)
    if found is not None:
        raise CellError(
            "control_character",
            _("Contains the invisible character U+%(code)04X at position %(pos)d.")
            % {"code": ord(found.group()), "pos": found.start() + 1},
        )


def check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise CellError(
            "too_long",
            _("Has %(n)d characters; at most %(max)d are allowed.")
            % {"n": len(text), "max": limit},
        )


@functools.lru_cache(maxsize=8192)
def _script_of(char: str) -> str:
    """A letter's script from its Unicode name ("ARABIC LETTER ALEF"); cached, since names use
    few distinct letters and a large file asks millions of times."""
    name = unicodedata.name(char, "")
    for script in (Script.ARABIC, Script.HEBREW, Script.CYRILLIC, Script.LATIN):
        if name.startswith(script.value.upper()):
            return script.value
    return Script.OTHER.value


def letter_scripts(text: str) -> set[str]:
    """Scripts of the letters in ``text`` (marks, digits and punctuation do not count)."""
    return {_script_of(c) for c in set(text) if c.isalpha()}


def check_script(text: str, script: str) -> None:
    """A name in the name_he column must be written in Hebrew letters, and so on: a mismatch
    means the columns were shifted, which would file every name under the wrong script."""
    if not script:
        return
    others = letter_scripts(text) - {script}
    if others:
        raise CellError(
            "wrong_script",
            _("Expected %(script)s letters only, found %(found)s letters.")
            % {"script": Script(script).label, "found": ", ".join(sorted(others))},
        )


def parse_choice(column: Column, text: str) -> str:
    value = text.casefold()
    value = CHOICE_ALIASES.get(column.key, {}).get(value, value)
    if value not in column.choices:
        raise CellError(
            "unknown_value",
            _("Unknown value %(value)s; use one of: %(allowed)s.")
            % {"value": repr(text), "allowed": ", ".join(column.choices)},
        )
    return value


def parse_boolean(text: str) -> bool:
    value = text.casefold()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise CellError(
        "unknown_value", _("Unknown value %(value)s; use yes or no.") % {"value": repr(text)}
    )


def parse_identifier(text: str) -> str:
    if len(text) < IDENTIFIER_MIN or not IDENTIFIER_RE.fullmatch(text):
        raise CellError(
            "invalid_identifier",
            _(
                "Malformed identifier %(value)s: use Latin letters and digits, in groups joined "
                "by one '-', '/', '.' or space (at least 2 characters)."
            )
            % {"value": repr(text)},
        )
    return text


def _real_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise CellError(
            "invalid_date",
            _("%(value)s is not a date that exists.")
            % {"value": f"{year:04d}-{month:02d}-{day:02d}"},
        ) from exc


def _not_future(earliest: date, today: date, text: str) -> None:
    if earliest > today:
        raise CellError("future_date", _("%(value)s lies in the future.") % {"value": text})
    if earliest.year < EARLIEST_YEAR:
        raise CellError(
            "invalid_date",
            _("%(value)s is before %(year)d.") % {"value": text, "year": EARLIEST_YEAR},
        )


def parse_partial_date(text: str, today: date) -> tuple[int, int | None, int | None]:
    """YYYY, YYYY-MM or YYYY-MM-DD: a date that exists and does not lie in the future."""
    match = PARTIAL_DATE_RE.fullmatch(text)
    if match is None:
        raise CellError(
            "invalid_date",
            _("%(value)s is not a date: write YYYY-MM-DD, YYYY-MM or YYYY.")
            % {"value": repr(text)},
        )
    year = int(match[1])
    month = int(match[2]) if match[2] else None
    day = int(match[3]) if match[3] else None
    if month is not None and not 1 <= month <= 12:
        raise CellError(
            "invalid_date", _("%(value)s has no month %(m)d.") % {"value": text, "m": month}
        )
    earliest = _real_date(year, month or 1, day or 1)
    _not_future(earliest, today, text)
    return year, month, day


def parse_date(text: str, today: date) -> date:
    """A full date, YYYY-MM-DD, that exists and does not lie in the future."""
    match = DATE_RE.fullmatch(text)
    if match is None:
        raise CellError(
            "invalid_date", _("%(value)s is not a date: write YYYY-MM-DD.") % {"value": repr(text)}
        )
    value = _real_date(int(match[1]), int(match[2]), int(match[3]))
    _not_future(value, today, text)
    return value


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
