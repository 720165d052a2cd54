"""Dates of birth, sex and identity numbers as lists write them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intermediary.matching.fields import PartialDate, normalise_id_number, parse_date, parse_sex


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1990-04-03", PartialDate(1990, 4, 3)),
        ("1990-04", PartialDate(1990, 4, None)),
        ("1990", PartialDate(1990, None, None)),
        ("03/04/1990", PartialDate(1990, 4, 3)),
        ("3.4.1990", PartialDate(1990, 4, 3)),
        ("19560409", PartialDate(1956, 4, 9)),
        ("١٩٩٠-٠٤-٠٣", PartialDate(1990, 4, 3)),
        ("04/13/1990", PartialDate(1990, 4, 13)),  # month-first spotted by the 13
        ("00/00/1990", PartialDate(1990, None, None)),
        ("xx/05/1985", PartialDate(1985, 5, None)),
        ("unknown", PartialDate()),
        ("", PartialDate()),
    ],
)
def test_parse_date(text: str, expected: PartialDate) -> None:
    assert parse_date(text) == expected


@given(st.text())
def test_parse_date_never_raises(text: str) -> None:
    date = parse_date(text)
    assert date.month is None or 1 <= date.month <= 12
    assert date.day is None or 1 <= date.day <= 31


@pytest.mark.parametrize(
    ("text", "expected"), [("F", "f"), ("male", "m"), ("ذكر", "m"), ("נקבה", "f"), ("?", None)]
)
def test_parse_sex(text: str, expected: str | None) -> None:
    assert parse_sex(text) == expected


def test_id_numbers_compare_on_letters_and_digits() -> None:
    assert normalise_id_number(" ab-12 34 ") == "AB1234"
    assert normalise_id_number("١٢٣") == "123"
    assert normalise_id_number(" - ") is None
