"""What data a reconciliation or a sign-off covered, and what has arrived or changed since.

A list is reconciled against the dossier's registry persons (every name) and the other side's
lists of the opposite kind. Each finished run records how many of each it read, and how many
corrections the dossier's registry had had (its ``SeenData``); each "searched, no match"
sign-off records those of the run it followed. When the dossier holds more since, the run is
out of date ("new data since the last reconciliation: reconcile again") and so is every
sign-off ("sign-off predates new data"): the person sought may be among the new records, and
nobody has looked there yet.

A correction is narrower: it changes one known person. It makes a sign-off predate new data
only when the corrected person could match the signed-off entry, before or after the
correction (they share a blocking key of the matching library: ``lists.reach``; a correction
can move a record into or out of reach), and a run out of date only when it could match one
of the list's entries. Each correction is recorded with its number in the dossier's sequence
and the person's keys (``registry.RegistryCorrection``); a sign-off checks the corrections
numbered after its mark against its entry's keys. A number without a record (corrections
counted before they were recorded, a person deleted since) or keys made under other rules
count as reaching everything: a false "fresh" could let a sought person be missed, a false
"stale" only costs a search.

Counts rather than timestamps: a long import that commits after a run began still raises
them, whereas its rows' timestamps could predate the run. The same holds for corrections:
``Dossier.registry_corrections`` is a counter that the registry services raise with an atomic
UPDATE in the correction's own transaction (``registry.services._count_correction``), so it
moves exactly when the corrected record becomes visible, whenever that transaction began,
concurrent corrections never lose an increment, and each one's number, read back under the
row lock, is its own and in commit order: a mark that read N has seen exactly the corrections
numbered up to N. A correction is a change to a value a reconciliation compares
(``registry.models.COMPARED_PERSON_FIELDS``: date of birth, father's name, place of birth,
numbers, sex; ``COMPARED_NAME_FIELDS``: a name's text and father's name) or a name removed;
notes, health, custody or a name's source do not count, and neither does a save that changes
nothing. New persons and names are not counted as corrections: the counts of persons and
names show them, and an import of 100,000 persons then never holds the dossier's row locked
for its whole transaction.

Persons and lists are never deleted; a name may be removed (a correction, and a count that
falls), and a count that differs either way counts as changed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import QuerySet

from intermediary.dossiers.models import Dossier
from intermediary.lists.choices import ListKind, RunStatus
from intermediary.lists.models import ListEntry, ReconciliationRun, SeenData, SubmittedList
from intermediary.registry.models import Person, PersonName, RegistryCorrection


@dataclass(frozen=True)
class DataMark:
    """How much data a list is compared against: registry persons and their names in the
    dossier, lists of the opposite kind that other parties submitted in it, and how many
    corrections the dossier's registry records have had."""

    persons: int
    person_names: int
    lists: int
    corrections: int

    def as_fields(self) -> dict[str, int]:
        """The ``SeenData`` column values recording this mark."""
        return {
            "seen_persons": self.persons,
            "seen_person_names": self.person_names,
            "seen_lists": self.lists,
            "seen_corrections": self.corrections,
        }


@dataclass(frozen=True)
class NewData:
    """What the dossier holds beyond a mark (how many more of each, and how many corrections
    of registry records since); true when the data differs from the mark at all."""

    persons: int
    person_names: int
    lists: int
    corrections: int
    changed: bool

    def __bool__(self) -> bool:
        return self.changed


NO_NEW_DATA = NewData(0, 0, 0, 0, changed=False)


def other_side_lists(submitted: SubmittedList) -> QuerySet[SubmittedList]:
    """The lists a reconciliation compares ``submitted`` with: of the opposite kind, submitted
    by other parties of the dossier (a sought list against the held lists, and the reverse)."""
    opposite = ListKind.HELD if submitted.kind == ListKind.SOUGHT else ListKind.SOUGHT
    return SubmittedList.objects.filter(dossier_id=submitted.dossier_id, kind=opposite).exclude(
        submitting_party_id=submitted.submitting_party_id
    )


def current_mark(submitted: SubmittedList) -> DataMark:
    """What a reconciliation of ``submitted`` would read now: three counts and the number of
    corrections of the dossier's registry. A run takes it before reading anything."""
    dossier_id = submitted.dossier_id
    corrections = Dossier.objects.values_list("registry_corrections", flat=True).get(pk=dossier_id)
    return DataMark(
        persons=Person.objects.filter(dossier_id=dossier_id).count(),
        person_names=PersonName.objects.filter(person__dossier_id=dossier_id).count(),
        lists=other_side_lists(submitted).count(),
        corrections=corrections,
    )


def mark_of(row: SeenData) -> DataMark:
    """The mark a run or a sign-off recorded."""
    return DataMark(row.seen_persons, row.seen_person_names, row.seen_lists, row.seen_corrections)


def new_since(seen: DataMark, now: DataMark) -> NewData:
    """What ``now`` holds beyond ``seen``, every correction counted (the dossier-wide view;
    ``Freshness`` narrows corrections to those that could reach a list or an entry). Counts
    mostly grow; one that differs the other way (a name removed, records deleted by hand)
    still means the data is not what was searched."""
    return NewData(
        persons=max(now.persons - seen.persons, 0),
        person_names=max(now.person_names - seen.person_names, 0),
        lists=max(now.lists - seen.lists, 0),
        corrections=max(now.corrections - seen.corrections, 0),
        changed=now != seen,
    )


def _narrowed(seen: DataMark, now: DataMark, reaching: int) -> NewData:
    """``new_since`` with only the ``reaching`` corrections counted: unchanged when the other
    counts are equal and no correction since could reach what is asked about."""
    counts_differ = (seen.persons, seen.person_names, seen.lists) != (
        now.persons,
        now.person_names,
        now.lists,
    )
    return NewData(
        persons=max(now.persons - seen.persons, 0),
        person_names=max(now.person_names - seen.person_names, 0),
        lists=max(now.lists - seen.lists, 0),
        corrections=reaching,
        changed=counts_differ or reaching > 0,
    )


@dataclass(frozen=True)
class CorrectionLog:
    """The corrections of a dossier's registry numbered after ``after`` up to ``upto`` (the
    count a mark read), as ``registry.RegistryCorrection`` recorded them: by blocking key,
    and those that reach every record.

    A correction reaches every record when its number has no row (counted before corrections
    were recorded, by migration ``lists 0004``; or its person was deleted since) or its keys
    were made under other rules than today's (``reach.REACH_VERSION``): when in doubt, the
    prompt is given. Rows numbered above ``upto`` committed after the mark was read and are
    left for the next reading, like every count."""

    after: int
    upto: int
    by_key: dict[str, list[int]]
    everywhere: list[int]  # sorted
    persons: dict[int, int]  # number -> corrected person, where its keys are known

    def reaching(self, keys: frozenset[str], since: int) -> int:
        """How many corrections numbered after ``since`` could reach a record with ``keys``
        (those reaching everywhere and those placed by their keys are never the same)."""
        placed = self._placed(keys, since)
        return len(self.everywhere) - bisect_right(self.everywhere, since) + len(placed)

    def persons_reaching(self, keys: frozenset[str], since: int) -> set[int]:
        """The persons whose corrections numbered after ``since`` could reach a record with
        ``keys``, among the corrections whose keys are known."""
        return {self.persons[seq] for seq in self._placed(keys, since)}

    def _placed(self, keys: frozenset[str], since: int) -> set[int]:
        if since < self.after:
            raise ValueError("the log starts later than asked")
        found: set[int] = set()
        for key in keys:
            found.update(seq for seq in self.by_key.get(key, ()) if seq > since)
        return found


def correction_log(dossier_id: int, after: int, upto: int) -> CorrectionLog:
    """Read the corrections numbered in (``after``, ``upto``] of a dossier."""
    from intermediary.lists.reach import REACH_VERSION

    rows = RegistryCorrection.objects.filter(
        dossier_id=dossier_id, seq__gt=after, seq__lte=upto
    ).values_list("seq", "person_id", "keys", "keys_version")
    by_key: dict[str, list[int]] = {}
    recorded: set[int] = set()
    everywhere: list[int] = []
    persons: dict[int, int] = {}
    for seq, person_id, keys, version in rows:
        recorded.add(seq)
        if version != REACH_VERSION or not isinstance(keys, list):
            everywhere.append(seq)
            continue
        persons[seq] = person_id
        for key in keys:
            by_key.setdefault(str(key), []).append(seq)
    everywhere += [seq for seq in range(after + 1, upto + 1) if seq not in recorded]
    return CorrectionLog(
        after=after, upto=upto, by_key=by_key, everywhere=sorted(everywhere), persons=persons
    )


def last_done_run(submitted: SubmittedList) -> ReconciliationRun | None:
    """The list's most recent finished reconciliation (what its candidates come from)."""
    # One run at a time per list, so the last requested of the finished ones finished last.
    return submitted.runs.filter(status=RunStatus.DONE).order_by("-requested_at", "-pk").first()


class Freshness:
    """A list's data state for its reviewers: the current mark, the last finished run, and
    what arrived or was corrected since that run (``NO_NEW_DATA`` when it is up to date or
    never ran).

    Corrections count only where they could matter: since the run, those that could reach
    one of the list's entries; since a sign-off, those that could reach its entry
    (``CorrectionLog``, ``lists.reach``). New persons, names and lists count everywhere, as
    before: nobody knows whom they name until the matcher has compared them. Entries' keys
    are computed once per ``Freshness`` and only when a correction since a mark asks."""

    def __init__(self, submitted: SubmittedList, now: DataMark, run: ReconciliationRun | None):
        self.submitted = submitted
        self.now = now
        self.run = run
        self._keys: dict[int, frozenset[str]] = {}
        self._log: CorrectionLog | None = None

    @cached_property
    def since_run(self) -> NewData:
        if self.run is None:
            return NO_NEW_DATA
        seen = mark_of(self.run)
        if not self._corrections_to_narrow(seen):
            return new_since(seen, self.now)
        entries = list(self.submitted.entries.all())
        self.prime(entries)
        reach = frozenset().union(*(self._keys[entry.pk] for entry in entries))
        return _narrowed(seen, self.now, self._reaching(reach, seen.corrections))

    @property
    def reconcile_again(self) -> bool:
        return self.run is not None and bool(self.since_run)

    def sign_off_since(self, row: SeenData, entry: ListEntry) -> NewData:
        """What the dossier holds beyond what the sign-off ``row`` of ``entry`` covered."""
        seen = mark_of(row)
        if not self._corrections_to_narrow(seen):
            return new_since(seen, self.now)
        self.prime([entry])
        return _narrowed(seen, self.now, self._reaching(self._keys[entry.pk], seen.corrections))

    def prime(self, entries: Iterable[ListEntry]) -> None:
        """Compute the keys of many entries in one pass (a report, the renewal page)."""
        from intermediary.lists.reach import entry_keys

        missing = [entry for entry in entries if entry.pk not in self._keys]
        if missing:
            self._keys.update(entry_keys(missing))

    def prime_sign_offs(self, pairs: Iterable[tuple[ListEntry, SeenData]]) -> None:
        """Before asking ``sign_off_since`` of many sign-offs: the keys of the entries whose
        sign-off predates a correction in one pass, and the corrections after the earliest
        of their marks in one query."""
        asked = [(entry, mark_of(row)) for entry, row in pairs]
        narrowed = [(entry, seen) for entry, seen in asked if self._corrections_to_narrow(seen)]
        if not narrowed:
            return
        self.prime(entry for entry, _ in narrowed)
        self._log_from(min(seen.corrections for _, seen in narrowed))

    def corrected_persons(self, row: SeenData, entry: ListEntry) -> set[int]:
        """The registry persons corrected since the sign-off ``row`` of ``entry`` who could
        match the entry (their recorded keys meet its keys): whom a renewal must look at."""
        seen = mark_of(row)
        if not self._corrections_to_narrow(seen):
            return set()
        self.prime([entry])
        return self._log_from(seen.corrections).persons_reaching(
            self._keys[entry.pk], seen.corrections
        )

    def _corrections_to_narrow(self, seen: DataMark) -> bool:
        """Whether narrowing corrections could change the answer: some were made since the
        mark, and the mark's count is not beyond today's (a count that went down cannot be
        read: every correction then counts, as ``new_since`` does)."""
        return 0 <= seen.corrections < self.now.corrections

    def _reaching(self, keys: frozenset[str], since: int) -> int:
        return self._log_from(since).reaching(keys, since)

    def _log_from(self, since: int) -> CorrectionLog:
        if self._log is None or self._log.after > since:
            self._log = correction_log(self.submitted.dossier_id, since, self.now.corrections)
        return self._log


def list_freshness(submitted: SubmittedList) -> Freshness:
    return Freshness(submitted, current_mark(submitted), last_done_run(submitted))
