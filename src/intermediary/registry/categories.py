"""Derived categories, the ONE place they are defined: as Python functions for one person and
as ORM Q filters and annotations for many. UI, API, exports and figures all come here.

Never stored: "minor" depends on the reference date, and a typed-in flag would drift from
the date of birth it summarises. Unknown stays unknown: a person without a known date of birth
is neither a minor nor an adult.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

from django.db.models import BooleanField, Case, Model, Q, QuerySet, Value, When

from intermediary.registry.choices import Affiliation, Category, LegalStatus, Sex
from intermediary.registry.dates import years_before

MINOR_AGE = 18
ELDERLY_AGE = 60

M = TypeVar("M", bound=Model)


class PersonFacts(Protocol):
    """What the categories are computed from (a Person row, or an import row)."""

    birth_earliest: date | None
    birth_latest: date | None
    sex: str
    wounded: bool | None
    sick: bool | None
    affiliation: str
    legal_status: str


@dataclass(frozen=True)
class Categories:
    """One person's categories at a reference date; None means unknown."""

    minor: bool | None
    woman: bool | None
    elderly: bool | None
    wounded_sick: bool | None
    military: bool | None
    civilian: bool | None

    def as_dict(self) -> dict[str, bool | None]:
        return asdict(self)


def _at_least(earliest: date | None, latest: date | None, cutoff: date) -> bool | None:
    """Is someone born between earliest and latest at least as old as the cutoff says?"""
    if earliest is None or latest is None:
        return None
    if latest <= cutoff:
        return True
    if earliest > cutoff:
        return False
    return None


def is_minor(person: PersonFacts, reference: date) -> bool | None:
    adult = _at_least(
        person.birth_earliest, person.birth_latest, years_before(reference, MINOR_AGE)
    )
    return None if adult is None else not adult


def is_elderly(person: PersonFacts, reference: date) -> bool | None:
    return _at_least(
        person.birth_earliest, person.birth_latest, years_before(reference, ELDERLY_AGE)
    )


def is_woman(person: PersonFacts, reference: date) -> bool | None:
    """A female who is not known to be a minor (girls are counted among minors)."""
    if not person.sex:
        return None
    return person.sex == Sex.FEMALE and is_minor(person, reference) is not True


def is_wounded_sick(person: PersonFacts) -> bool | None:
    if person.wounded or person.sick:
        return True
    if person.wounded is False and person.sick is False:
        return False
    return None


def is_military(person: PersonFacts) -> bool | None:
    if person.affiliation:
        return person.affiliation == Affiliation.MILITARY
    if person.legal_status == LegalStatus.PRISONER_OF_WAR:
        return True
    return None


def is_civilian(person: PersonFacts) -> bool | None:
    if person.affiliation:
        return person.affiliation == Affiliation.CIVILIAN
    if person.legal_status == LegalStatus.CIVILIAN_INTERNEE:
        return True
    return None


def categories(person: PersonFacts, reference: date) -> Categories:
    """Every category of one person at ``reference``."""
    return Categories(
        minor=is_minor(person, reference),
        woman=is_woman(person, reference),
        elderly=is_elderly(person, reference),
        wounded_sick=is_wounded_sick(person),
        military=is_military(person),
        civilian=is_civilian(person),
    )


# --- The same rules for the database -----------------------------------------------------------


def minor_q(reference: date) -> Q:
    return Q(birth_earliest__gt=years_before(reference, MINOR_AGE))


def adult_q(reference: date) -> Q:
    return Q(birth_latest__lte=years_before(reference, MINOR_AGE))


def age_unknown_q(reference: date) -> Q:
    return ~minor_q(reference) & ~adult_q(reference)


def elderly_q(reference: date) -> Q:
    return Q(birth_latest__lte=years_before(reference, ELDERLY_AGE))


def woman_q(reference: date) -> Q:
    # ~Q on a nullable column: Django keeps NULL birth dates (age unknown) on the woman side.
    return Q(sex=Sex.FEMALE) & ~minor_q(reference)


def wounded_sick_q() -> Q:
    return Q(wounded=True) | Q(sick=True)


def military_q() -> Q:
    return Q(affiliation=Affiliation.MILITARY) | Q(
        affiliation="", legal_status=LegalStatus.PRISONER_OF_WAR
    )


def civilian_q() -> Q:
    return Q(affiliation=Affiliation.CIVILIAN) | Q(
        affiliation="", legal_status=LegalStatus.CIVILIAN_INTERNEE
    )


def category_q(category: str, reference: date) -> Q:
    """The Q filter of one Category value (ValueError for an unknown one)."""
    builders: dict[Category, Callable[[], Q]] = {
        Category.MINOR: lambda: minor_q(reference),
        Category.WOMAN: lambda: woman_q(reference),
        Category.ELDERLY: lambda: elderly_q(reference),
        Category.WOUNDED_SICK: wounded_sick_q,
        Category.MILITARY: military_q,
        Category.CIVILIAN: civilian_q,
        Category.AGE_UNKNOWN: lambda: age_unknown_q(reference),
    }
    try:
        return builders[Category(category)]()
    except ValueError as exc:
        raise ValueError(f"unknown category {category!r}") from exc


def _tri(true: Q, false: Q) -> Case:
    """True, False, or NULL for unknown, like the Python functions."""
    field: BooleanField[Any, Any] = BooleanField(null=True)
    return Case(
        When(true, then=Value(True)),
        When(false, then=Value(False)),
        default=Value(None),
        output_field=field,
    )


def annotate_categories(qs: QuerySet[M], reference: date) -> QuerySet[M]:
    """Add ``cat_<name>`` (True, False or None) for every category, computed in SQL."""
    cutoff60 = years_before(reference, ELDERLY_AGE)
    annotated: QuerySet[M] = qs.annotate(
        cat_minor=_tri(minor_q(reference), adult_q(reference)),
        cat_woman=_tri(woman_q(reference), ~Q(sex="") & ~woman_q(reference)),
        cat_elderly=_tri(elderly_q(reference), Q(birth_earliest__gt=cutoff60)),
        cat_wounded_sick=_tri(wounded_sick_q(), Q(wounded=False, sick=False)),
        cat_military=_tri(military_q(), ~Q(affiliation="")),
        cat_civilian=_tri(civilian_q(), ~Q(affiliation="")),
    )
    return annotated
