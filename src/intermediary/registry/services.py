"""Writes to the registry. Every one checks permission, validates, writes and audits in one
transaction; views, API, importer and demo all come through here.

Payloads may carry personal data: the audit chain stores only their hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediary.access.policy import (
    PERSON_OBJECT_TYPE,
    REMAINS_OBJECT_TYPE,
    Perm,
    require,
)
from intermediary.accounts.models import Organisation, User
from intermediary.audit.services import PendingEvent, audit_append, audit_append_many
from intermediary.core.errors import field_error
from intermediary.dossiers.models import Dossier
from intermediary.registry import names as name_rules
from intermediary.registry.choices import (
    CustodyEventKind,
    IdentificationStatus,
    RemainsEventKind,
)
from intermediary.registry.dates import birth_bounds
from intermediary.registry.inputs import PERSON_FIELDS, NameInput, PersonInput
from intermediary.registry.models import (
    CustodyEvent,
    Person,
    PersonName,
    RemainsCase,
    RemainsCustodyEvent,
)
from intermediary.registry.timeline import TimelineError, current_status, walk

NAME_FIELDS = (
    "full_text",
    "script",
    "given_name",
    "fathers_name",
    "grandfathers_name",
    "family_name",
    "source",
    "is_primary",
)


def _user_or_none(actor: Any) -> User | None:
    return actor if isinstance(actor, User) else None


def _audit(actor: Any, action: str, object_type: str, public_id: Any, payload: Any) -> None:
    audit_append(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(public_id),
        payload=payload,
    )


# --- Persons -----------------------------------------------------------------------------------


def _party_ids(dossier: Dossier) -> set[int]:
    return set(dossier.party_links.values_list("organisation_id", flat=True))


def _check_parties(
    party_ids: set[int], holding: Organisation | None, origin: Organisation | None
) -> None:
    """Holding party and party of origin must be parties to the person's dossier."""
    for field, org in (("holding_party", holding), ("party_of_origin", origin)):
        if org is not None and org.pk not in party_ids:
            raise field_error(field, _("%(o)s is not a party to this dossier.") % {"o": org})


def _apply_birth(person: Person) -> None:
    """Derive the birth bounds from the (partial) date of birth; refuse impossible dates."""
    try:
        person.birth_earliest, person.birth_latest = birth_bounds(
            person.birth_year, person.birth_month, person.birth_day
        )
    except ValueError as exc:
        raise field_error("birth_day", _("This date of birth does not exist.")) from exc
    if person.birth_earliest is not None and person.birth_earliest > timezone.localdate():
        raise field_error("birth_year", _("The date of birth lies in the future."))


def _build_person(dossier: Dossier, data: PersonInput, actor: Any) -> Person:
    person = Person(
        dossier=dossier,
        created_by=_user_or_none(actor),
        # Every new person gets a "registered" event: the status follows from it.
        status=current_status([CustodyEventKind.REGISTERED]),
        **data.model_fields(),
    )
    _apply_birth(person)
    return person


def _build_name(person: Person, name: NameInput) -> PersonName:
    text = name_rules.as_given(name.full_text)
    return PersonName(
        person=person,
        full_text=text,
        script=name.script or name_rules.detect_script(text),
        given_name=name_rules.as_given(name.given_name),
        fathers_name=name_rules.as_given(name.fathers_name),
        grandfathers_name=name_rules.as_given(name.grandfathers_name),
        family_name=name_rules.as_given(name.family_name),
        source=name.source,
        is_primary=name.is_primary,
        search_key=name_rules.search_key(text),
    )


def _primary_first(names: Sequence[NameInput]) -> list[NameInput]:
    """Exactly one primary name: the one marked, else the first given."""
    marked = [n for n in names if n.is_primary]
    chosen = marked[0] if marked else (names[0] if names else None)
    return [
        NameInput(**{**vars(n), "is_primary": n is chosen})  # copy: never mutate the input
        for n in names
    ]


def _registration(person: Person, data: PersonInput, actor: Any) -> CustodyEvent:
    return CustodyEvent(
        person=person,
        kind=CustodyEventKind.REGISTERED,
        date=data.registered_on or data.capture_date or timezone.localdate(),
        seq=1,
        place=data.registered_place or data.place_of_detention,
        source=data.source,
        author=_user_or_none(actor),
    )


def _person_payload(person: Person, names: Sequence[PersonName]) -> dict[str, Any]:
    payload = {f: getattr(person, f) for f in PERSON_FIELDS}
    payload["holding_party"] = person.holding_party.public_id if person.holding_party else None
    payload["party_of_origin"] = (
        person.party_of_origin.public_id if person.party_of_origin else None
    )
    payload["dossier"] = person.dossier.public_id
    payload["names"] = [n.full_text for n in names]
    return payload


@transaction.atomic
def persons_create_bulk(
    *, actor: Any, dossier: Dossier, persons: list[PersonInput], batch_size: int = 2000
) -> list[Person]:
    """Create many persons with their names and a "registered" event each, one audit event
    per person. For importers and the demo: the caller has validated every row already, so
    this only enforces what the models require (one primary name, dates that exist, parties
    of the dossier) and refuses the whole batch otherwise.
    """
    return _create_persons(
        actor=actor, dossier=dossier, persons=persons, batch_size=batch_size, clean=False
    )


def _create_persons(
    *, actor: Any, dossier: Dossier, persons: list[PersonInput], batch_size: int, clean: bool
) -> list[Person]:
    require(actor, Perm.REGISTRY_WRITE, dossier)
    party_ids = _party_ids(dossier)
    built: list[tuple[Person, PersonInput]] = []
    for data in persons:
        _check_parties(party_ids, data.holding_party, data.party_of_origin)
        person = _build_person(dossier, data, actor)
        if clean:
            _full_clean(person)
        built.append((person, data))
    Person.objects.bulk_create([p for p, _d in built], batch_size=batch_size)
    names: list[PersonName] = []
    events: list[CustodyEvent] = []
    for person, data in built:
        names.extend(_build_name(person, n) for n in _primary_first(data.names))
        events.append(_registration(person, data, actor))
    if clean:
        for name in names:
            name.full_clean(exclude=["person"], validate_constraints=False)
    PersonName.objects.bulk_create(names, batch_size=batch_size)
    CustodyEvent.objects.bulk_create(events, batch_size=batch_size)
    by_person: dict[int, list[PersonName]] = {}
    for name in names:
        by_person.setdefault(name.person_id, []).append(name)
    audit_append_many(
        actor=actor,
        events=[
            PendingEvent(
                action="person.create",
                object_type=PERSON_OBJECT_TYPE,
                object_id=str(p.public_id),
                payload=_person_payload(p, by_person.get(p.pk, [])),
            )
            for p, _d in built
        ],
        batch_size=batch_size,
    )
    return [p for p, _d in built]


@transaction.atomic
def person_create(*, actor: Any, dossier: Dossier, data: PersonInput) -> Person:
    """Register one person (from a form or the API): at least one name is required here,
    since a person entered by hand without any name cannot be told apart from another."""
    if not data.names or not any(n.full_text.strip() for n in data.names):
        raise field_error("names", _("Give at least one name."), "required")
    for index, name in enumerate(data.names):
        if not name.full_text.strip():
            raise field_error("names", _("Name %(n)d is empty.") % {"n": index + 1}, "required")
    people = _create_persons(actor=actor, dossier=dossier, persons=[data], batch_size=1, clean=True)
    return people[0]


def _full_clean(person: Person) -> None:
    person.full_clean(
        exclude=["dossier", "holding_party", "party_of_origin", "created_by"],
        validate_constraints=False,
    )


@transaction.atomic
def person_update(*, actor: Any, person: Person, changes: dict[str, Any]) -> Person:
    """Change identity fields of a person (not names, not the timeline: they have their own
    services). Unknown field names are refused rather than ignored."""
    require(actor, Perm.REGISTRY_WRITE, person.dossier)
    unknown = sorted(set(changes) - set(PERSON_FIELDS))
    if unknown:
        raise field_error("__all__", _("Unknown fields: %(f)s") % {"f": ", ".join(unknown)})
    locked = Person.objects.select_for_update().get(pk=person.pk)
    for key, value in changes.items():
        setattr(locked, key, value)
    _check_parties(_party_ids(locked.dossier), locked.holding_party, locked.party_of_origin)
    _apply_birth(locked)
    _full_clean(locked)
    fields = [*changes, "birth_earliest", "birth_latest", "updated_at"]
    locked.save(update_fields=sorted(set(fields)))
    _audit(
        actor,
        "person.update",
        PERSON_OBJECT_TYPE,
        locked.public_id,
        {k: _jsonable(v) for k, v in changes.items()},
    )
    return locked


def _jsonable(value: Any) -> Any:
    if isinstance(value, Organisation):
        return str(value.public_id)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


# --- Names -------------------------------------------------------------------------------------


def _validate_name(name: NameInput) -> None:
    if not name.full_text.strip():
        raise field_error("full_text", _("The name is empty."), "required")


@transaction.atomic
def name_add(*, actor: Any, person: Person, name: NameInput) -> PersonName:
    """Add a name as given; a new primary name demotes the previous one."""
    require(actor, Perm.REGISTRY_WRITE, person.dossier)
    _validate_name(name)
    row = _build_name(person, name)
    if name.is_primary or not person.names.exists():
        person.names.filter(is_primary=True).update(is_primary=False)
        row.is_primary = True
    row.full_clean(exclude=["person"])
    row.save()
    _audit(actor, "person.name_add", PERSON_OBJECT_TYPE, person.public_id, _name_payload(row))
    return row


@transaction.atomic
def name_update(*, actor: Any, name: PersonName, data: NameInput) -> PersonName:
    """Replace a name's text, script, parts or source. Making it primary demotes the other;
    a primary name cannot be demoted directly (promote another one instead)."""
    require(actor, Perm.REGISTRY_WRITE, name.person.dossier)
    _validate_name(data)
    if name.is_primary and not data.is_primary:
        raise field_error("is_primary", _("Make another name primary instead."), "state")
    fresh = _build_name(name.person, data)
    if data.is_primary and not name.is_primary:
        name.person.names.filter(is_primary=True).update(is_primary=False)
    for field in (*NAME_FIELDS, "search_key"):
        setattr(name, field, getattr(fresh, field))
    name.full_clean(exclude=["person"])
    name.save(update_fields=[*NAME_FIELDS, "search_key"])
    payload = {"name": str(name.public_id), **_name_payload(name)}
    _audit(actor, "person.name_update", PERSON_OBJECT_TYPE, name.person.public_id, payload)
    return name


def _name_payload(name: PersonName) -> dict[str, Any]:
    return {field: getattr(name, field) for field in NAME_FIELDS}


# --- Custody timeline --------------------------------------------------------------------------


def _check_timeline(kinds: list[str]) -> None:
    try:
        walk(kinds)
    except TimelineError as exc:
        raise field_error("kind", exc.message, "timeline") from exc


@transaction.atomic
def custody_event_add(
    *,
    actor: Any,
    person: Person,
    kind: str,
    date: date,
    place: str = "",
    source: str = "",
) -> CustodyEvent:
    """Add an event to a person's timeline, in date order (an event learnt late is placed
    where it happened). The whole timeline is re-checked; impossible ones are refused."""
    require(actor, Perm.REGISTRY_WRITE, person.dossier)
    if kind not in CustodyEventKind.values:
        raise field_error("kind", _("Unknown event."))
    if date > timezone.localdate():
        raise field_error("date", _("The date lies in the future."))
    locked = Person.objects.select_for_update().get(pk=person.pk)
    existing = list(locked.custody_events.order_by("date", "seq").values_list("kind", "date"))
    seq = (locked.custody_events.aggregate(m=Max("seq"))["m"] or 0) + 1
    # Same date: the new event goes after those already recorded for that day.
    position = sum(1 for _k, d in existing if d <= date)
    kinds = [k for k, _d in existing]
    kinds.insert(position, kind)
    _check_timeline(kinds)
    event = CustodyEvent(
        person=locked,
        kind=kind,
        date=date,
        seq=seq,
        place=place,
        source=source,
        author=_user_or_none(actor),
    )
    event.full_clean(exclude=["person", "author"])
    event.save()
    locked.status = current_status(kinds)
    locked.save(update_fields=["status", "updated_at"])
    _audit(
        actor,
        "person.custody_event_add",
        PERSON_OBJECT_TYPE,
        locked.public_id,
        {"event": str(event.public_id), "kind": kind, "date": date, "place": place},
    )
    return event


# --- Remains -----------------------------------------------------------------------------------


def _next_case_number(dossier: Dossier) -> str:
    prefix = f"HR-{dossier.reference}-"
    count = RemainsCase.objects.filter(case_number__startswith=prefix).count()
    return f"{prefix}{count + 1:04d}"


REMAINS_FIELDS = (
    "holding_party",
    "recovery_date",
    "recovery_place",
    "recovery_details",
    "storage_location",
    "internal_notes",
)


@transaction.atomic
def remains_case_create(
    *, actor: Any, dossier: Dossier, case_number: str = "", **values: Any
) -> RemainsCase:
    """Open a remains case under a coded number (generated when not given: HR-<dossier>-0001)."""
    require(actor, Perm.REMAINS_WRITE, dossier)
    unknown = sorted(set(values) - set(REMAINS_FIELDS))
    if unknown:
        raise field_error("__all__", _("Unknown fields: %(f)s") % {"f": ", ".join(unknown)})
    _check_parties(_party_ids(dossier), values.get("holding_party"), None)
    case = RemainsCase(
        dossier=dossier,
        case_number=case_number.strip() or _next_case_number(dossier),
        created_by=_user_or_none(actor),
        **values,
    )
    case.full_clean(exclude=["dossier", "holding_party", "person", "created_by"])
    case.save()
    payload = {k: _jsonable(v) for k, v in values.items()}
    _audit(actor, "remains.create", REMAINS_OBJECT_TYPE, case.public_id, payload)
    return case


@transaction.atomic
def remains_event_add(
    *,
    actor: Any,
    case: RemainsCase,
    kind: str,
    at: datetime,
    place: str = "",
    from_whom: str = "",
    to_whom: str = "",
) -> RemainsCustodyEvent:
    """Record one link of the chain of custody. After the handover the chain is closed."""
    require(actor, Perm.REMAINS_WRITE, case.dossier)
    if kind not in RemainsEventKind.values:
        raise field_error("kind", _("Unknown event."))
    if timezone.is_naive(at):
        raise field_error("at", _("Give the time with its time zone."))
    if at > timezone.now():
        raise field_error("at", _("The time lies in the future."))
    locked = RemainsCase.objects.select_for_update().get(pk=case.pk)
    chain = locked.custody_events.order_by("at", "seq")
    if chain.filter(kind=RemainsEventKind.HANDED_OVER).exists():
        raise field_error("kind", _("The remains were handed over: the chain is closed."), "state")
    last = chain.last()
    if last is not None and at < last.at:
        raise field_error("at", _("The chain of custody is recorded in order."), "order")
    event = RemainsCustodyEvent(
        case=locked,
        kind=kind,
        at=at,
        seq=(last.seq + 1) if last else 1,
        place=place,
        from_whom=from_whom,
        to_whom=to_whom,
        author=_user_or_none(actor),
    )
    event.full_clean(exclude=["case", "author"])
    event.save()
    payload = {
        "event": str(event.public_id),
        "kind": kind,
        "at": at,
        "place": place,
        "from": from_whom,
        "to": to_whom,
    }
    _audit(actor, "remains.custody_event_add", REMAINS_OBJECT_TYPE, locked.public_id, payload)
    return event


@transaction.atomic
def remains_identify(
    *,
    actor: Any,
    case: RemainsCase,
    status: str,
    person: Person | None,
    identified_by: str,
    method: str,
    identified_on: date | None = None,
) -> RemainsCase:
    """Record an identification decision: presumptive or final, by a named qualified person
    with a method. Only the coordinator and the assigned forensic officer decide."""
    require(actor, Perm.REMAINS_WRITE, case.dossier)
    errors: dict[str, list[ValidationError]] = {}
    if status not in (IdentificationStatus.PRESUMPTIVE, IdentificationStatus.IDENTIFIED):
        errors["status"] = [ValidationError(_("Choose presumptive or identified."))]
    if person is None:
        errors["person"] = [ValidationError(_("Name the person identified."), "required")]
    elif person.dossier_id != case.dossier_id:
        errors["person"] = [ValidationError(_("The person is not in this dossier."))]
    if not identified_by.strip():
        errors["identified_by"] = [
            ValidationError(_("Name the qualified person who identified."), "required")
        ]
    if not method:
        errors["method"] = [ValidationError(_("Give the identification method."), "required")]
    if errors:
        raise ValidationError(errors)
    locked = RemainsCase.objects.select_for_update().get(pk=case.pk)
    locked.identification_status = status
    locked.person = person
    locked.identified_by = identified_by.strip()
    locked.identification_method = method
    locked.identified_on = identified_on or timezone.localdate()
    locked.full_clean(exclude=["dossier", "holding_party", "person", "created_by"])
    locked.save(
        update_fields=[
            "identification_status",
            "person",
            "identified_by",
            "identification_method",
            "identified_on",
        ]
    )
    payload = {
        "status": status,
        "person": str(person.public_id) if person else None,
        "identified_by": locked.identified_by,
        "method": method,
        "identified_on": locked.identified_on,
    }
    _audit(actor, "remains.identify", REMAINS_OBJECT_TYPE, locked.public_id, payload)
    return locked
