"""What data a reconciliation or a sign-off covered, and what has arrived since.

A list is reconciled against the dossier's registry persons (every name) and the other side's
lists of the opposite kind. Each finished run records how many of each it read (its
``SeenData``); each "searched, no match" sign-off records those of the run it followed. When
the dossier holds more since, the run is out of date ("new data since the last
reconciliation: reconcile again") and so is the sign-off ("sign-off predates new data"):
the person sought may be among the new records, and nobody has looked there yet.

Counts rather than timestamps: a long import that commits after a run began still raises
them, whereas its rows' timestamps could predate the run. Persons and lists are never
deleted; a name may be removed, and a count that differs either way counts as changed.
Corrections to existing records (another date of birth, a respelled name) are not counted;
a name added to a person is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from intermediary.lists.choices import ListKind, RunStatus
from intermediary.lists.models import ReconciliationRun, SeenData, SubmittedList
from intermediary.registry.models import Person, PersonName


@dataclass(frozen=True)
class DataMark:
    """How much data a list is compared against: registry persons and their names in the
    dossier, and lists of the opposite kind that other parties submitted in it."""

    persons: int
    person_names: int
    lists: int

    def as_fields(self) -> dict[str, int]:
        """The ``SeenData`` column values recording this mark."""
        return {
            "seen_persons": self.persons,
            "seen_person_names": self.person_names,
            "seen_lists": self.lists,
        }


@dataclass(frozen=True)
class NewData:
    """What the dossier holds beyond a mark (how many more of each); true when the data
    differs from the mark at all."""

    persons: int
    person_names: int
    lists: int
    changed: bool

    def __bool__(self) -> bool:
        return self.changed


NO_NEW_DATA = NewData(0, 0, 0, changed=False)


def other_side_lists(submitted: SubmittedList) -> QuerySet[SubmittedList]:
    """The lists a reconciliation compares ``submitted`` with: of the opposite kind, submitted
    by other parties of the dossier (a sought list against the held lists, and the reverse)."""
    opposite = ListKind.HELD if submitted.kind == ListKind.SOUGHT else ListKind.SOUGHT
    return SubmittedList.objects.filter(dossier_id=submitted.dossier_id, kind=opposite).exclude(
        submitting_party_id=submitted.submitting_party_id
    )


def current_mark(submitted: SubmittedList) -> DataMark:
    """What a reconciliation of ``submitted`` would read now (three counts)."""
    dossier_id = submitted.dossier_id
    return DataMark(
        persons=Person.objects.filter(dossier_id=dossier_id).count(),
        person_names=PersonName.objects.filter(person__dossier_id=dossier_id).count(),
        lists=other_side_lists(submitted).count(),
    )


def mark_of(row: SeenData) -> DataMark:
    """The mark a run or a sign-off recorded."""
    return DataMark(row.seen_persons, row.seen_person_names, row.seen_lists)


def new_since(seen: DataMark, now: DataMark) -> NewData:
    """What ``now`` holds beyond ``seen``. Counts only grow; one that differs the other way
    (records deleted by hand) still means the data is not what was searched."""
    return NewData(
        persons=max(now.persons - seen.persons, 0),
        person_names=max(now.person_names - seen.person_names, 0),
        lists=max(now.lists - seen.lists, 0),
        changed=now != seen,
    )


def last_done_run(submitted: SubmittedList) -> ReconciliationRun | None:
    """The list's most recent finished reconciliation (what its candidates come from)."""
    # One run at a time per list, so the last requested of the finished ones finished last.
    return submitted.runs.filter(status=RunStatus.DONE).order_by("-requested_at", "-pk").first()


@dataclass(frozen=True)
class Freshness:
    """A list's data state for its reviewers: the current mark, the last finished run, and
    what arrived since that run (``NO_NEW_DATA`` when it is up to date or never ran)."""

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
