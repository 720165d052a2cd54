"""Which list entries a registry record could match: the matching library's blocking keys.

A reconciliation only ever scores a pair of records that share a blocking key
(``matching.records.block_keys``; ``matching.linkage._candidate_pairs``). The key sets
computed here are therefore a safe over-approximation of what the matcher could pair: every
kind of key counts, the weak ones too (the matcher pairs on those only with a second key),
and a key the matcher refines because it is too common (by year, month or a third name part)
is kept whole (a pair sharing the refined key shares the whole one). Two records with no key
in common can never become a candidate of each other, before or after a correction.

The keys of a corrected person are kept on the correction (``registry.RegistryCorrection``,
written by the registry services), those of an entry are computed when needed (entries never
change once parsed). ``REACH_VERSION`` names the rules the keys were made with: a correction
recorded under other rules is read as reaching every entry (when in doubt, prompt), and
``tests/lists/test_reach.py`` pins the keys of sample records so that a change to the
library's keys fails until the version is raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from intermediary.lists.models import ListEntry
from intermediary.lists.reconcile import NAME_COLUMNS, PERSON_COLUMNS, _person_record, entry_records
from intermediary.matching.records import PersonRecord, prepare, records_to_frame
from intermediary.registry.models import Person, PersonName

REACH_VERSION = "1"

# Entries never change once parsed, so their keys are a pure function of their values: kept
# by value (never by primary key, which a database may reuse), bounded so a long-lived
# process does not grow without end.
_ENTRY_KEYS: dict[tuple[PersonRecord, ...], frozenset[str]] = {}
_ENTRY_KEYS_MAX = 200_000


def record_keys(records: Sequence[PersonRecord]) -> list[frozenset[str]]:
    """The blocking keys of each record, in one pass of the library's preparation."""
    if not records:
        return []
    frame = prepare(records_to_frame(records), [record.id for record in records])
    return [frozenset(keys or ()) for keys in frame["block_keys"].tolist()]


def person_keys(person_id: int) -> frozenset[str]:
    """Every blocking key of a registry person as a reconciliation reads it now (one record
    per name, ``lists.reconcile._person_record``): what the person could be paired on."""
    person = Person.objects.filter(pk=person_id).values(*PERSON_COLUMNS).first()
    if person is None:
        return frozenset()
    names = PersonName.objects.filter(person_id=person_id).order_by("pk").values_list(*NAME_COLUMNS)
    records = [_person_record(person, pk, text, father) for pk, _, text, father in names]
    return frozenset().union(*record_keys(records))


def entry_keys(entries: Iterable[ListEntry]) -> dict[int, frozenset[str]]:
    """Per entry (by primary key), every blocking key of the records a reconciliation
    compares of it (``lists.reconcile.entry_records``: its name and each other name)."""
    wanted = {entry.pk: _anonymous(entry_records(entry)) for entry in entries}
    # Read once from the shared cache into a local one: another thread may clear it.
    known = {records: _ENTRY_KEYS.get(records) for records in set(wanted.values())}
    missing = [records for records, keys in known.items() if keys is None]
    computed = _compute(missing)
    return {pk: _either(known[records], computed, records) for pk, records in wanted.items()}


def _either(
    known: frozenset[str] | None,
    computed: dict[tuple[PersonRecord, ...], frozenset[str]],
    records: tuple[PersonRecord, ...],
) -> frozenset[str]:
    # An empty set is a known answer (a name without a usable part): only None is missing.
    return known if known is not None else computed[records]


def _anonymous(records: list[PersonRecord]) -> tuple[PersonRecord, ...]:
    """The records without their ids (keys do not depend on them): two entries giving the
    same values share one cache slot."""
    return tuple(
        PersonRecord(
            id="",
            full_name=r.full_name,
            father_name=r.father_name,
            date_of_birth=r.date_of_birth,
            place_of_birth=r.place_of_birth,
            id_number=r.id_number,
            sex=r.sex,
        )
        for r in records
    )


def _compute(
    groups: list[tuple[PersonRecord, ...]],
) -> dict[tuple[PersonRecord, ...], frozenset[str]]:
    """The keys of each group of records (an entry's), in one pass; kept in the cache."""
    flat = [record for group in groups for record in group]
    keys = iter(record_keys(flat))
    computed = {group: frozenset().union(*(next(keys) for _ in group)) for group in groups}
    if len(_ENTRY_KEYS) + len(computed) > _ENTRY_KEYS_MAX:
        _ENTRY_KEYS.clear()
    _ENTRY_KEYS.update(computed)
    return computed
