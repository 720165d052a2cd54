"""Reads of the registry, always scoped by the acting user through the access module:
person search and detail, remains cases, and THE figures (dashboard, API and CSV use them)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediary.access.policy import (
    PERSON_OBJECT_TYPE,
    actor_of,
    disclosed_object_ids_with,
    get_visible_or_404,
    visible_persons,
    visible_remains_cases,
)
from intermediary.accounts.models import Organisation
from intermediary.core.errors import field_error
from intermediary.dossiers.models import Dossier
from intermediary.registry import categories as cat
from intermediary.registry.choices import Category, PersonStatus
from intermediary.registry.models import CustodyEvent, Person, PersonName, RemainsCase
from intermediary.registry.names import query_tokens
from intermediary.registry.presenters import person_keys
from intermediary.registry.timeline import STATUS_BY_KIND, STATUS_CHANGING_KINDS

PER_PAGE = 50
_DOB = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


# --- Search ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonQuery:
    """What a search may ask; every part optional and combined with AND."""

    name: str = ""
    dob: str = ""  # YYYY, YYYY-MM or YYYY-MM-DD
    id_number: str = ""
    holding_party: uuid.UUID | None = None
    status: str = ""
    category: str = ""
    reference: date | None = None  # for the category; today when not given
    dossier: uuid.UUID | None = None

    def needed_fields(self) -> set[str]:
        """The person-view fields a filter reads (a party may only filter on what it sees)."""
        needed: set[str] = set()
        if self.name.strip():
            needed.add("names")
        if self.dob.strip():
            needed.add("date_of_birth")
        if self.id_number.strip():
            needed |= {"service_number", "id_document_number"}
        if self.holding_party:
            needed.add("holding_party")
        if self.status:
            needed.add("status")
        if self.category:
            needed |= CATEGORY_NEEDS.get(self.category, {"__never__"})
        return needed


# Fields a category is computed from: filtering by it reveals them. Health is never a party's.
CATEGORY_NEEDS: dict[str, set[str]] = {
    Category.MINOR: {"date_of_birth"},
    Category.ELDERLY: {"date_of_birth"},
    Category.AGE_UNKNOWN: {"date_of_birth"},
    Category.WOMAN: {"sex", "date_of_birth"},
    Category.MILITARY: {"affiliation", "legal_status"},
    Category.CIVILIAN: {"affiliation", "legal_status"},
    Category.WOUNDED_SICK: {"wounded", "sick"},
}


@dataclass(frozen=True)
class PersonPage:
    items: list[Person]
    page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _search_scope(user: Any, query: PersonQuery) -> QuerySet[Person]:
    """Visible persons a query may look at: for a party, the persons it holds plus those
    disclosed to it with every field the query filters on."""
    if not actor_of(user).is_party:
        return visible_persons(user)
    held = visible_persons(user, whole_records=True)
    disclosed = disclosed_object_ids_with(user, PERSON_OBJECT_TYPE, query.needed_fields())
    if not disclosed:
        return held
    return held | visible_persons(user).filter(public_id__in=disclosed)


def _name_filter(name: str) -> Q:
    tokens = query_tokens(name)
    if not tokens:
        return Q()
    names = PersonName.objects.filter(person=OuterRef("pk"))
    for token in tokens:
        names = names.filter(search_key__contains=token)
    return Q(Exists(names))


def _dob_filter(dob: str) -> Q:
    match = _DOB.match(dob.strip())
    if not match:
        raise field_error("dob", _("Give a date of birth as YYYY, YYYY-MM or YYYY-MM-DD."))
    parts = [int(p) for p in match.groups() if p is not None]
    keys = ("birth_year", "birth_month", "birth_day")
    return Q(**dict(zip(keys, parts, strict=False)))


def _filters(query: PersonQuery) -> Q:
    q = Q()
    if query.name.strip():
        q &= _name_filter(query.name)
    if query.dob.strip():
        q &= _dob_filter(query.dob)
    if query.id_number.strip():
        number = query.id_number.strip()
        q &= Q(service_number=number) | Q(id_document_number=number)
    if query.holding_party:
        org = Organisation.objects.filter(public_id=query.holding_party).first()
        q &= Q(holding_party_id=org.pk if org else -1)
    if query.status:
        if query.status not in PersonStatus.values:
            raise field_error("status", _("Unknown status."))
        q &= Q(status=query.status)
    if query.category:
        if query.category not in Category.values:
            raise field_error("category", _("Unknown category."))
        q &= cat.category_q(query.category, query.reference or timezone.localdate())
    if query.dossier:
        q &= Q(dossier__public_id=query.dossier)
    return q


def person_search(
    *, user: Any, query: PersonQuery, page: int = 1, per_page: int = PER_PAGE
) -> PersonPage:
    """One page of the visible persons matching ``query``, in registration order.

    No total count: counting a broad match over a million rows costs more than the page; the
    page asks for one row more to know whether a next page exists.
    """
    page = max(page, 1)
    qs = _search_scope(user, query).filter(_filters(query)).order_by("pk")
    start = (page - 1) * per_page
    page_qs = qs.select_related("holding_party", "dossier").prefetch_related("names")
    rows = list(page_qs[start : start + per_page + 1])
    return PersonPage(items=rows[:per_page], page=page, has_next=len(rows) > per_page)


def person_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> Person:
    """One visible person or 404 (same as missing; the denial is logged)."""
    return get_visible_or_404(
        user,
        visible_persons(user).select_related("holding_party", "party_of_origin", "dossier"),
        object_type=PERSON_OBJECT_TYPE,
        path=path,
        public_id=public_id,
    )


def person_name_get(
    *, user: Any, person: Person, public_id: uuid.UUID | str, path: str = ""
) -> PersonName:
    """One name of a person (from ``person_get``) whose names the user sees, or 404 (logged)."""
    seen = "names" in person_keys(user, [person])[person.pk]
    names = person.names.all() if seen else PersonName.objects.none()
    return get_visible_or_404(
        user,
        names.select_related("person__dossier"),
        object_type="registry.personname",
        path=path,
        public_id=public_id,
    )


def remains_list(*, user: Any, dossier: uuid.UUID | None = None) -> QuerySet[RemainsCase]:
    qs = visible_remains_cases(user).select_related("dossier", "holding_party", "person")
    if dossier:
        qs = qs.filter(dossier__public_id=dossier)
    return qs.order_by("case_number")


def remains_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> RemainsCase:
    return get_visible_or_404(
        user,
        visible_remains_cases(user).select_related("dossier", "holding_party", "person"),
        object_type="registry.remainscase",
        path=path,
        public_id=public_id,
    )


# --- Figures -----------------------------------------------------------------------------------


def figure_categories(user: Any) -> list[str]:
    """Categories the user may see counted: wounded/sick comes from health data, which is
    the intermediary's alone."""
    keep = [c.value for c in Category]
    if not actor_of(user).is_intermediary_staff:
        keep.remove(Category.WOUNDED_SICK)
    return keep


@dataclass(frozen=True)
class FigureRow:
    holding_party: str  # short name, "" when the holding party is unknown
    holding_party_id: str
    status: str
    total: int
    counts: dict[str, int]


@dataclass(frozen=True)
class Figures:
    """Counts per holding party x status x category at a reference date."""

    reference_date: date
    categories: list[str]
    rows: list[FigureRow] = field(default_factory=list)

    def party_totals(self, statuses: Sequence[str]) -> dict[str, dict[str, int]]:
        """Per holding party: total and per-category counts over the given statuses."""
        out: dict[str, dict[str, int]] = {}
        for row in self.rows:
            if row.status not in statuses:
                continue
            party = out.setdefault(row.holding_party, dict.fromkeys(["total", *self.categories], 0))
            party["total"] += row.total
            for key in self.categories:
                party[key] += row.counts[key]
        return out


def _status_at(reference: date) -> Subquery:
    """The kind of the last status-changing custody event on or before ``reference``."""
    last = (
        CustodyEvent.objects.filter(
            person=OuterRef("pk"), date__lte=reference, kind__in=STATUS_CHANGING_KINDS
        )
        .order_by("-date", "-seq")
        .values("kind")[:1]
    )
    return Subquery(last)


def figures(*, user: Any, reference_date: date, dossier: Dossier | None = None) -> Figures:
    """THE figures. Every place that shows counts calls this, so they cannot disagree.

    Status is the status at the reference date, derived from the timeline in SQL with the
    same table as ``timeline.current_status``. Parties count only the persons they hold:
    counting disclosed persons by sex or age would reveal fields that were not disclosed.
    """
    keys = figure_categories(user)
    qs = visible_persons(user, whole_records=True)
    if dossier is not None:
        qs = qs.filter(dossier=dossier)
    aggregates = {
        f"n_{key}": Count("pk", filter=cat.category_q(key, reference_date)) for key in keys
    }
    grouped = (
        qs.annotate(last_kind=_status_at(reference_date))
        .values("holding_party__short_name", "holding_party__public_id", "last_kind")
        .annotate(total=Count("pk"), **aggregates)
        .order_by()
    )
    merged: dict[tuple[str, str, str], dict[str, int]] = {}
    for row in grouped:
        status = STATUS_BY_KIND.get(row["last_kind"], PersonStatus.UNKNOWN).value
        party_id = str(row["holding_party__public_id"] or "")
        slot = (row["holding_party__short_name"] or "", party_id, status)
        acc = merged.setdefault(slot, dict.fromkeys(["total", *keys], 0))
        acc["total"] += row["total"]
        for key in keys:
            acc[key] += row[f"n_{key}"]
    order = {s: i for i, s in enumerate(PersonStatus.values)}
    rows = [
        FigureRow(
            holding_party=party,
            holding_party_id=party_id,
            status=status,
            total=acc["total"],
            counts={k: acc[k] for k in keys},
        )
        for (party, party_id, status), acc in sorted(
            merged.items(), key=lambda item: (item[0][0], order[item[0][2]])
        )
    ]
    return Figures(reference_date=reference_date, categories=keys, rows=rows)


def parse_reference_date(value: str | None) -> date:
    """A reference date from a query string: today when absent; refused when malformed."""
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError({"date": [_("Give the reference date as YYYY-MM-DD.")]}) from exc


def visible_persons_in(user: Any, dossier: Dossier) -> QuerySet[Person]:
    """Visible persons of one dossier (choosing whom remains are identified as)."""
    return visible_persons(user).filter(dossier=dossier)
