"""Partial dates of birth and the birthday arithmetic every derived category relies on."""

from __future__ import annotations

import calendar
from datetime import date


def birth_bounds(
    year: int | None, month: int | None, day: int | None
) -> tuple[date | None, date | None]:
    """The earliest and latest possible date of birth for a partial date (None when the year
    is unknown). Raises ValueError for a date that does not exist (30 February).

    Why bounds: "born 1990" is certainly an adult today and certainly not elderly; storing the
    interval lets the database answer "minor at date D" as True, False or unknown.
    """
    if year is None:
        return None, None
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    if day is None:
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    exact = date(year, month, day)
    return exact, exact


def years_before(reference: date, years: int) -> date:
    """The latest date of birth of someone who is at least ``years`` old on ``reference``.

    Birthday rule: a person born on 29 February has their birthday on 1 March in common
    years (so turns 18 on 1 March). Hence on a reference date of 29 February the cut-off is
    28 February of the birth year (someone born on 29 February of a common year cannot be).
    """
    year = reference.year - years
    if reference.month == 2 and reference.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, reference.month, reference.day)


def birthday(born: date, years: int) -> date:
    """The date on which someone born on ``born`` reaches ``years`` (29 Feb -> 1 Mar)."""
    year = born.year + years
    if born.month == 2 and born.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return date(year, born.month, born.day)


def format_partial(year: int | None, month: int | None, day: int | None) -> str:
    """ISO-like display of a partial date: 1990, 1990-04, 1990-04-17; empty when unknown."""
    if year is None:
        return ""
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"
