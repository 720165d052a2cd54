"""Writes to the registry. Every one checks permission, validates, writes and audits in one
transaction; views, API, importer and demo all come through here.

Payloads may carry personal data: the audit chain stores only their hash.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, transaction
from django.db.models import F, ForeignKey, Max
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
from intermediary.dossiers.locks import linked_party_ids
from intermediary.dossiers.models import Dossier
from intermediary.registry import bulk_copy
from intermediary.registry import names as name_rules
from intermediary.registry.choices import (
    CustodyEventKind,
    IdentificationStatus,
    RemainsEventKind,
)
from intermediary.registry.dates import birth_bounds
from intermediary.registry.inputs import (
    NAME_FIELDS,
    PERSON_FIELDS,
    REMAINS_FIELDS,
    NameInput,
    PersonInput,
)
from intermediary.registry.models import (
    COMPARED_NAME_FIELDS,
    COMPARED_PERSON_FIELDS,
    CustodyEvent,
    Person,
    PersonName,
    RegistryCorrection,
    RemainsCase,
    RemainsCustodyEvent,
)
from intermediary.registry.timeline import TimelineError, current_status, walk


def _user_or_none(actor: Any) -> User | None:
    return actor if isinstance(actor, User) else None


def _reach_before(person_id: int) -> frozenset[str]:
    """The person's blocking keys before a correction (lists.reach), read after the person's
    row is locked: corrections of one person then follow each other, and each one's keys
    before are the keys after of the one before it (two corrections that each read the
    other's old values could leave a state neither recorded, an entry it reaches unprompted).
    Read here, before the write, since a correction can move a record out of an entry's
    reach as well as into it."""
    from intermediary.lists.reach import person_keys

    return person_keys(person_id)


def _lock_person(person_id: int) -> None:
    """Hold the person's row until commit (``FOR NO KEY UPDATE``: a name added meanwhile,
    whose foreign key only takes a key-share lock, is not blocked by it) so that the
    corrections of one person never interleave (``_reach_before``). Taken before any name
    row is locked, in every correction, so that two of them cannot wait on each other."""
    Person.objects.select_for_update(no_key=True).filter(pk=person_id).values("pk").first()


def _count_correction(dossier_id: int, person_id: int, before: frozenset[str]) -> None:
    """Count a correction to what reconciliations read of the dossier's registry (a compared
    field of a person, a name's text, a name removed) and record which entries it could
    reach (``RegistryCorrection``): one atomic UPDATE in the correction's own transaction,
    so the count rises exactly when the correction commits and concurrent corrections never
    lose one (the row stays locked until commit, which also makes the count read back right
    after it this correction's own number). The keys after are computed before the UPDATE,
    so the dossier's row is held for two short statements, never for the key computation.
    New persons and names need none: the counts of persons and names already show them
    (lists.freshness)."""
    from intermediary.lists.reach import REACH_VERSION, person_keys

    keys = sorted(before | person_keys(person_id))
    Dossier.objects.filter(pk=dossier_id).update(registry_corrections=F("registry_corrections") + 1)
    seq = Dossier.objects.values_list("registry_corrections", flat=True).get(pk=dossier_id)
    RegistryCorrection.objects.create(
        dossier_id=dossier_id,
        seq=seq,
        person_id=person_id,
        keys=keys,
        keys_version=REACH_VERSION,
    )


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
    """Parties a registry record of the dossier may name: every linked party, a withdrawn one
    too, since the record must say who really holds a person whether or not that party still
    takes part in the talks (share-locked against a concurrent removal, see dossiers.locks)."""
    return set(linked_party_ids(dossier.pk))


def _check_parties(
    party_ids: set[int], holding: Organisation | None, origin: Organisation | None
) -> None:
    """Holding party and party of origin must be parties to the person's dossier."""
    for field, org in (("holding_party", holding), ("party_of_origin", origin)):
        if org is not None and org.pk not in party_ids:
            raise field_error(field, _("%(o)s is not a party to this dossier.") % {"o": org})


def _birth_bounds(
    year: int | None, month: int | None, day: int | None, today: date
) -> tuple[date | None, date | None]:
    """The bounds of a (partial) date of birth; refuses impossible and future dates."""
    try:
        earliest, latest = birth_bounds(year, month, day)
    except ValueError as exc:
        raise field_error("birth_day", _("This date of birth does not exist.")) from exc
    if earliest is not None and earliest > today:
        raise field_error("birth_year", _("The date of birth lies in the future."))
    return earliest, latest


def _apply_birth(person: Person) -> None:
    """Derive the birth bounds from the (partial) date of birth; refuse impossible dates."""
    person.birth_earliest, person.birth_latest = _birth_bounds(
        person.birth_year, person.birth_month, person.birth_day, timezone.localdate()
    )


# Every new person gets a "registered" event: the status follows from it.
_REGISTERED_STATUS = current_status([CustodyEventKind.REGISTERED])

# Person columns by attribute name, in model order, and those copied from the PersonInput.
# _build_person fills the others; a model field in neither fails at import, not silently.
_PERSON_ATTNAMES = tuple(f.attname for f in Person._meta.concrete_fields)
_PERSON_SET_HERE = frozenset(
    {
        "id",
        "public_id",
        "dossier_id",
        "holding_party_id",
        "party_of_origin_id",
        "birth_earliest",
        "birth_latest",
        "status",
        "created_by_id",
        "created_at",
        "updated_at",
    }
)
_PERSON_FROM_INPUT = tuple(a for a in _PERSON_ATTNAMES if a not in _PERSON_SET_HERE)
if not set(_PERSON_FROM_INPUT) <= set(PERSON_FIELDS):  # pragma: no cover - a model change
    missing = sorted(set(_PERSON_FROM_INPUT) - set(PERSON_FIELDS))
    raise ImproperlyConfigured(f"Person fields persons_create_bulk does not set: {missing}")
_read_input = attrgetter(*_PERSON_FROM_INPUT)


def _foreign_key(name: str) -> ForeignKey[Any, Any]:
    field = Person._meta.get_field(name)
    if not isinstance(field, ForeignKey):  # pragma: no cover - a model change
        raise ImproperlyConfigured(f"Person.{name} is not a foreign key")
    return field


_RELATIONS = tuple(_foreign_key(name) for name in ("dossier", "holding_party", "party_of_origin"))
_CREATED_BY = _foreign_key("created_by")


def _build_person(
    dossier: Dossier, data: PersonInput, user: User | None, today: date, now: datetime
) -> tuple[Person, list[Any]]:
    """A new Person and its column values (``_PERSON_ATTNAMES`` order, pk still None).

    Built positionally: Django's keyword path costs about 40 us a person (100,000 in an
    import), the positional one about 7 us. The related objects are cached on the instance
    as the keyword path would, so callers reading ``person.holding_party`` make no query.
    """
    earliest, latest = _birth_bounds(data.birth_year, data.birth_month, data.birth_day, today)
    holding, origin = data.holding_party, data.party_of_origin
    values = dict(zip(_PERSON_FROM_INPUT, _read_input(data), strict=True))
    values.update(
        id=None,
        public_id=uuid.uuid4(),
        dossier_id=dossier.pk,
        holding_party_id=holding.pk if holding is not None else None,
        party_of_origin_id=origin.pk if origin is not None else None,
        birth_earliest=earliest,
        birth_latest=latest,
        status=_REGISTERED_STATUS,
        created_by_id=user.pk if user is not None else None,
        created_at=now,
        updated_at=now,
    )
    row = [values[a] for a in _PERSON_ATTNAMES]
    person = Person(*row)
    for field, related in zip(_RELATIONS, (dossier, holding, origin), strict=True):
        field.set_cached_value(person, related)
    _CREATED_BY.set_cached_value(person, user)
    return person, row


# What a name row holds besides its person, in this order (see _name_values).
NAME_VALUE_FIELDS = (*NAME_FIELDS, "search_key")


def _name_values(name: NameInput, is_primary: bool) -> tuple[Any, ...]:
    """A name's stored values in NAME_VALUE_FIELDS order: a tuple, not a model instance, so
    the COPY path builds no PersonName objects (233,000 of them in a 100,000-row import)."""
    text = name_rules.as_given(name.full_text)
    return (
        text,
        name.script or name_rules.detect_script(text),
        name_rules.as_given(name.given_name),
        name_rules.as_given(name.fathers_name),
        name_rules.as_given(name.grandfathers_name),
        name_rules.as_given(name.family_name),
        name.source,
        is_primary,
        name_rules.search_key(text),
    )


def _build_name(person: Person, name: NameInput) -> PersonName:
    return PersonName(
        person=person,
        **dict(zip(NAME_VALUE_FIELDS, _name_values(name, name.is_primary), strict=True)),
    )


def _person_names(names: Sequence[NameInput]) -> list[tuple[Any, ...]]:
    """Exactly one primary name: the one marked, else the first given (inputs not mutated)."""
    chosen = next((i for i, n in enumerate(names) if n.is_primary), 0)
    return [_name_values(n, i == chosen) for i, n in enumerate(names)]


# A "registered" event's values besides its person, in this order (see _registration).
EVENT_VALUE_FIELDS = ("kind", "date", "seq", "place", "source", "author_id")


def _registration(data: PersonInput, user: User | None, today: date) -> tuple[Any, ...]:
    return (
        CustodyEventKind.REGISTERED.value,
        data.registered_on or data.capture_date or today,
        1,
        data.registered_place or data.place_of_detention,
        data.source,
        user.pk if user is not None else None,
    )


def _person_payload(person: Person, names: Sequence[str]) -> dict[str, Any]:
    payload = {f: getattr(person, f) for f in PERSON_FIELDS}
    payload["holding_party"] = person.holding_party.public_id if person.holding_party else None
    payload["party_of_origin"] = (
        person.party_of_origin.public_id if person.party_of_origin else None
    )
    payload["dossier"] = person.dossier.public_id
    payload["names"] = list(names)
    return payload


@transaction.atomic
def persons_create_bulk(
    *, actor: Any, dossier: Dossier, persons: list[PersonInput], batch_size: int = 2000
) -> list[Person]:
    """Create many persons with their names and a "registered" event each, one audit event
    per person. For importers and the demo: the caller has validated every row already, so
    this only enforces what the models require (one primary name, dates that exist, parties
    of the dossier) and refuses the whole batch otherwise.

    On PostgreSQL the rows go in with COPY (registry/bulk_copy.py): a 100,000-row import
    spent most of its time in ``bulk_create``. Same rows, same audit events either way.
    """
    return _create_persons(
        actor=actor, dossier=dossier, persons=persons, batch_size=batch_size, clean=False
    )


def _create_persons(
    *, actor: Any, dossier: Dossier, persons: list[PersonInput], batch_size: int, clean: bool
) -> list[Person]:
    require(actor, Perm.REGISTRY_WRITE, dossier)
    party_ids = _party_ids(dossier)
    user = _user_or_none(actor)
    today, now = timezone.localdate(), timezone.now()
    built: list[Person] = []
    rows: list[list[Any]] = []
    for data in persons:
        _check_parties(party_ids, data.holding_party, data.party_of_origin)
        person, row = _build_person(dossier, data, user, today, now)
        if clean:
            _full_clean(person)
        built.append(person)
        rows.append(row)
    names = [_person_names(data.names) for data in persons]
    events = [_registration(data, user, today) for data in persons]
    # The form path (clean) keeps the ORM: it validates model instances, and it is one row.
    if not clean and bulk_copy.copy_available():
        _copy_persons(built, rows, names, events, now)
    else:
        _orm_persons(built, names, events, batch_size=batch_size, clean=clean)
    audit_append_many(
        actor=actor,
        events=[
            PendingEvent(
                action="person.create",
                object_type=PERSON_OBJECT_TYPE,
                object_id=str(p.public_id),
                payload=_person_payload(p, [n[0] for n in person_names]),
            )
            for p, person_names in zip(built, names, strict=True)
        ],
        batch_size=batch_size,
    )
    return built


def _orm_persons(
    built: list[Person],
    names: list[list[tuple[Any, ...]]],
    events: list[tuple[Any, ...]],
    *,
    batch_size: int,
    clean: bool,
) -> None:
    """SQLite, and single persons from forms: bulk_create (which sets the pks on ``built``)."""
    Person.objects.bulk_create(built, batch_size=batch_size)
    name_rows = [
        PersonName(person=person, **dict(zip(NAME_VALUE_FIELDS, values, strict=True)))
        for person, person_names in zip(built, names, strict=True)
        for values in person_names
    ]
    if clean:
        for name in name_rows:
            name.full_clean(exclude=["person"], validate_constraints=False)
    PersonName.objects.bulk_create(name_rows, batch_size=batch_size)
    CustodyEvent.objects.bulk_create(
        [
            CustodyEvent(person=person, **dict(zip(EVENT_VALUE_FIELDS, values, strict=True)))
            for person, values in zip(built, events, strict=True)
        ],
        batch_size=batch_size,
    )


def _copy_persons(
    built: list[Person],
    rows: list[list[Any]],
    names: list[list[tuple[Any, ...]]],
    events: list[tuple[Any, ...]],
    now: datetime,
) -> None:
    """PostgreSQL: COPY persons (with keys taken from the sequence first), their names and
    registration events. The instances end up as bulk_create leaves them: pk set, saved."""
    pk_index = _PERSON_ATTNAMES.index("id")
    ids = bulk_copy.allocate_ids(Person, len(built))
    for person, row, pk in zip(built, rows, ids, strict=True):
        person.pk = row[pk_index] = pk
        person._state.adding = False
        person._state.db = connection.alias
    bulk_copy.copy_rows(Person, _PERSON_ATTNAMES, rows)
    bulk_copy.copy_rows(
        PersonName,
        ("public_id", "person_id", *NAME_VALUE_FIELDS, "created_at"),
        (
            (uuid.uuid4(), person.pk, *values, now)
            for person, person_names in zip(built, names, strict=True)
            for values in person_names
        ),
    )
    bulk_copy.copy_rows(
        CustodyEvent,
        ("public_id", "person_id", *EVENT_VALUE_FIELDS, "recorded_at"),
        (
            (uuid.uuid4(), person.pk, *values, now)
            for person, values in zip(built, events, strict=True)
        ),
    )


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
    services). Unknown field names are refused rather than ignored. A change to a field a
    reconciliation compares (``COMPARED_PERSON_FIELDS``) counts as a correction of the
    dossier's registry (``_count_correction``); other fields (notes, health, custody
    details) do not."""
    require(actor, Perm.REGISTRY_WRITE, person.dossier)
    unknown = sorted(set(changes) - set(PERSON_FIELDS))
    if unknown:
        raise field_error("__all__", _("Unknown fields: %(f)s") % {"f": ", ".join(unknown)})
    locked = Person.objects.select_for_update().get(pk=person.pk)
    compared = _compared(locked, COMPARED_PERSON_FIELDS)
    stored = _compared(locked, list(changes))
    # Keys before, only when a compared field is named (most edits are of other fields).
    before = _reach_before(locked.pk) if set(changes) & set(COMPARED_PERSON_FIELDS) else None
    for key, value in changes.items():
        setattr(locked, key, value)
    _check_parties(_party_ids(locked.dossier), locked.holding_party, locked.party_of_origin)
    _apply_birth(locked)
    _full_clean(locked)
    if _compared(locked, list(changes)) == stored:
        return locked  # nothing changed: nothing to write or to audit
    fields = [*changes, "birth_earliest", "birth_latest", "updated_at"]
    locked.save(update_fields=sorted(set(fields)))
    if _compared(locked, COMPARED_PERSON_FIELDS) != compared:
        assert before is not None  # noqa: S101  (a compared field changed, so one was named)
        _count_correction(locked.dossier_id, locked.pk, before)
    _audit(
        actor,
        "person.update",
        PERSON_OBJECT_TYPE,
        locked.public_id,
        {k: _jsonable(v) for k, v in changes.items()},
    )
    return locked


def _compared(row: Person | PersonName, fields: Sequence[str]) -> tuple[Any, ...]:
    """What a reconciliation reads of a person or a name (after ``full_clean``, which
    converts the values, the same types as read from the database)."""
    return tuple(getattr(row, field) for field in fields)


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
    a primary name cannot be demoted directly (promote another one instead). A new text or
    father's name counts as a correction of the dossier's registry (``_count_correction``)."""
    require(actor, Perm.REGISTRY_WRITE, name.person.dossier)
    _validate_name(data)
    _lock_person(name.person_id)
    # Locked and re-read: what changed (a correction or nothing) is decided on what is stored.
    stored = PersonName.objects.select_for_update().filter(pk=name.pk).values(*NAME_FIELDS).first()
    if stored is None:
        raise field_error("__all__", _("This name was already removed."), "state")
    if name.is_primary and not data.is_primary:
        raise field_error("is_primary", _("Make another name primary instead."), "state")
    fresh = _build_name(name.person, data)
    if _compared(fresh, NAME_FIELDS) == tuple(stored[field] for field in NAME_FIELDS):
        return name  # nothing changed: nothing to write or to audit
    corrected = _compared(fresh, COMPARED_NAME_FIELDS) != tuple(
        stored[field] for field in COMPARED_NAME_FIELDS
    )
    before = _reach_before(name.person_id) if corrected else frozenset()
    if data.is_primary and not name.is_primary:
        name.person.names.filter(is_primary=True).update(is_primary=False)
    for field in (*NAME_FIELDS, "search_key"):
        setattr(name, field, getattr(fresh, field))
    name.full_clean(exclude=["person"])
    name.save(update_fields=[*NAME_FIELDS, "search_key"])
    if corrected:
        _count_correction(name.person.dossier_id, name.person_id, before)
    payload = {"name": str(name.public_id), **_name_payload(name)}
    _audit(actor, "person.name_update", PERSON_OBJECT_TYPE, name.person.public_id, payload)
    return name


@transaction.atomic
def name_remove(*, actor: Any, name: PersonName) -> Person:
    """Remove a name recorded in error. The primary name stays (promote another one first),
    so a person who has a name keeps one. Counts as a correction of the dossier's registry
    (a name removed and another added leave the count of names as it was). Returns the
    person."""
    person = name.person
    require(actor, Perm.REGISTRY_WRITE, person.dossier)
    _lock_person(person.pk)
    # Locked and re-read: a concurrent promotion of this name must not leave no primary name.
    locked = PersonName.objects.select_for_update().filter(pk=name.pk).first()
    if locked is None:
        raise field_error("__all__", _("This name was already removed."), "state")
    if locked.is_primary:
        message = _("The primary name cannot be removed: make another name primary first.")
        raise field_error("is_primary", message, "state")
    payload = {"name": str(locked.public_id), **_name_payload(locked)}
    before = _reach_before(person.pk)
    locked.delete()
    _count_correction(person.dossier_id, person.pk, before)
    _audit(actor, "person.name_remove", PERSON_OBJECT_TYPE, person.public_id, payload)
    return person


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


@transaction.atomic
def remains_case_create(
    *, actor: Any, dossier: Dossier, case_number: str = "", **values: Any
) -> RemainsCase:
    """Open a remains case under a coded number (generated when not given: HR-<dossier>-0001).
    ``values`` are fields of ``RemainsInput``; unknown names are refused, not ignored."""
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
