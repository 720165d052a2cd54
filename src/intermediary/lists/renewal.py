"""Which "searched, no match" sign-offs of a list predate new data, and which of them may be
renewed together because the system's fresh search found nobody for their entries.

Why a fresh search first: a renewal attests, like the sign-off it renews, that nobody in the
data it covers could be the person sought. Renewing many at once must not turn that into a
rubber stamp over records nobody compared. So the plan is only offered once the list's last
reconciliation covers the dossier's data as it is now (the matcher compared every new and
corrected record with every entry), and an entry is renewable only where that search and the
record of corrections found nobody to look at:

- no candidate awaits review (the new reconciliation's or a reviewer's): a candidate may be
  the person, and deciding it is a reviewer's judgement, one entry at a time;
- no registry person corrected since the sign-off could match the entry (shares a blocking
  key with it, before or after the correction: ``lists.reach``): a correction is aimed at one
  person, and the entries it could match are exactly those a reviewer should look at again,
  whatever the matcher's score. (Corrections counted before they were recorded, or whose
  keys were made under other rules, cannot be placed; they do not hold an entry back, since
  the fresh reconciliation compared the records as they are now.)

Everything else is held back for individual review, and the page and the API say which
entries and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intermediary.lists.freshness import Freshness, list_freshness
from intermediary.lists.models import ReconciliationRun, SubmittedList
from intermediary.lists.outcomes import ReportRow, list_report
from intermediary.registry.models import Person

# Why an entry is held back (stable codes for the API; the page words them).
HELD_CANDIDATE = "candidate_awaiting_review"
HELD_CORRECTED = "corrected_person_could_match"


@dataclass(frozen=True)
class HeldBack:
    """An entry whose sign-off predates new data but which the fresh search did not clear:
    how many candidates await review, and which corrected registry persons could match it."""

    row: ReportRow
    pending: int
    corrected: list[Person] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        codes = [HELD_CANDIDATE] if self.pending else []
        return codes + ([HELD_CORRECTED] if self.corrected else [])


@dataclass(frozen=True)
class RenewalPlan:
    """The list's sign-offs that predate new data, split into those that may be renewed
    together and those held back; ``reconcile_first`` when the list's last reconciliation
    does not cover the dossier's data (nothing may be renewed until it does)."""

    submitted_list: SubmittedList
    run: ReconciliationRun | None
    reconcile_first: bool
    renewable: list[ReportRow]
    held_back: list[HeldBack]

    @property
    def stale(self) -> int:
        return len(self.renewable) + len(self.held_back)


def renewal_plan(submitted: SubmittedList) -> RenewalPlan:
    """The plan for a sought list (callers have checked it is the reviewer's to see)."""
    report = list_report(submitted)
    freshness = report.freshness or list_freshness(submitted)
    stale = report.sign_offs_predating_new_data
    corrected = {row.entry.pk: _corrected(freshness, row) for row in stale}
    wanted = {pk for pks in corrected.values() for pk in pks}
    persons = Person.objects.prefetch_related("names").in_bulk(wanted) if wanted else {}
    renewable: list[ReportRow] = []
    held_back: list[HeldBack] = []
    for row in stale:
        found = [persons[pk] for pk in sorted(corrected[row.entry.pk]) if pk in persons]
        if row.pending or found:
            held_back.append(HeldBack(row=row, pending=row.pending, corrected=found))
        else:
            renewable.append(row)
    return RenewalPlan(
        submitted_list=submitted,
        run=freshness.run,
        reconcile_first=freshness.run is None or freshness.reconcile_again,
        renewable=renewable,
        held_back=held_back,
    )


def _corrected(freshness: Freshness, row: ReportRow) -> set[int]:
    assert row.sign_off is not None  # noqa: S101  (a sign-off predating new data stands)
    return freshness.corrected_persons(row.sign_off, row.entry)
