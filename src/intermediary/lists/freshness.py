"""What data a reconciliation or a sign-off covered, and what has arrived or changed since.

A list is reconciled against the dossier's registry persons (every name) and the other side's
lists of the opposite kind. Each finished run records how many of each it read, and how many
corrections the dossier's registry had had (its ``SeenData``); each "searched, no match"
sign-off records those of the run it followed. When the dossier holds more since, or a
registry record was corrected since, the run is out of date ("new data since the last
reconciliation: reconcile again") and so is the sign-off ("sign-off predates new data"):
the person sought may be among the new records, or be the corrected one (another date of
birth, a respelled name), and nobody has looked there yet.

Counts rather than timestamps: a long import that commits after a run began still raises
them, whereas its rows' timestamps could predate the run. The same holds for corrections:
``Dossier.registry_corrections`` is a counter that the registry services raise with an atomic
UPDATE in the correction's own transaction (``registry.services._count_correction``), so it
moves exactly when the corrected record becomes visible, whenever that transaction began,
and concurrent corrections never lose an increment. A correction is a change to a value a
reconciliation compares (``registry.models.COMPARED_PERSON_FIELDS``: date of birth, father's
name, place of birth, numbers, sex; ``COMPARED_NAME_FIELDS``: a name's text and father's
name) or a name removed; notes, health, custody or a name's source do not count, and neither
does a save that changes nothing. New persons and names are not counted as corrections: the
counts of persons and names show them, and an import of 100,000 persons then never holds the
dossier's row locked for its whole transaction.

Persons and lists are never deleted; a name may be removed (a correction, and a count that
falls), and a count that differs either way counts as changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from intermediary.dossiers.models import Dossier
from intermediary.lists.choices import ListKind, RunStatus
from intermediary.lists.models import ReconciliationRun, SeenData, SubmittedList
from intermediary.registry.models import Person, PersonName


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
    """What ``now`` holds beyond ``seen``. Counts mostly grow; one that differs the other way
    (a name removed, records deleted by hand) still means the data is not what was searched."""
    return NewData(
        persons=max(now.persons - seen.persons, 0),
        person_names=max(now.person_names - seen.person_names, 0),
        lists=max(now.lists - seen.lists, 0),
        corrections=max(now.corrections - seen.corrections, 0),
        changed=now != seen,
    )


def last_done_run(submitted: SubmittedList) -> ReconciliationRun | None:
    """The list's most recent finished reconciliation (what its candidates come from)."""
    # One run at a time per list, so the last requested of the finished ones finished last.
    return submitted.runs.filter(status=RunStatus.DONE).order_by("-requested_at", "-pk").first()


@dataclass(frozen=True)
class Freshness:
    """A list's data state for its reviewers: the current mark, the last finished run, and
    what arrived or was corrected since that run (``NO_NEW_DATA`` when it is up to date or
    never ran)."""

    now: DataMark
    run: ReconciliationRun | None
    since_run: NewData

    @property
    def reconcile_again(self) -> bool:
        return self.run is not None and bool(self.since_run)

    def since(self, row: SeenData) -> NewData:
        return new_since(mark_of(row), self.now)


def list_freshness(submitted: SubmittedList) -> Freshness:
    now = current_mark(submitted)
    run = last_done_run(submitted)
    since_run = new_since(mark_of(run), now) if run is not None else NO_NEW_DATA
    return Freshness(now=now, run=run, since_run=since_run)
