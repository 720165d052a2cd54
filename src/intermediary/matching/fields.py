"""Parsing of the non-name identity fields: partial dates of birth, sex, identity numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from intermediary.matching.normalise import clean_text, fold

_MIN_YEAR = 1850
_MAX_YEAR = 2100


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date of birth as far as it is known; any part may be missing."""

    year: int | None = None
    month: int | None = None
    day: int | None = None

    @property
    def is_empty(self) -> bool:
        return self.year is None and self.month is None and self.day is None


_EMPTY = PartialDate()
_DIGIT_GROUPS = re.compile(r"\d+")


def _valid_year(year: int) -> int | None:
    return year if _MIN_YEAR <= year <= _MAX_YEAR else None


def _build(year: int | None, month: int | None, day: int | None) -> PartialDate:
    """Keep what is plausible; a month above 12 with a day up to 12 is a swapped pair."""
    if month is not None and day is not None and month > 12 >= day:
        month, day = day, month
    month = month if month is not None and 1 <= month <= 12 else None
    day = day if day is not None and 1 <= day <= 31 else None
    year = _valid_year(year) if year is not None else None
    return PartialDate(year, month, day)


def _from_groups(groups: list[str]) -> PartialDate:
    if len(groups) == 1:
        return _from_compact(groups[0])
    numbers = [int(group) for group in groups[:3]]
    if len(groups[0]) == 4:  # ISO order: year, month, day
        numbers += [0] * (3 - len(numbers))
        year, month, day = numbers
        return _build(year, month or None, day or None)
    if len(groups) == 2:  # month/year
        return _build(numbers[1] if len(groups[1]) == 4 else None, numbers[0], None)
    day, month, year = numbers
    if len(groups[2]) == 2:
        return _build(None, month, day)
    return _build(year, month, day)


def _from_compact(digits: str) -> PartialDate:
    """YYYY, YYYYMM or YYYYMMDD (FEBRL writes dates as 19560409)."""
    if len(digits) == 4:
        return _build(int(digits), None, None)
    if len(digits) == 6:
        return _build(int(digits[:4]), int(digits[4:]), None)
    if len(digits) == 8:
        return _build(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    return _EMPTY


def parse_date(value: str | None) -> PartialDate:
    """Parse ISO (1990-04-03, 1990-04, 1990), day-first (03/04/1990, 3.4.1990) and compact
    (19900403) dates, in any digits; unknown parts (00, "?", "xx") become missing.

    Why day-first: it is the convention of the parties' administrations; a month-first date
    shows up as a day-month swap, which the comparison scores as a near match.
    """
    if not value:
        return _EMPTY
    text = value.strip() if value.isascii() and value.isprintable() else clean_text(value)
    if text.endswith(".0") and text[:-2].isdigit():  # spreadsheet numbers: 19900403.0
        text = text[:-2]
    groups = _DIGIT_GROUPS.findall(text)
    if not groups or len(groups) > 3:
        return _EMPTY
    return _from_groups(groups)


_SEX_WORDS = {
    "m": "m",
    "male": "m",
    "man": "m",
    "boy": "m",
    "h": "m",
    "homme": "m",
    "ذكر": "m",
    "زكر": "m",
    "זכר": "m",
    "м": "m",
    "муж": "m",
    "мужской": "m",
    "f": "f",
    "female": "f",
    "woman": "f",
    "girl": "f",
    "femme": "f",
    "w": "f",
    "انثي": "f",
    "انثى": "f",
    "נקבה": "f",
    "ж": "f",
    "жен": "f",
    "женский": "f",
}


def parse_sex(value: str | None) -> str | None:
    """'m', 'f' or None for anything else (unknown, other, blank)."""
    if not value:
        return None
    return _SEX_WORDS.get(fold(value))


_NOT_ALNUM = re.compile(r"[\W_]+")


def normalise_id_number(value: str | None) -> str | None:
    """Identity numbers compared on letters and digits only, upper case; blank gives None."""
    if not value:
        return None
    if value.isascii() and value.isprintable():  # the common case, without Unicode folding
        text = value.strip()
        if text.endswith(".0") and text[:-2].isdigit():
            text = text[:-2]
        return _NOT_ALNUM.sub("", text).upper() or None
    text = clean_text(value)
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    compact = _NOT_ALNUM.sub("", fold(text)).upper()
    return compact or None
