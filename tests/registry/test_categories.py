"""Derived categories at their boundaries, and the Python and SQL forms agreeing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intermediary.registry import categories as cat
from intermediary.registry.dates import birth_bounds, birthday, years_before
from tests.conftest import World


@dataclass
class Facts:
    birth_earliest: date | None = None
    birth_latest: date | None = None
    sex: str = ""
    wounded: bool | None = None
    sick: bool | None = None
    affiliation: str = ""
    legal_status: str = ""


def born(year: int | None, month: int | None = None, day: int | None = None, **kw: object) -> Facts:
    earliest, latest = birth_bounds(year, month, day)
    return Facts(birth_earliest=earliest, birth_latest=latest, **kw)  # type: ignore[arg-type]


def test_eighteenth_birthday_is_the_first_adult_day() -> None:
    person = born(2006, 5, 17)
    assert cat.is_minor(person, date(2024, 5, 16)) is True
    assert cat.is_minor(person, date(2024, 5, 17)) is False


def test_born_on_29_february_turns_18_on_1_march_in_common_years() -> None:
    person = born(2008, 2, 29)
    assert cat.is_minor(person, date(2026, 2, 28)) is True
    assert cat.is_minor(person, date(2026, 3, 1)) is False


def test_leap_day_reference_date() -> None:
    """On 29 Feb 2024, someone born 28 Feb 2006 is 18, someone born 1 Mar 2006 is not."""
    assert cat.is_minor(born(2006, 2, 28), date(2024, 2, 29)) is False
    assert cat.is_minor(born(2006, 3, 1), date(2024, 2, 29)) is True


def test_born_on_29_february_in_a_leap_reference_year() -> None:
    assert cat.is_minor(born(2004, 2, 29), date(2022, 2, 28)) is True
    assert cat.is_minor(born(2004, 2, 29), date(2022, 3, 1)) is False
    assert cat.is_minor(born(2000, 2, 29), date(2018, 2, 28)) is True  # 2018 is common
    assert cat.is_elderly(born(1964, 2, 29), date(2024, 2, 29)) is True  # both leap years
    assert cat.is_elderly(born(1964, 2, 29), date(2024, 2, 28)) is False


def test_sixtieth_birthday() -> None:
    person = born(1964, 7, 1)
    assert cat.is_elderly(person, date(2024, 6, 30)) is False
    assert cat.is_elderly(person, date(2024, 7, 1)) is True


def test_unknown_date_of_birth_is_unknown_not_adult() -> None:
    person = born(None)
    reference = date(2024, 1, 1)
    assert cat.is_minor(person, reference) is None
    assert cat.is_elderly(person, reference) is None


def test_partial_dates_decide_only_when_every_possible_day_agrees() -> None:
    reference = date(2024, 6, 15)
    assert cat.is_minor(born(2006), reference) is None  # 17 or 18
    assert cat.is_minor(born(2005), reference) is False
    assert cat.is_minor(born(2007), reference) is True
    assert cat.is_minor(born(2006, 6), reference) is None
    assert cat.is_minor(born(2006, 7), reference) is True
    assert cat.is_minor(born(2006, 5), reference) is False


def test_woman_is_a_female_not_known_to_be_a_minor() -> None:
    reference = date(2024, 1, 1)
    assert cat.is_woman(born(1990, 1, 1, sex="female"), reference) is True
    assert cat.is_woman(born(2010, 1, 1, sex="female"), reference) is False  # a girl: minor
    assert cat.is_woman(born(None, sex="female"), reference) is True  # age unknown
    assert cat.is_woman(born(1990, 1, 1, sex="male"), reference) is False
    assert cat.is_woman(born(1990, 1, 1), reference) is None  # sex unknown


def test_military_and_civilian() -> None:
    assert cat.is_military(Facts(legal_status="prisoner_of_war")) is True
    assert cat.is_military(Facts(affiliation="civilian", legal_status="prisoner_of_war")) is False
    assert cat.is_civilian(Facts(legal_status="civilian_internee")) is True
    assert cat.is_civilian(Facts()) is None


def test_wounded_sick() -> None:
    assert cat.is_wounded_sick(Facts(wounded=True)) is True
    assert cat.is_wounded_sick(Facts(wounded=False, sick=False)) is False
    assert cat.is_wounded_sick(Facts(wounded=False)) is None


dates = st.dates(min_value=date(1904, 1, 1), max_value=date(2100, 12, 31))


@given(born_on=dates, reference=dates, years=st.sampled_from([18, 60]))
def test_cutoff_agrees_with_the_birthday_rule(born_on: date, reference: date, years: int) -> None:
    """``years_before`` (what SQL compares with) says the same as counting birthdays."""
    assert (born_on <= years_before(reference, years)) == (birthday(born_on, years) <= reference)


# --- SQL and Python agree ------------------------------------------------------------------------

Row = tuple[tuple[int | None, int | None, int], str, bool | None, bool | None, str, str]
partial = st.tuples(
    st.none() | st.integers(1930, 2023), st.none() | st.integers(1, 12), st.integers(1, 28)
)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            partial,
            st.sampled_from(["", "female", "male"]),
            st.sampled_from([None, True, False]),
            st.sampled_from([None, True, False]),
            st.sampled_from(["", "military", "civilian"]),
            st.sampled_from(["", "prisoner_of_war", "civilian_internee", "detainee"]),
        ),
        min_size=1,
        max_size=8,
    ),
    reference=st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
)
def test_sql_annotations_and_filters_equal_the_python_functions(
    rows: list[Row], reference: date, world: World
) -> None:
    from intermediary.registry.choices import Category
    from intermediary.registry.models import Person

    try:
        for (year, raw_month, raw_day), sex, wounded, sick, affiliation, legal in rows:
            month = raw_month if year else None
            day = raw_day if month else None
            earliest, latest = birth_bounds(year, month, day)
            Person.objects.create(
                dossier=world.dossier, birth_year=year, birth_month=month, birth_day=day,
                birth_earliest=earliest, birth_latest=latest, sex=sex, wounded=wounded,
                sick=sick, affiliation=affiliation, legal_status=legal,
            )  # fmt: skip
        for person in cat.annotate_categories(Person.objects.all(), reference):
            expected = cat.categories(person, reference).as_dict()
            got = {k: getattr(person, f"cat_{k}") for k in expected}
            assert got == expected
        for category in Category.values:
            in_sql = set(
                Person.objects.filter(cat.category_q(category, reference)).values_list(
                    "pk", flat=True
                )
            )
            in_python = {p.pk for p in Person.objects.all() if _py(category, p, reference)}
            assert in_sql == in_python, category
    finally:
        Person.objects.all().delete()  # examples share the test's transaction


def _py(category: str, person: object, reference: date) -> bool:
    if category == "age_unknown":
        return cat.is_minor(person, reference) is None  # type: ignore[arg-type]
    return cat.categories(person, reference).as_dict()[category] is True  # type: ignore[arg-type]


def test_reference_dates_move_minors_out() -> None:
    person = born(2006, 5, 17)
    day = date(2024, 5, 17)
    assert cat.is_minor(person, day - timedelta(days=1)) is True
    assert cat.is_minor(person, day) is False
