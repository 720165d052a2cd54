"""THE view of a person or remains case for a given user: every field they may see, nothing
else. The UI, the API, the exports and the search hits all render from these dicts, so an
intermediary-only field cannot leak through one door while another keeps it closed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.utils import timezone

from intermediary.access.policy import (
    PERSON_OBJECT_TYPE,
    REMAINS_OBJECT_TYPE,
    actor_of,
    disclosed_fields_many,
    visible_dossiers,
)
from intermediary.accounts.models import Organisation
from intermediary.registry.categories import categories
from intermediary.registry.dates import format_partial
from intermediary.registry.fields import (
    PERSON_INTERMEDIARY_ONLY,
    PERSON_PARTY_SAFE,
    REMAINS_INTERMEDIARY_ONLY,
    REMAINS_PARTY_SAFE,
)
from intermediary.registry.inputs import NAME_FIELDS
from intermediary.registry.models import Person, PersonName, RemainsCase

PERSON_ALL = frozenset((*PERSON_PARTY_SAFE, *PERSON_INTERMEDIARY_ONLY))
REMAINS_ALL = frozenset((*REMAINS_PARTY_SAFE, *REMAINS_INTERMEDIARY_ONLY))
# Keys rendered by a plain attribute read: every field of fields.py except those that need
# shaping below. Derived, not listed again, so the two lists cannot drift apart.
_SHAPED_PERSON_KEYS = frozenset(
    {"names", "date_of_birth", "holding_party", "party_of_origin", "timeline", "categories"}
)
_PLAIN_PERSON_FIELDS = tuple(
    key for key in (*PERSON_PARTY_SAFE, *PERSON_INTERMEDIARY_ONLY) if key not in _SHAPED_PERSON_KEYS
)
# A category is shown only when the fields it is computed from are visible too.
_CATEGORY_SOURCES = {
    "minor": {"date_of_birth"},
    "elderly": {"date_of_birth"},
    "woman": {"sex", "date_of_birth"},
    "military": {"affiliation", "legal_status"},
    "civilian": {"affiliation", "legal_status"},
    "wounded_sick": {"wounded", "sick"},
}


def org_ref(org: Organisation | None) -> dict[str, str] | None:
    if org is None:
        return None
    return {"id": str(org.public_id), "short_name": org.short_name, "name": org.name}


def person_keys(user: Any, persons: Sequence[Person]) -> dict[int, frozenset[str]]:
    """Which view keys the user may see, per person (one query for a whole page)."""
    actor = actor_of(user)
    if actor.is_intermediary_staff:
        return {p.pk: PERSON_ALL for p in persons}
    if not actor.is_party:
        return {p.pk: frozenset() for p in persons}
    dossier_ids = set(visible_dossiers(user).values_list("pk", flat=True))
    disclosed = disclosed_fields_many(user, PERSON_OBJECT_TYPE, [p.public_id for p in persons])
    keys: dict[int, frozenset[str]] = {}
    for person in persons:
        held = person.holding_party_id == actor.organisation_pk and person.dossier_id in dossier_ids
        keys[person.pk] = frozenset(PERSON_PARTY_SAFE) if held else disclosed[str(person.public_id)]
    return keys


def name_view(name: PersonName) -> dict[str, Any]:
    return {"id": str(name.public_id), **{field: getattr(name, field) for field in NAME_FIELDS}}


def _timeline(person: Person, with_authors: bool) -> list[dict[str, Any]]:
    events = []
    for event in person.custody_events.all():
        item: dict[str, Any] = {
            "id": str(event.public_id),
            "kind": event.kind,
            "date": event.date,
            "place": event.place,
            "source": event.source,
        }
        if with_authors:
            item["author"] = event.author.username if event.author else "system"
        events.append(item)
    return sorted(events, key=lambda e: e["date"])


def _categories(person: Person, keys: frozenset[str], reference: date) -> dict[str, bool | None]:
    computed = categories(person, reference).as_dict()
    return {k: v for k, v in computed.items() if _CATEGORY_SOURCES[k] <= keys}


def person_view(
    person: Person,
    keys: frozenset[str],
    *,
    reference: date | None = None,
    with_authors: bool = False,
) -> dict[str, Any]:
    """The dict of one person restricted to ``keys`` (from ``person_keys``)."""
    view: dict[str, Any] = {
        "id": str(person.public_id),
        "dossier": {"id": str(person.dossier.public_id), "reference": person.dossier.reference},
    }
    for key in _PLAIN_PERSON_FIELDS:
        if key in keys:
            view[key] = getattr(person, key)
    if "names" in keys:
        view["names"] = [name_view(n) for n in person.names.all()]
    if "date_of_birth" in keys:
        view["date_of_birth"] = format_partial(
            person.birth_year, person.birth_month, person.birth_day
        )
    if "holding_party" in keys:
        view["holding_party"] = org_ref(person.holding_party)
    if "party_of_origin" in keys:
        view["party_of_origin"] = org_ref(person.party_of_origin)
    if "timeline" in keys:
        view["timeline"] = _timeline(person, with_authors)
    if "categories" in keys:
        view["categories"] = _categories(person, keys, reference or timezone.localdate())
    return view


# What a search hit or a list row carries at most (the detail page shows the rest).
HIT_KEYS = frozenset(
    {
        "names",
        "date_of_birth",
        "sex",
        "nationality",
        "service_number",
        "id_document_number",
        "holding_party",
        "legal_status",
        "affiliation",
        "status",
        "categories",
    }
)


def person_views(
    user: Any,
    persons: Sequence[Person],
    *,
    reference: date | None = None,
    only: frozenset[str] | None = None,
) -> list[dict[str, Any]]:
    """Views of a page of persons (search hits, lists, exports); ``only`` narrows further."""
    keys = person_keys(user, persons)
    staff = actor_of(user).is_intermediary_staff
    return [
        person_view(
            p,
            keys[p.pk] & only if only is not None else keys[p.pk],
            reference=reference,
            with_authors=staff,
        )
        for p in persons
    ]


def primary_name(view: dict[str, Any]) -> str:
    """The display name of a person view ("" when names are not visible)."""
    names: Iterable[dict[str, Any]] = view.get("names", [])
    for name in names:
        if name["is_primary"]:
            return str(name["full_text"])
    return ""


# --- Remains -------------------------------------------------------------------------------------


def remains_keys(user: Any, case: RemainsCase) -> frozenset[str]:
    actor = actor_of(user)
    if actor.is_intermediary_staff:
        return REMAINS_ALL  # visible_remains_cases already kept out who may not see it
    if not actor.is_party:
        return frozenset()
    return disclosed_fields_many(user, REMAINS_OBJECT_TYPE, [case.public_id])[str(case.public_id)]


_PLAIN_REMAINS_FIELDS = (
    "case_number",
    "recovery_date",
    "recovery_place",
    "recovery_details",
    "storage_location",
    "identification_status",
    "identification_method",
    "identified_on",
    *REMAINS_INTERMEDIARY_ONLY,
)


def remains_view(case: RemainsCase, keys: frozenset[str]) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": str(case.public_id),
        "dossier": {"id": str(case.dossier.public_id), "reference": case.dossier.reference},
    }
    for key in _PLAIN_REMAINS_FIELDS:
        if key in keys:
            view[key] = getattr(case, key)
    if "holding_party" in keys:
        view["holding_party"] = org_ref(case.holding_party)
    if "person" in keys:
        view["person"] = str(case.person.public_id) if case.person else None
    if "custody_events" in keys:
        view["custody_events"] = [
            {
                "id": str(e.public_id),
                "kind": e.kind,
                "at": e.at,
                "place": e.place,
                "from_whom": e.from_whom,
                "to_whom": e.to_whom,
            }
            for e in case.custody_events.all()
        ]
    return view
