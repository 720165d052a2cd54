"""Outcome per entry, derived from review decisions and registry status, never typed in.

The rules are written out in docs/lists.md; this module is their one implementation, used by
the report page, its CSV export, the API and the disclosed party view alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intermediary.lists.choices import Decision, ListKind, Outcome, SignOffAction
from intermediary.lists.freshness import NO_NEW_DATA, Freshness, NewData, list_freshness
from intermediary.lists.models import EntrySignOff, ListEntry, MatchCandidate, SubmittedList
from intermediary.registry.choices import HELD_STATUSES, PersonStatus

DEAD_STATUSES = (PersonStatus.DECEASED, PersonStatus.REMAINS_HANDED_OVER)

# The matcher finding nothing is not evidence of absence: it misses people (year-only dates,
# respelled names). Until a reviewer has searched and signed off, the outcome stays unknown.
NEEDS_SIGN_OFF = gettext_lazy("no candidate found: needs a reviewer's search and sign-off")
SIGNED_OFF = gettext_lazy("searched, no match: signed off by %(user)s")
# A sign-off covers the data its search saw. Registry persons or other-side lists added since
# may hold the person, and so may a registry record corrected since that could match the
# entry (lists.freshness): until a reviewer has searched them, the outcome is unknown again.
SIGN_OFF_PREDATES = gettext_lazy(
    "sign-off predates new data (signed off by %(user)s): reconcile again, search and renew it"
)


@dataclass
class ReportRow:
    """One entry's outcome; ``match``, ``note`` and ``sign_off`` are for the intermediary
    only (never disclosed: the party view shows row, reference, name and outcome)."""

    entry: ListEntry
    outcome: Outcome
    match: MatchCandidate | None = None
    note: str = ""
    pending: int = 0
    sign_off: EntrySignOff | None = None
    needs_sign_off: bool = False
    # The standing sign-off was made before registry persons or other-side lists were added.
    sign_off_predates_new_data: bool = False

    @property
    def is_discrepancy(self) -> bool:
        return self.outcome != Outcome.ACKNOWLEDGED_HELD or bool(self.note)

    @property
    def sign_off_suspended(self) -> bool:
        """A sign-off stands, but a candidate awaits a decision (a new run found someone)."""
        return self.sign_off is not None and self.pending > 0


@dataclass
class Report:
    submitted_list: SubmittedList
    reconciled: bool
    rows: list[ReportRow] = field(default_factory=list)
    # What the dossier holds beyond the last finished reconciliation ("reconcile again").
    new_data: NewData = NO_NEW_DATA
    # What the report was judged against (the renewal of sign-offs reads it again).
    freshness: Freshness | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Entries per outcome, every outcome present (zero included), in a fixed order."""
        found = Counter(row.outcome for row in self.rows)
        return {outcome.value: found.get(outcome, 0) for outcome in Outcome}

    @property
    def discrepancies(self) -> list[ReportRow]:
        return [row for row in self.rows if row.is_discrepancy]

    @property
    def awaiting_sign_off(self) -> list[ReportRow]:
        """Entries a reviewer must still search for by hand and sign off (or match), those
        whose sign-off predates new data included."""
        return [row for row in self.rows if row.needs_sign_off]

    @property
    def sign_offs_predating_new_data(self) -> list[ReportRow]:
        return [row for row in self.rows if row.sign_off_predates_new_data]


def _confirmed(submitted: SubmittedList) -> dict[int, MatchCandidate]:
    qs = MatchCandidate.objects.filter(
        entry__submitted_list=submitted, decision=Decision.CONFIRMED
    ).select_related("person", "other_entry__submitted_list")
    return {c.entry_id: c for c in qs}


def _confirmed_from_other_side(submitted: SubmittedList) -> dict[int, MatchCandidate]:
    """Identities confirmed while reviewing the other side's list (pointing at our entries)."""
    qs = (
        MatchCandidate.objects.filter(
            other_entry__submitted_list=submitted, decision=Decision.CONFIRMED
        )
        .exclude(entry__submitted_list=submitted)
        .select_related("entry__submitted_list")
    )
    return {c.other_entry_id: c for c in qs if c.other_entry_id is not None}


def _pending(submitted: SubmittedList) -> Counter[int]:
    qs = MatchCandidate.objects.filter(
        entry__submitted_list=submitted, decision=Decision.PENDING
    ).values_list("entry_id", flat=True)
    return Counter(qs)


def _standing_sign_offs(submitted: SubmittedList) -> dict[int, EntrySignOff]:
    """Per entry, its latest sign-off row if that row is a sign-off (not a withdrawal)."""
    latest: dict[int, EntrySignOff] = {}
    qs = (
        EntrySignOff.objects.filter(entry__submitted_list=submitted)
        .select_related("by")
        .order_by("at", "pk")
    )
    for row in qs:
        latest[row.entry_id] = row
    return {k: v for k, v in latest.items() if v.action == SignOffAction.SIGNED}


def _from_person(kind: str, candidate: MatchCandidate) -> tuple[Outcome, str]:
    person = candidate.person
    assert person is not None  # noqa: S101  (checked by the caller)
    status = PersonStatus(person.status)
    if status in DEAD_STATUSES:
        return Outcome.DECEASED, _("registry: %(s)s") % {"s": status.label}
    if status in HELD_STATUSES:
        return Outcome.ACKNOWLEDGED_HELD, ""
    note = _("registry: %(s)s") % {"s": status.label}
    return (Outcome.ACKNOWLEDGED_HELD if kind == ListKind.HELD else Outcome.UNKNOWN), note


def _from_entry(submitted: SubmittedList, candidate: MatchCandidate) -> tuple[Outcome, str]:
    other = candidate.other_entry
    assert other is not None  # noqa: S101
    if other.submitted_list_id == submitted.pk:
        return Outcome.DUPLICATE, _("duplicate of row %(n)d") % {"n": other.row_number}
    if submitted.kind == ListKind.HELD:
        return Outcome.ACKNOWLEDGED_HELD, _("not in the registry")
    return Outcome.ACKNOWLEDGED_HELD, ""


def _row(
    submitted: SubmittedList,
    entry: ListEntry,
    confirmed: MatchCandidate | None,
    reverse: MatchCandidate | None,
    pending: int,
    reconciled: bool,
    sign_off: EntrySignOff | None,
    freshness: Freshness,
) -> ReportRow:
    if confirmed is not None:
        # A confirmed identity overrides any sign-off (confirming also withdraws it).
        if confirmed.person_id is not None:
            outcome, note = _from_person(submitted.kind, confirmed)
        else:
            outcome, note = _from_entry(submitted, confirmed)
        return ReportRow(entry, outcome, confirmed, note, pending)
    if reverse is not None:
        return ReportRow(entry, Outcome.ACKNOWLEDGED_HELD, reverse, "", pending)
    if submitted.kind == ListKind.HELD:
        # Listed by the holder: acknowledged by definition; the registry does not know them.
        return ReportRow(entry, Outcome.ACKNOWLEDGED_HELD, None, _("not in the registry"), pending)
    predates = sign_off is not None and bool(freshness.sign_off_since(sign_off, entry))
    if pending:
        # A candidate awaiting a decision suspends a sign-off: it may be the person.
        return ReportRow(
            entry,
            Outcome.UNKNOWN,
            None,
            _("awaiting review"),
            pending,
            sign_off,
            sign_off_predates_new_data=predates,
        )
    if sign_off is not None and predates:
        # The search it attests did not cover the new data: unknown until searched again.
        note = str(SIGN_OFF_PREDATES) % {"user": sign_off.by.username}
        return ReportRow(
            entry,
            Outcome.UNKNOWN,
            None,
            note,
            0,
            sign_off,
            needs_sign_off=True,
            sign_off_predates_new_data=True,
        )
    if sign_off is not None:
        note = str(SIGNED_OFF) % {"user": sign_off.by.username}
        return ReportRow(entry, Outcome.NOT_ACKNOWLEDGED, None, note, 0, sign_off)
    if reconciled:
        return ReportRow(entry, Outcome.UNKNOWN, None, str(NEEDS_SIGN_OFF), 0, needs_sign_off=True)
    return ReportRow(entry, Outcome.UNKNOWN, None, _("not reconciled yet"), 0)


def list_report(submitted: SubmittedList) -> Report:
    """Every entry of the list with its outcome (callers have checked access)."""
    return _report(submitted, submitted.entries.order_by("row_number"))


def entry_outcome(entry: ListEntry) -> ReportRow:
    """One entry's row, by the same rules (the entry review page)."""
    return _report(entry.submitted_list, [entry]).rows[0]


def _report(submitted: SubmittedList, entries: Iterable[ListEntry]) -> Report:
    freshness = list_freshness(submitted)
    reconciled = freshness.run is not None
    confirmed = _confirmed(submitted)
    reverse = _confirmed_from_other_side(submitted)
    pending = _pending(submitted)
    sign_offs = _standing_sign_offs(submitted)
    entries = list(entries)
    freshness.prime_sign_offs(
        (entry, sign_offs[entry.pk]) for entry in entries if entry.pk in sign_offs
    )
    report = Report(
        submitted_list=submitted,
        reconciled=reconciled,
        new_data=freshness.since_run,
        freshness=freshness,
    )
    for entry in entries:
        report.rows.append(
            _row(
                submitted,
                entry,
                confirmed.get(entry.pk),
                reverse.get(entry.pk),
                pending.get(entry.pk, 0),
                reconciled,
                sign_offs.get(entry.pk),
                freshness,
            )
        )
    return report
