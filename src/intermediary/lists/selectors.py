"""Reads for lists, always scoped through the access module.

Parties reach their own lists and entries; candidates and runs are intermediary-only
(``Perm.LIST_REVIEW``); a report reaches a party only through a disclosure, and then only the
disclosed fields.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet

from intermediary.access.policy import (
    Perm,
    can,
    deny,
    disclosed_fields,
    get_visible_or_404,
    visible_dossiers,
    visible_list_drafts,
    visible_lists,
)
from intermediary.dossiers.models import Dossier
from intermediary.lists.choices import (
    CANDIDATE_OBJECT_TYPE,
    DRAFT_OBJECT_TYPE,
    ENTRY_OBJECT_TYPE,
    LIST_OBJECT_TYPE,
    REPORT_OBJECT_TYPE,
    Decision,
)
from intermediary.lists.freshness import NewData, list_freshness, other_side_lists
from intermediary.lists.models import (
    CandidateDecision,
    EntrySignOff,
    ListDraft,
    ListEntry,
    MatchCandidate,
    ReconciliationRun,
    SubmittedList,
)
from intermediary.lists.outcomes import Report, ReportRow, entry_outcome, list_report
from intermediary.lists.parsing import EntryData, ParsedList, parse_list
from intermediary.lists.renewal import RenewalPlan, renewal_plan
from intermediary.registry.choices import Script, Sex
from intermediary.registry.dates import format_partial
from intermediary.registry.names import query_tokens
from intermediary.registry.selectors import PersonPage, PersonQuery, person_search
from intermediary.registry.selectors import _dob_filter as registry_dob_filter

# Scored candidates best first, then a reviewer's own (no score) in the order added: the
# same on SQLite and PostgreSQL, which otherwise disagree on where NULL sorts.
BEST_FIRST = F("probability").desc(nulls_last=True)


def list_list(*, user: Any, dossier: Dossier) -> QuerySet[SubmittedList]:
    """The lists of one dossier the user may see (a party: its own), newest first."""
    return (
        visible_lists(user)
        .filter(dossier=dossier)
        .select_related("submitting_party", "submitted_by")
        .order_by("-submitted_at", "-pk")
    )


def list_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> SubmittedList:
    """One list the user may see, or 404 (the other side's lists do not exist for a party)."""
    return get_visible_or_404(
        user,
        visible_lists(user).select_related("dossier", "submitting_party", "submitted_by"),
        object_type=LIST_OBJECT_TYPE,
        path=path,
        public_id=public_id,
    )


# Enough rows to see that names, dates and columns were read right, without the whole file.
PREVIEW_ROWS = 20


@dataclass(frozen=True)
class PreviewRow:
    """One parsed row as the preview shows it: the entry, its date as understood (partial
    dates stay partial), and the labels of its detected script and sex."""

    entry: EntryData
    birth_date: str
    script: str
    sex: str


def _preview_row(entry: EntryData) -> PreviewRow:
    return PreviewRow(
        entry=entry,
        birth_date=format_partial(entry.birth_year, entry.birth_month, entry.birth_day),
        script=str(Script(entry.script).label) if entry.script in Script.values else entry.script,
        sex=str(Sex(entry.sex).label) if entry.sex in Sex.values else "",
    )


@dataclass(frozen=True)
class DraftPreview:
    """What the system read from an upload awaiting confirmation: the file as the confirm
    will parse it (the same bytes and encoding), and its first rows."""

    draft: ListDraft
    parsed: ParsedList

    @property
    def rows(self) -> list[PreviewRow]:
        return [_preview_row(entry) for entry in self.parsed.entries[:PREVIEW_ROWS]]

    @property
    def size(self) -> int:
        return len(self.draft.content)

    @property
    def more(self) -> int:
        return max(0, len(self.parsed.entries) - PREVIEW_ROWS)


def draft_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> ListDraft:
    """One of the user's own unexpired drafts, or 404: anyone else's (a colleague's too), an
    expired or a consumed one does not exist for them."""
    return get_visible_or_404(
        user,
        visible_list_drafts(user).select_related("dossier", "party"),
        object_type=DRAFT_OBJECT_TYPE,
        path=path,
        public_id=public_id,
    )


def draft_preview(*, draft: ListDraft) -> DraftPreview:
    """Parse the kept bytes again rather than store a summary: the preview then shows what
    the confirm will actually keep, under today's parsing rules."""
    parsed = parse_list(bytes(draft.content), draft.filename, draft.encoding)
    return DraftPreview(draft=draft, parsed=parsed)


def review_list_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> SubmittedList:
    """A list for review: only for the intermediary staff who work the dossier's lists.
    Anyone else gets the same 404 as for a list that does not exist."""
    submitted = list_get(user=user, public_id=public_id, path=path)
    if not can(user, Perm.LIST_REVIEW, submitted.dossier):
        raise deny(
            user,
            action="review",
            object_type=LIST_OBJECT_TYPE,
            object_ref=str(public_id),
            path=path,
        )
    return submitted


def entry_list(*, submitted_list: SubmittedList) -> QuerySet[ListEntry]:
    """Entries of a list the caller already fetched through ``list_get``."""
    return submitted_list.entries.order_by("row_number")


def run_latest(*, submitted_list: SubmittedList) -> ReconciliationRun | None:
    return submitted_list.runs.order_by("-requested_at", "-pk").first()


def candidate_list(
    *, submitted_list: SubmittedList, decision: str | None = None
) -> QuerySet[MatchCandidate]:
    """Candidates of a list fetched through ``review_list_get``, best first per entry."""
    qs = MatchCandidate.objects.filter(entry__submitted_list=submitted_list).select_related(
        "entry",
        "person",
        "matched_name",
        "added_by",
        "decided_by",
        "other_entry__submitted_list__submitting_party",
    )
    if decision:
        qs = qs.filter(decision=decision)
    return qs.order_by("entry__row_number", BEST_FIRST, "pk")


def review_entries(
    *, submitted_list: SubmittedList, pending_only: bool = False
) -> QuerySet[ListEntry]:
    """Entries with at least one candidate (or one awaiting review), their candidates
    prefetched (review page)."""
    wanted = MatchCandidate.objects.filter(entry__submitted_list=submitted_list)
    if pending_only:
        wanted = wanted.filter(decision=Decision.PENDING)
    return (
        submitted_list.entries.filter(pk__in=wanted.values("entry_id"))
        .prefetch_related(
            Prefetch(
                "candidates",
                queryset=MatchCandidate.objects.select_related(
                    "person", "matched_name", "other_entry__submitted_list__submitting_party"
                ).order_by(BEST_FIRST, "pk"),
            )
        )
        .order_by("row_number")
    )


def candidate_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> MatchCandidate:
    """One candidate, for the intermediary staff working the dossier's lists; else 404."""
    scope = MatchCandidate.objects.filter(
        entry__submitted_list__in=visible_lists(user)
    ).select_related(
        "entry__submitted_list__dossier",
        "entry__submitted_list__submitting_party",
        "person__holding_party",
        "matched_name",
        "added_by",
        "other_entry__submitted_list__submitting_party",
    )
    candidate = get_visible_or_404(
        user, scope, object_type=CANDIDATE_OBJECT_TYPE, path=path, public_id=public_id
    )
    if not can(user, Perm.LIST_REVIEW, candidate.entry.submitted_list.dossier):
        raise deny(
            user,
            action="review",
            object_type=CANDIDATE_OBJECT_TYPE,
            object_ref=str(public_id),
            path=path,
        )
    return candidate


def decision_history(*, candidate: MatchCandidate) -> QuerySet[CandidateDecision]:
    return candidate.decisions.select_related("decided_by").order_by("-decided_at", "-pk")


def entry_review_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> ListEntry:
    """One entry for review (candidates, manual search, sign-off): only for the intermediary
    staff who work the dossier's lists; anyone else gets the 404 of a missing entry."""
    scope = ListEntry.objects.filter(submitted_list__in=visible_lists(user)).select_related(
        "submitted_list__dossier", "submitted_list__submitting_party"
    )
    entry = get_visible_or_404(
        user, scope, object_type=ENTRY_OBJECT_TYPE, path=path, public_id=public_id
    )
    if not can(user, Perm.LIST_REVIEW, entry.submitted_list.dossier):
        raise deny(
            user,
            action="review",
            object_type=ENTRY_OBJECT_TYPE,
            object_ref=str(public_id),
            path=path,
        )
    return entry


def entry_candidates(*, entry: ListEntry) -> QuerySet[MatchCandidate]:
    """An entry's candidates (fetched through ``entry_review_get``): scored ones best first,
    then the reviewers' own in the order they were added."""
    return entry.candidates.select_related(
        "person",
        "matched_name",
        "added_by",
        "other_entry__submitted_list__submitting_party",
    ).order_by(F("probability").desc(nulls_last=True), "pk")


def entry_row(*, entry: ListEntry) -> ReportRow:
    """The entry's outcome, note and standing sign-off (entry fetched for review)."""
    return entry_outcome(entry)


def awaiting_sign_off(*, submitted_list: SubmittedList) -> list[ReportRow]:
    """Entries of a reviewed list that nothing was found for and nobody has signed off."""
    return list_report(submitted_list).awaiting_sign_off


def sign_off_history(*, entry: ListEntry) -> QuerySet[EntrySignOff]:
    """Every sign-off and withdrawal of an entry, newest first (intermediary only)."""
    return entry.sign_offs.select_related("by").order_by("-at", "-pk")


@dataclass(frozen=True)
class ManualSearch:
    """Registry persons a reviewer may add as candidates for an entry, one page of them;
    ``already`` holds the persons that already are candidates of the entry."""

    page: PersonPage
    already: frozenset[int]


def entry_person_search(
    *,
    user: Any,
    entry: ListEntry,
    name: str = "",
    dob: str = "",
    id_number: str = "",
    page: int = 1,
) -> ManualSearch | None:
    """The registry's own search (normalised names across scripts, partial dates), limited
    to the persons the reviewer sees in the entry's dossier. None when nothing was asked:
    the reviewer searches, the page does not list the whole registry."""
    if not (name.strip() or dob.strip() or id_number.strip()):
        return None
    query = PersonQuery(
        name=name,
        dob=dob,
        id_number=id_number,
        dossier=entry.submitted_list.dossier.public_id,
    )
    found = person_search(user=user, query=query, page=page, per_page=SEARCH_PER_PAGE)
    already = frozenset(
        entry.candidates.filter(person__isnull=False).values_list("person_id", flat=True)
    )
    return ManualSearch(page=found, already=already)


SEARCH_PER_PAGE = 20


@dataclass(frozen=True)
class EntryPage:
    """One page of entries found by a reviewer's search (no total count, like the registry's
    search); ``already`` holds the entries that already are candidates of the entry."""

    items: list[ListEntry]
    page: int
    has_next: bool
    already: frozenset[int]

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def entry_other_side_search(
    *,
    user: Any,
    entry: ListEntry,
    name: str = "",
    dob: str = "",
    id_number: str = "",
    page: int = 1,
) -> EntryPage | None:
    """Entries of the other side's lists that a reviewer may add as candidates for ``entry``
    (fetched through ``entry_review_get``): on the lists its reconciliation compares it with
    (opposite kind, another party, same dossier) that the reviewer sees. Names are folded by
    the matching library's rules, as in the registry search; every part of the name asked
    must occur in one of the names the entry gives. None when nothing was asked."""
    lists = other_side_lists(entry.submitted_list).filter(pk__in=visible_lists(user).values("pk"))
    return _entry_search(
        entry, Q(submitted_list__in=lists), name=name, dob=dob, id_number=id_number, page=page
    )


def entry_earlier_rows_search(
    *,
    user: Any,
    entry: ListEntry,
    name: str = "",
    dob: str = "",
    id_number: str = "",
    page: int = 1,
) -> EntryPage | None:
    """Earlier rows of the entry's own list (fetched through ``entry_review_get``, so the
    list is one the reviewer works) that a reviewer may add as possible duplicates: the
    rows the matcher's own within-list search would point this row to. Same search as the
    other side's lists. None when nothing was asked."""
    scope = Q(submitted_list_id=entry.submitted_list_id, row_number__lt=entry.row_number)
    return _entry_search(entry, scope, name=name, dob=dob, id_number=id_number, page=page)


def _entry_search(
    entry: ListEntry, scope: Q, *, name: str, dob: str, id_number: str, page: int
) -> EntryPage | None:
    """One page of the entries in ``scope`` matching a reviewer's search (folded names, the
    registry search's date forms, an exact identity number), in list and row order."""
    if not (name.strip() or dob.strip() or id_number.strip()):
        return None
    q = scope
    for token in query_tokens(name):
        q &= Q(search_key__contains=token)
    if dob.strip():
        # The registry search's date forms and refusal; an entry's parsed date has the same
        # birth_year / birth_month / birth_day fields as a person.
        q &= registry_dob_filter(dob)
    if id_number.strip():
        q &= Q(id_number=id_number.strip())
    page = max(page, 1)
    start = (page - 1) * SEARCH_PER_PAGE
    qs = (
        ListEntry.objects.filter(q)
        .select_related("submitted_list__submitting_party")
        .order_by("submitted_list__submitted_at", "submitted_list_id", "row_number")
    )
    rows = list(qs[start : start + SEARCH_PER_PAGE + 1])
    already = entry.candidates.filter(other_entry__isnull=False).values_list(
        "other_entry_id", flat=True
    )
    return EntryPage(
        items=rows[:SEARCH_PER_PAGE],
        page=page,
        has_next=len(rows) > SEARCH_PER_PAGE,
        already=frozenset(pk for pk in already if pk is not None),
    )


def other_entry_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> ListEntry:
    """An entry of any list the user sees (the one a reviewer adds as a candidate), or 404;
    whether it is on the other side, or an earlier row of the same list, is the service's
    to check."""
    scope = ListEntry.objects.filter(submitted_list__in=visible_lists(user)).select_related(
        "submitted_list"
    )
    return get_visible_or_404(
        user, scope, object_type=ENTRY_OBJECT_TYPE, path=path, public_id=public_id
    )


@dataclass(frozen=True)
class ReviewQueue:
    """What the review page shows beside the candidates: the entries still to search and
    sign off (or whose sign-off predates new data), each entry's row by id (for the marks
    beside its candidates), and what arrived since the last reconciliation."""

    report: Report
    rows: dict[int, ReportRow]

    @property
    def awaiting_sign_off(self) -> list[ReportRow]:
        return self.report.awaiting_sign_off

    @property
    def new_data(self) -> NewData:
        return self.report.new_data


def review_queue(*, submitted_list: SubmittedList) -> ReviewQueue:
    """The review state of a list fetched through ``review_list_get``."""
    report = list_report(submitted_list)
    return ReviewQueue(report=report, rows={row.entry.pk: row for row in report.rows})


def renewal_get(*, submitted_list: SubmittedList) -> RenewalPlan:
    """The sign-offs of a list (fetched through ``review_list_get``) that predate new data:
    those the system's fresh search cleared for renewal together, and those held back for
    individual review, with why (``lists.renewal``)."""
    return renewal_plan(submitted_list)


def list_new_data(*, submitted_list: SubmittedList) -> NewData:
    """What the dossier holds beyond the list's last finished reconciliation (reviewers)."""
    return list_freshness(submitted_list).since_run


@dataclass
class ReportView:
    """A report as one user may see it: the full report for the intermediary; for a party,
    only the disclosed fields (``counts`` and/or ``rows`` left empty otherwise)."""

    report: Report
    full: bool
    show_counts: bool
    show_rows: bool


def report_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> ReportView:
    """The reconciliation report of a list. Intermediary reviewers see everything; a party
    sees a report only once disclosed to it (its own list or the other side's), and then
    only the disclosed fields; otherwise 404."""
    reviewer = SubmittedList.objects.filter(
        public_id=public_id, pk__in=visible_lists(user).values("pk")
    ).first()
    if reviewer is not None and can(user, Perm.LIST_REVIEW, reviewer.dossier):
        return ReportView(list_report(reviewer), full=True, show_counts=True, show_rows=True)
    fields = _disclosed(user, public_id)
    submitted = (
        SubmittedList.objects.filter(public_id=public_id, dossier__in=visible_dossiers(user))
        .select_related("dossier", "submitting_party")
        .first()
    )
    if submitted is None or not fields:
        raise deny(
            user, action="view", object_type="lists.report", object_ref=str(public_id), path=path
        )
    return ReportView(
        list_report(submitted),
        full=False,
        show_counts="outcome_counts" in fields,
        show_rows="outcome_per_entry" in fields,
    )


def _disclosed(user: Any, public_id: uuid.UUID | str) -> frozenset[str]:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return frozenset()
    return disclosed_fields(user, REPORT_OBJECT_TYPE, key)


def disclosure_list(*, submitted_list: SubmittedList) -> QuerySet[Any]:
    """Disclosures of a list's report (for the coordinator's page)."""
    from intermediary.access.models import Disclosure

    return Disclosure.objects.filter(
        object_type=REPORT_OBJECT_TYPE, object_id=submitted_list.public_id
    ).select_related("recipient", "disclosed_by")
