"""API: the registry (persons, names, custody timeline, remains cases) and its figures.

Same selectors, services and presenters as the pages: a party gets the same party-safe
fields here as on screen, and the same figures as on the dashboard and in the CSV.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from intermediary.access.policy import Perm, actor_of, require, require_or_404
from intermediary.accounts import selectors as account_selectors
from intermediary.accounts.models import Organisation
from intermediary.api.routers.accounts import ERRORS
from intermediary.api.schemas import input_schema
from intermediary.dossiers.selectors import dossier_get
from intermediary.registry import presenters, selectors, services
from intermediary.registry.inputs import PERSON_FIELDS, NameInput, PersonInput, RemainsInput
from intermediary.registry.models import Person, PersonName, RemainsCase

router = Router(tags=["registry"])

# Request bodies are derived from what the services take (registry/inputs.py and the services'
# keyword parameters), so a field is declared once. Organisations, dossiers and persons travel
# as public ids; mypy sees plain Schemas.
_PARTY_IDS = {"holding_party": uuid.UUID | None, "party_of_origin": uuid.UUID | None}
if TYPE_CHECKING:
    NameIn = Schema
    PersonFieldsIn = Schema
    PersonIn = Schema
    EventIn = Schema
    RemainsIn = Schema
    RemainsEventIn = Schema
    IdentifyIn = Schema
else:
    NameIn = input_schema("NameIn", NameInput)
    PersonFieldsIn = input_schema(
        "PersonFieldsIn", PersonInput, only=PERSON_FIELDS, types=_PARTY_IDS
    )
    PersonIn = input_schema(
        "PersonIn",
        PersonInput,
        base=PersonFieldsIn,
        extra={"dossier": (uuid.UUID, ...)},
        types={"names": (list[NameIn], ...)},
    )
    EventIn = input_schema("EventIn", services.custody_event_add, exclude=("actor", "person"))
    RemainsIn = input_schema(
        "RemainsIn",
        RemainsInput,
        extra={"dossier": (uuid.UUID, ...), "case_number": (str, "")},
        types={"holding_party": uuid.UUID | None},
    )
    RemainsEventIn = input_schema(
        "RemainsEventIn", services.remains_event_add, exclude=("actor", "case")
    )
    IdentifyIn = input_schema(
        "IdentifyIn",
        services.remains_identify,
        exclude=("actor", "case"),
        types={"person": uuid.UUID},
    )


class Ref(Schema):
    id: str
    reference: str


class OrgRef(Schema):
    id: str
    short_name: str
    name: str


class NameOut(Schema):
    id: str
    full_text: str
    script: str
    given_name: str
    fathers_name: str
    grandfathers_name: str
    family_name: str
    source: str
    is_primary: bool


class EventOut(Schema):
    id: str
    kind: str
    date: date
    place: str
    source: str
    author: str | None = None


class PersonOut(Schema):
    """Only the fields the caller may see are present; a missing key means not visible."""

    id: str
    dossier: Ref
    names: list[NameOut] | None = None
    date_of_birth: str | None = None
    place_of_birth: str | None = None
    nationality: str | None = None
    sex: str | None = None
    fathers_first_name: str | None = None
    mothers_maiden_name: str | None = None
    rank: str | None = None
    armed_force: str | None = None
    unit: str | None = None
    service_number: str | None = None
    id_document_kind: str | None = None
    id_document_number: str | None = None
    distinguishing_marks: str | None = None
    last_residence: str | None = None
    person_to_inform: str | None = None
    person_to_inform_address: str | None = None
    correspondence_address: str | None = None
    next_of_kin: str | None = None
    holding_party: OrgRef | None = None
    party_of_origin: OrgRef | None = None
    legal_status: str | None = None
    affiliation: str | None = None
    place_of_detention: str | None = None
    capture_date: date | None = None
    capture_place: str | None = None
    capture_circumstances: str | None = None
    source: str | None = None
    status: str | None = None
    timeline: list[EventOut] | None = None
    categories: dict[str, bool | None] | None = None
    wounded: bool | None = None
    sick: bool | None = None
    health_notes: str | None = None
    cause_of_death: str | None = None
    internal_notes: str | None = None


class PersonPageOut(Schema):
    page: int
    has_next: bool
    items: list[PersonOut]


class SearchParams(Schema):
    name: str = ""
    dob: str = ""
    id_number: str = ""
    holding_party: uuid.UUID | None = None
    status: str = ""
    category: str = ""
    reference_date: date | None = None
    dossier: uuid.UUID | None = None
    page: int = 1


def _person_out(request: HttpRequest, person: Person) -> dict[str, Any]:
    keys = presenters.person_keys(request.user, [person])[person.pk]
    staff = actor_of(request.user).is_intermediary_staff
    return presenters.person_view(person, keys, with_authors=staff)


@router.get(
    "/persons",
    response={200: PersonPageOut, **ERRORS},
    url_name="api-registry-persons",
    exclude_unset=True,
)
def person_search(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    require_or_404(request.user, Perm.REGISTRY_VIEW, path=request.path)
    data = params.dict()
    page_no = data.pop("page")
    reference = data.pop("reference_date")
    query = selectors.PersonQuery(**data, reference=reference)
    page = selectors.person_search(user=request.user, query=query, page=page_no)
    items = presenters.person_views(
        request.user, page.items, reference=query.reference, only=presenters.HIT_KEYS
    )
    return {"page": page.page, "has_next": page.has_next, "items": items}


def _org(request: HttpRequest, public_id: uuid.UUID | None) -> Organisation | None:
    if public_id is None:
        return None
    return account_selectors.organisation_get(
        user=request.user, public_id=public_id, path=request.path
    )


def _resolve_orgs(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    for key in ("holding_party", "party_of_origin"):
        if key in data:
            data[key] = _org(request, data[key])
    return data


@router.post(
    "/persons",
    response={201: PersonOut, **ERRORS},
    url_name="api-registry-person-create",
    exclude_unset=True,
)
def person_create(request: HttpRequest, payload: PersonIn) -> Status[dict[str, Any]]:
    data = payload.dict()
    dossier = dossier_get(user=request.user, public_id=data.pop("dossier"), path=request.path)
    require(request.user, Perm.REGISTRY_WRITE, dossier)
    names = [NameInput(**n) for n in data.pop("names")]
    data = _resolve_orgs(request, data)
    person = services.person_create(
        actor=request.user, dossier=dossier, data=PersonInput(names=names, **data)
    )
    return Status(201, _person_out(request, person))


@router.get(
    "/persons/{person_id}",
    response={200: PersonOut, **ERRORS},
    url_name="api-registry-person",
    exclude_unset=True,
)
def person_detail(request: HttpRequest, person_id: uuid.UUID) -> dict[str, Any]:
    person = selectors.person_get(user=request.user, public_id=person_id, path=request.path)
    return _person_out(request, person)


def _writable_person(request: HttpRequest, person_id: uuid.UUID) -> Person:
    person = selectors.person_get(user=request.user, public_id=person_id, path=request.path)
    require(request.user, Perm.REGISTRY_WRITE, person.dossier)
    return person


@router.patch(
    "/persons/{person_id}",
    response={200: PersonOut, **ERRORS},
    url_name="api-registry-person-update",
    exclude_unset=True,
)
def person_update(
    request: HttpRequest, person_id: uuid.UUID, payload: PersonFieldsIn
) -> dict[str, Any]:
    person = _writable_person(request, person_id)
    changes = _resolve_orgs(request, payload.dict(exclude_unset=True))
    updated = services.person_update(actor=request.user, person=person, changes=changes)
    return _person_out(
        request, selectors.person_get(user=request.user, public_id=updated.public_id)
    )


@router.post(
    "/persons/{person_id}/names",
    response={201: PersonOut, **ERRORS},
    url_name="api-registry-name-add",
    exclude_unset=True,
)
def name_add(request: HttpRequest, person_id: uuid.UUID, payload: NameIn) -> Status[dict[str, Any]]:
    person = _writable_person(request, person_id)
    services.name_add(actor=request.user, person=person, name=NameInput(**payload.dict()))
    return Status(201, _person_out(request, person))


def _writable_name(request: HttpRequest, person_id: uuid.UUID, name_id: uuid.UUID) -> PersonName:
    """A name of a person the user may write, as the pages check it: a party that sees the
    person gets 403, anyone else 404; a name of another person is 404."""
    person = _writable_person(request, person_id)
    return selectors.person_name_get(
        user=request.user, person=person, public_id=name_id, path=request.path
    )


@router.put(
    "/persons/{person_id}/names/{name_id}",
    response={200: PersonOut, **ERRORS},
    url_name="api-registry-name-update",
    exclude_unset=True,
)
def name_update(
    request: HttpRequest, person_id: uuid.UUID, name_id: uuid.UUID, payload: NameIn
) -> dict[str, Any]:
    """Replace every field of a name (omitted ones take their defaults, as when adding): a
    primary name stays primary only with ``is_primary: true``."""
    name = _writable_name(request, person_id, name_id)
    services.name_update(actor=request.user, name=name, data=NameInput(**payload.dict()))
    return _person_out(request, name.person)


@router.delete(
    "/persons/{person_id}/names/{name_id}",
    response={204: None, **ERRORS},
    url_name="api-registry-name-remove",
)
def name_remove(request: HttpRequest, person_id: uuid.UUID, name_id: uuid.UUID) -> Status[None]:
    """Remove a name recorded in error; the primary name is refused (422 on ``is_primary``)."""
    name = _writable_name(request, person_id, name_id)
    services.name_remove(actor=request.user, name=name)
    return Status(204, None)


@router.post(
    "/persons/{person_id}/events",
    response={201: PersonOut, **ERRORS},
    url_name="api-registry-custody-event-add",
    exclude_unset=True,
)
def custody_event_add(
    request: HttpRequest, person_id: uuid.UUID, payload: EventIn
) -> Status[dict[str, Any]]:
    person = _writable_person(request, person_id)
    services.custody_event_add(actor=request.user, person=person, **payload.dict())
    fresh = selectors.person_get(user=request.user, public_id=person.public_id)
    return Status(201, _person_out(request, fresh))


# --- Remains ------------------------------------------------------------------------------------


class RemainsEventOut(Schema):
    id: str
    kind: str
    at: datetime
    place: str
    from_whom: str
    to_whom: str


class RemainsOut(Schema):
    id: str
    dossier: Ref
    case_number: str | None = None
    holding_party: OrgRef | None = None
    recovery_date: date | None = None
    recovery_place: str | None = None
    recovery_details: str | None = None
    storage_location: str | None = None
    identification_status: str | None = None
    identification_method: str | None = None
    identified_on: date | None = None
    identified_by: str | None = None
    person: str | None = None
    custody_events: list[RemainsEventOut] | None = None
    internal_notes: str | None = None


def _remains_out(request: HttpRequest, case: RemainsCase) -> dict[str, Any]:
    return presenters.remains_view(case, presenters.remains_keys(request.user, case))


@router.get(
    "/remains",
    response={200: list[RemainsOut], **ERRORS},
    url_name="api-registry-remains",
    exclude_unset=True,
)
def remains_list(request: HttpRequest) -> list[dict[str, Any]]:
    require_or_404(request.user, Perm.REGISTRY_VIEW, path=request.path)
    return [_remains_out(request, c) for c in selectors.remains_list(user=request.user)]


@router.post(
    "/remains",
    response={201: RemainsOut, **ERRORS},
    url_name="api-registry-remains-create",
    exclude_unset=True,
)
def remains_create(request: HttpRequest, payload: RemainsIn) -> Status[dict[str, Any]]:
    data = payload.dict()
    dossier = dossier_get(user=request.user, public_id=data.pop("dossier"), path=request.path)
    require(request.user, Perm.REMAINS_WRITE, dossier)
    data = _resolve_orgs(request, data)
    case = services.remains_case_create(actor=request.user, dossier=dossier, **data)
    return Status(201, _remains_out(request, case))


@router.get(
    "/remains/{case_id}",
    response={200: RemainsOut, **ERRORS},
    url_name="api-registry-remains-case",
    exclude_unset=True,
)
def remains_detail(request: HttpRequest, case_id: uuid.UUID) -> dict[str, Any]:
    return _remains_out(
        request, selectors.remains_get(user=request.user, public_id=case_id, path=request.path)
    )


def _writable_case(request: HttpRequest, case_id: uuid.UUID) -> RemainsCase:
    case = selectors.remains_get(user=request.user, public_id=case_id, path=request.path)
    require(request.user, Perm.REMAINS_WRITE, case.dossier)
    return case


@router.post(
    "/remains/{case_id}/events",
    response={201: RemainsOut, **ERRORS},
    url_name="api-registry-remains-event-add",
    exclude_unset=True,
)
def remains_event_add(
    request: HttpRequest, case_id: uuid.UUID, payload: RemainsEventIn
) -> Status[dict[str, Any]]:
    case = _writable_case(request, case_id)
    services.remains_event_add(actor=request.user, case=case, **payload.dict())
    return Status(201, _remains_out(request, case))


@router.post(
    "/remains/{case_id}/identify",
    response={200: RemainsOut, **ERRORS},
    url_name="api-registry-remains-identify",
    exclude_unset=True,
)
def remains_identify(
    request: HttpRequest, case_id: uuid.UUID, payload: IdentifyIn
) -> dict[str, Any]:
    case = _writable_case(request, case_id)
    data = payload.dict()
    person = (
        selectors.visible_persons_in(request.user, case.dossier)
        .filter(public_id=data.pop("person"))
        .first()
    )
    updated = services.remains_identify(actor=request.user, case=case, person=person, **data)
    return _remains_out(request, updated)


# --- Figures ------------------------------------------------------------------------------------


class FigureRowOut(Schema):
    holding_party: str
    holding_party_id: str
    status: str
    total: int
    counts: dict[str, int]


class FiguresOut(Schema):
    reference_date: date
    categories: list[str]
    rows: list[FigureRowOut]


@router.get("/figures", response={200: FiguresOut, **ERRORS}, url_name="api-registry-figures")
def figures(
    request: HttpRequest, date: str | None = None, dossier: uuid.UUID | None = None
) -> selectors.Figures:
    require_or_404(request.user, Perm.REGISTRY_VIEW, path=request.path)
    reference = selectors.parse_reference_date(date)
    scope = (
        dossier_get(user=request.user, public_id=dossier, path=request.path) if dossier else None
    )
    return selectors.figures(user=request.user, reference_date=reference, dossier=scope)
