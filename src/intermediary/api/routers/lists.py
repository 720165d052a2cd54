"""API: lists (multipart submit and its dry run, the file as submitted, entries), reconciliation
(start, progress, new data since), candidates and decisions (intermediary only), a reviewer's
own search of the registry, of the other side's lists and of the list's earlier rows and the
candidates it adds, the "searched, no match" sign-off of an entry (and the renewal of many), the
report, and its disclosure. Same services and selectors as the pages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from intermediary.access.policy import Perm, can, deny, require
from intermediary.accounts import selectors as account_selectors
from intermediary.api.errors import error_body
from intermediary.api.routers.accounts import ERRORS
from intermediary.core.downloads import raw_file_response
from intermediary.core.errors import field_error
from intermediary.dossiers import selectors as dossier_selectors
from intermediary.lists import selectors, services
from intermediary.lists.freshness import NewData
from intermediary.lists.models import (
    EntrySignOff,
    ListEntry,
    MatchCandidate,
    ReconciliationRun,
    SubmittedList,
)
from intermediary.lists.parsing import EntryData
from intermediary.lists.presentation import candidate_reason, contributions
from intermediary.lists.renewal import HeldBack
from intermediary.registry import selectors as registry_selectors
from intermediary.registry.dates import format_partial
from intermediary.registry.models import Person

router = Router(tags=["lists"])


class RunOut(Schema):
    id: str
    status: str
    progress: int
    stage: str
    threshold: float
    requested_at: datetime
    finished_at: datetime | None
    candidate_count: int
    error: str


class NewDataOut(Schema):
    """What the dossier gained since the last finished reconciliation, and how many
    corrections its registry records had since (reviewers only)."""

    persons: int
    person_names: int
    lists: int
    corrections: int


class ListOut(Schema):
    id: str
    dossier: str
    kind: str
    submitting_party: str
    submitted_by: str
    on_behalf: bool
    submitted_at: datetime
    title: str
    filename: str
    sha256: str
    size: int
    format: str
    encoding: str
    entry_count: int
    reconciliation: RunOut | None = None
    new_data: NewDataOut | None = None


class EntryFieldsOut(Schema):
    """An entry's fields as read from the file: of a kept entry (``EntryOut``) and of a row a
    preview shows (``ListPreviewOut``), so both say the same thing the same way."""

    row: int
    reference: str
    full_name: str
    script: str
    other_names: str
    given_name: str
    family_name: str
    father_name: str
    date_of_birth: str
    birth_year: int | None
    birth_month: int | None
    birth_day: int | None
    place_of_birth: str
    id_number: str
    sex: str
    notes: str


class EntryOut(EntryFieldsOut):
    id: str


class ContributionOut(Schema):
    field: str
    weight: float


class CandidateOut(Schema):
    id: str
    entry: str
    entry_row: int
    target_kind: str
    person: str | None
    matched_name: str | None
    other_entry: str | None
    source: str
    probability: float | None
    reason: str
    explanation: list[ContributionOut]
    added_by: str | None
    decision: str
    decided_by: str | None
    decided_at: datetime | None


class ReportRowOut(Schema):
    row: int
    reference: str
    full_name: str
    outcome: str
    entry: str | None = None
    needs_sign_off: bool | None = None
    note: str | None = None
    match: str | None = None
    probability: float | None = None
    sign_off_predates_new_data: bool | None = None


class ReportOut(Schema):
    id: str
    reconciled: bool | None = None
    new_data: NewDataOut | None = None
    counts: dict[str, int] | None = None
    entries: list[ReportRowOut] | None = None


def run_out(run: ReconciliationRun) -> RunOut:
    return RunOut(
        id=str(run.public_id),
        status=run.status,
        progress=run.progress,
        stage=run.stage,
        threshold=run.threshold,
        requested_at=run.requested_at,
        finished_at=run.finished_at,
        candidate_count=run.candidate_count,
        error=run.error,
    )


def new_data_out(new: NewData) -> NewDataOut | None:
    """None when nothing arrived or was corrected since the last reconciliation (or it never
    ran)."""
    if not new:
        return None
    return NewDataOut(
        persons=new.persons,
        person_names=new.person_names,
        lists=new.lists,
        corrections=new.corrections,
    )


def list_out(submitted: SubmittedList, *, reviewer: bool) -> ListOut:
    run = selectors.run_latest(submitted_list=submitted) if reviewer else None
    new = selectors.list_new_data(submitted_list=submitted) if reviewer else None
    return ListOut(
        id=str(submitted.public_id),
        dossier=str(submitted.dossier.public_id),
        kind=submitted.kind,
        submitting_party=str(submitted.submitting_party.public_id),
        submitted_by=_submitter(submitted, reviewer=reviewer),
        on_behalf=submitted.on_behalf,
        submitted_at=submitted.submitted_at,
        title=submitted.title,
        filename=submitted.filename,
        sha256=submitted.sha256,
        size=submitted.size,
        format=submitted.file_format,
        encoding=submitted.encoding,
        entry_count=submitted.entry_count,
        reconciliation=run_out(run) if run is not None else None,
        new_data=new_data_out(new) if new is not None else None,
    )


def _submitter(submitted: SubmittedList, *, reviewer: bool) -> str:
    """Which staff member uploaded for a party is the intermediary's business."""
    if submitted.on_behalf and not reviewer:
        return "intermediary"
    return submitted.submitted_by.username


def _entry_fields(entry: ListEntry | EntryData) -> dict[str, Any]:
    """The fields a kept entry and a parsed row have alike (the same attribute names)."""
    return {
        "row": entry.row_number,
        "reference": entry.reference,
        "full_name": entry.full_name,
        "script": entry.script,
        "other_names": entry.other_names,
        "given_name": entry.given_name,
        "family_name": entry.family_name,
        "father_name": entry.father_name,
        "date_of_birth": entry.date_of_birth_text,
        "birth_year": entry.birth_year,
        "birth_month": entry.birth_month,
        "birth_day": entry.birth_day,
        "place_of_birth": entry.place_of_birth,
        "id_number": entry.id_number,
        "sex": entry.sex,
        "notes": entry.notes,
    }


def entry_out(entry: ListEntry) -> EntryOut:
    return EntryOut(id=str(entry.public_id), **_entry_fields(entry))


def candidate_out(candidate: MatchCandidate) -> CandidateOut:
    return CandidateOut(
        id=str(candidate.public_id),
        entry=str(candidate.entry.public_id),
        entry_row=candidate.entry.row_number,
        target_kind="person" if candidate.person_id else "entry",
        person=str(candidate.person.public_id) if candidate.person else None,
        matched_name=candidate.matched_name.full_text if candidate.matched_name else None,
        other_entry=str(candidate.other_entry.public_id) if candidate.other_entry else None,
        source=candidate.source,
        probability=candidate.probability,
        reason=candidate_reason(candidate),
        explanation=[
            ContributionOut(field=c.field, weight=c.weight) for c in contributions(candidate)
        ],
        added_by=candidate.added_by.username if candidate.added_by else None,
        decision=candidate.decision,
        decided_by=candidate.decided_by.username if candidate.decided_by else None,
        decided_at=candidate.decided_at,
    )


def _reviewer(request: HttpRequest, submitted: SubmittedList) -> bool:
    return can(request.user, Perm.LIST_REVIEW, submitted.dossier)


@router.get(
    "/dossiers/{dossier_id}/lists", response={200: list[ListOut], **ERRORS}, url_name="api-lists"
)
def list_list(request: HttpRequest, dossier_id: uuid.UUID) -> list[ListOut]:
    dossier = dossier_selectors.dossier_get(
        user=request.user, public_id=dossier_id, path=request.path
    )
    reviewer = can(request.user, Perm.LIST_REVIEW, dossier)
    return [
        list_out(s, reviewer=reviewer)
        for s in selectors.list_list(user=request.user, dossier=dossier).select_related("dossier")
    ]


@router.post(
    "/dossiers/{dossier_id}/lists", response={201: ListOut, **ERRORS}, url_name="api-list-submit"
)
def list_submit(
    request: HttpRequest,
    dossier_id: uuid.UUID,
    file: File[UploadedFile | None] = None,
    kind: Form[str] = "",
    party: Form[str] = "",
    encoding: Form[str] = "",
    title: Form[str] = "",
) -> Status[Any]:
    """Submit a list (multipart field ``file``, CSV or XLSX; ``kind`` held or sought;
    ``party`` when the intermediary uploads on a party's behalf). A refused file answers 422
    with every problem under ``error.fields.rows`` (row, column, code, message)."""
    dossier, upload, organisation = _submission(request, dossier_id, file, party)
    try:
        submitted = services.list_submit(
            actor=request.user,
            dossier=dossier,
            kind=kind,
            data=upload.read(),
            filename=upload.name or "",
            party=organisation,
            encoding=encoding,
            title=title,
        )
    except services.ListRejected as rejected:
        return Status(422, _rejected_body(rejected))
    return Status(201, list_out(submitted, reviewer=_reviewer(request, submitted)))


class ColumnOut(Schema):
    header: str
    column: str


class ListPreviewOut(Schema):
    """What a submission of the file would keep, kept nowhere."""

    kind: str
    party: str
    filename: str
    sha256: str
    size: int
    format: str
    encoding: str
    entry_count: int
    columns: list[ColumnOut]
    entries: list[EntryFieldsOut]


@router.post(
    "/dossiers/{dossier_id}/lists/preview",
    response={200: ListPreviewOut, **ERRORS},
    url_name="api-list-preview",
)
def list_preview(
    request: HttpRequest,
    dossier_id: uuid.UUID,
    file: File[UploadedFile | None] = None,
    kind: Form[str] = "",
    party: Form[str] = "",
    encoding: Form[str] = "",
) -> Status[Any]:
    """A dry run of the submission (same fields): every check, the same 422 for a refused
    file, and on success what would be kept (the column mapping, the first rows as parsed)
    without keeping anything. Submit the same file to the endpoint above to keep it."""
    dossier, upload, organisation = _submission(request, dossier_id, file, party)
    data = upload.read()
    try:
        check = services.list_check(
            actor=request.user,
            dossier=dossier,
            kind=kind,
            data=data,
            filename=upload.name or "",
            party=organisation,
            encoding=encoding,
        )
    except services.ListRejected as rejected:
        return Status(422, _rejected_body(rejected))
    return Status(200, _preview_out(check, kind, upload.name or "", len(data)))


def _submission(
    request: HttpRequest, dossier_id: uuid.UUID, file: UploadedFile | None, party: str
) -> tuple[Any, UploadedFile, Any]:
    """The dossier, the upload and the named party of a submission or its dry run, after
    the access checks both share (403 for who sees the dossier but may not submit)."""
    dossier = dossier_selectors.dossier_get(
        user=request.user, public_id=dossier_id, path=request.path
    )
    require(request.user, Perm.LIST_SUBMIT, dossier)
    if file is None:
        raise field_error("file", "Attach the file as the multipart field 'file'.", "required")
    organisation = (
        account_selectors.organisation_get(user=request.user, public_id=party, path=request.path)
        if party
        else None
    )
    return dossier, file, organisation


def _rejected_body(rejected: services.ListRejected) -> dict[str, Any]:
    rows = [error.as_dict() for error in rejected.row_errors]
    messages = [str(m) for m in rejected.messages]
    return error_body("invalid_file", "The file was refused.", {"file": messages, "rows": rows})


def _preview_out(check: services.ListCheck, kind: str, filename: str, size: int) -> ListPreviewOut:
    parsed = check.parsed
    return ListPreviewOut(
        kind=kind,
        party=str(check.party.public_id),
        filename=filename,
        sha256=check.sha256,
        size=size,
        format=parsed.file_format,
        encoding=parsed.encoding,
        entry_count=len(parsed.entries),
        columns=[ColumnOut(header=h, column=c) for h, c in parsed.columns],
        entries=[_preview_entry(e) for e in parsed.entries[: selectors.PREVIEW_ROWS]],
    )


def _preview_entry(entry: EntryData) -> EntryFieldsOut:
    return EntryFieldsOut(**_entry_fields(entry))


@router.get("/lists/{list_id}", response={200: ListOut, **ERRORS}, url_name="api-list")
def list_detail(request: HttpRequest, list_id: uuid.UUID) -> ListOut:
    submitted = selectors.list_get(user=request.user, public_id=list_id, path=request.path)
    return list_out(submitted, reviewer=_reviewer(request, submitted))


@router.get("/lists/{list_id}/file", response={**ERRORS}, url_name="api-list-file")
def list_file(request: HttpRequest, list_id: uuid.UUID) -> HttpResponse:
    """The list's file exactly as submitted: original name (``Content-Disposition:
    attachment``), its content type, and its SHA-256 as ``Repr-Digest`` (equal to the list's
    ``sha256``). For the intermediary team and the submitting party; audited."""
    submitted = selectors.list_get(user=request.user, public_id=list_id, path=request.path)
    return raw_file_response(
        services.list_file_download(actor=request.user, submitted_list=submitted)
    )


@router.get(
    "/lists/{list_id}/entries",
    response={200: list[EntryOut], **ERRORS},
    url_name="api-list-entries",
)
def list_entries(request: HttpRequest, list_id: uuid.UUID) -> list[EntryOut]:
    submitted = selectors.list_get(user=request.user, public_id=list_id, path=request.path)
    return [entry_out(e) for e in selectors.entry_list(submitted_list=submitted)]


class ReconcileIn(Schema):
    threshold: float | None = None


@router.post(
    "/lists/{list_id}/reconciliation",
    response={202: RunOut, **ERRORS},
    url_name="api-list-reconcile",
)
def list_reconcile(
    request: HttpRequest, list_id: uuid.UUID, payload: ReconcileIn
) -> Status[RunOut]:
    """Queue a reconciliation; poll GET on the same path for its progress."""
    submitted = selectors.review_list_get(user=request.user, public_id=list_id, path=request.path)
    run = services.reconciliation_start(
        actor=request.user, submitted_list=submitted, threshold=payload.threshold
    )
    return Status(202, run_out(run))


@router.get(
    "/lists/{list_id}/reconciliation",
    response={200: RunOut, **ERRORS},
    url_name="api-list-reconciliation",
)
def list_reconciliation(request: HttpRequest, list_id: uuid.UUID) -> RunOut:
    submitted = selectors.review_list_get(user=request.user, public_id=list_id, path=request.path)
    run = selectors.run_latest(submitted_list=submitted)
    if run is None:
        raise deny(
            request.user,
            action="view",
            object_type="lists.run",
            object_ref=str(list_id),
            path=request.path,
        )
    return run_out(run)


@router.get(
    "/lists/{list_id}/candidates",
    response={200: list[CandidateOut], **ERRORS},
    url_name="api-list-candidates",
)
def list_candidates(
    request: HttpRequest, list_id: uuid.UUID, decision: str | None = None
) -> list[CandidateOut]:
    submitted = selectors.review_list_get(user=request.user, public_id=list_id, path=request.path)
    candidates = selectors.candidate_list(submitted_list=submitted, decision=decision)
    return [candidate_out(c) for c in candidates]


class DecisionIn(Schema):
    decision: str
    note: str = ""


@router.post(
    "/candidates/{candidate_id}/decision",
    response={200: CandidateOut, **ERRORS},
    url_name="api-candidate-decide",
)
def candidate_decide(
    request: HttpRequest, candidate_id: uuid.UUID, payload: DecisionIn
) -> CandidateOut:
    candidate = selectors.candidate_get(
        user=request.user, public_id=candidate_id, path=request.path
    )
    decided = services.candidate_decide(
        actor=request.user, candidate=candidate, decision=payload.decision, note=payload.note
    )
    return candidate_out(selectors.candidate_get(user=request.user, public_id=decided.public_id))


class SignOffIn(Schema):
    note: str = ""


class SignOffOut(Schema):
    id: str
    entry: str
    action: str
    note: str
    by: str
    at: datetime


def sign_off_out(row: EntrySignOff) -> SignOffOut:
    return SignOffOut(
        id=str(row.public_id),
        entry=str(row.entry.public_id),
        action=row.action,
        note=row.note,
        by=row.by.username,
        at=row.at,
    )


@router.get(
    "/entries/{entry_id}/sign-offs",
    response={200: list[SignOffOut], **ERRORS},
    url_name="api-entry-sign-offs",
)
def entry_sign_offs(request: HttpRequest, entry_id: uuid.UUID) -> list[SignOffOut]:
    """Every sign-off and withdrawal of an entry, newest first (intermediary only)."""
    entry = selectors.entry_review_get(user=request.user, public_id=entry_id, path=request.path)
    return [sign_off_out(row) for row in selectors.sign_off_history(entry=entry)]


@router.post(
    "/entries/{entry_id}/sign-off",
    response={201: SignOffOut, **ERRORS},
    url_name="api-entry-sign-off",
)
def entry_sign_off(
    request: HttpRequest, entry_id: uuid.UUID, payload: SignOffIn
) -> Status[SignOffOut]:
    """Sign off a sought entry as "searched, no match" (``note``: what was searched). Only
    this makes its outcome "not acknowledged"."""
    entry = selectors.entry_review_get(user=request.user, public_id=entry_id, path=request.path)
    row = services.entry_sign_off(actor=request.user, entry=entry, note=payload.note)
    return Status(201, sign_off_out(row))


@router.post(
    "/entries/{entry_id}/sign-off/withdrawal",
    response={201: SignOffOut, **ERRORS},
    url_name="api-entry-sign-off-withdraw",
)
def entry_sign_off_withdraw(
    request: HttpRequest, entry_id: uuid.UUID, payload: SignOffIn
) -> Status[SignOffOut]:
    """Withdraw the entry's standing sign-off (``note``: why); the history keeps both."""
    entry = selectors.entry_review_get(user=request.user, public_id=entry_id, path=request.path)
    row = services.entry_sign_off_withdraw(actor=request.user, entry=entry, note=payload.note)
    return Status(201, sign_off_out(row))


class RenewalEntryOut(Schema):
    """An entry whose "searched, no match" sign-off predates new data."""

    entry: str
    row: int
    reference: str
    name: str
    signed_off_by: str
    signed_off_at: datetime


class HeldBackOut(RenewalEntryOut):
    """An entry left for individual review: ``reasons`` (``candidate_awaiting_review``,
    ``corrected_person_could_match``), how many candidates await review, and the registry
    persons corrected since the sign-off who could match it."""

    reasons: list[str]
    pending: int
    corrected_persons: list[str]


class RenewalPlanOut(Schema):
    """``reconcile_first``: the list's last reconciliation predates the data, so nothing can
    be renewed until it is reconciled again."""

    reconcile_first: bool
    run: str | None
    renewable: list[RenewalEntryOut]
    held_back: list[HeldBackOut]


class RenewalIn(Schema):
    note: str = ""
    entries: list[str] = []


class RenewalOut(Schema):
    """``skipped``: chosen entries that no longer needed a renewal."""

    batch: str
    renewed: list[SignOffOut]
    held_back: list[HeldBackOut]
    skipped: list[str]


def _renewal_entry(row: Any) -> dict[str, Any]:
    entry, sign_off = row.entry, row.sign_off
    return {
        "entry": str(entry.public_id),
        "row": entry.row_number,
        "reference": entry.reference,
        "name": entry.full_name,
        "signed_off_by": sign_off.by.username,
        "signed_off_at": sign_off.at,
    }


def held_back_out(held: HeldBack) -> HeldBackOut:
    return HeldBackOut(
        **_renewal_entry(held.row),
        reasons=held.reasons,
        pending=held.pending,
        corrected_persons=[str(person.public_id) for person in held.corrected],
    )


@router.get(
    "/lists/{list_id}/sign-off-renewals",
    response={200: RenewalPlanOut, **ERRORS},
    url_name="api-list-sign-off-renewals",
)
def list_sign_off_renewals(request: HttpRequest, list_id: uuid.UUID) -> RenewalPlanOut:
    """The list's sign-offs that predate new data: those the system's fresh search cleared
    for renewal together, and those left for individual review, with why (intermediary
    only)."""
    submitted = selectors.review_list_get(user=request.user, public_id=list_id, path=request.path)
    plan = selectors.renewal_get(submitted_list=submitted)
    return RenewalPlanOut(
        reconcile_first=plan.reconcile_first,
        run=str(plan.run.public_id) if plan.run is not None else None,
        renewable=[RenewalEntryOut(**_renewal_entry(row)) for row in plan.renewable],
        held_back=[held_back_out(held) for held in plan.held_back],
    )


@router.post(
    "/lists/{list_id}/sign-off-renewals",
    response={201: RenewalOut, **ERRORS},
    url_name="api-list-sign-off-renew",
)
def list_sign_off_renew(
    request: HttpRequest, list_id: uuid.UUID, payload: RenewalIn
) -> Status[RenewalOut]:
    """Renew the sign-offs of the chosen ``entries`` (ids from the GET) that the fresh
    search cleared, with ``note`` (what was searched again); the others chosen are held
    back and returned. The per-entry ``POST /entries/{id}/sign-off`` does the same for one
    entry, without the fresh search's filter."""
    submitted = selectors.review_list_get(user=request.user, public_id=list_id, path=request.path)
    result = services.sign_offs_renew(
        actor=request.user, submitted_list=submitted, entries=payload.entries, note=payload.note
    )
    return Status(
        201,
        RenewalOut(
            batch=str(result.batch),
            renewed=[sign_off_out(row) for row in result.renewed],
            held_back=[held_back_out(held) for held in result.held_back],
            skipped=[str(entry) for entry in result.skipped],
        ),
    )


class PersonHitOut(Schema):
    id: str
    names: list[str]
    date_of_birth: str
    sex: str
    status: str
    holding_party: str | None
    already_candidate: bool


def person_hit_out(person: Person, already: frozenset[int]) -> PersonHitOut:
    return PersonHitOut(
        id=str(person.public_id),
        names=[name.full_text for name in person.names.all()],
        date_of_birth=format_partial(person.birth_year, person.birth_month, person.birth_day),
        sex=person.sex,
        status=person.status,
        holding_party=person.holding_party.short_name if person.holding_party else None,
        already_candidate=person.pk in already,
    )


class EntrySearchIn(Schema):
    """A reviewer's own search for an entry (registry, other side's lists, earlier rows): the
    same query parameters for each, as on the entry page."""

    name: str = ""
    dob: str = ""
    id_number: str = ""
    page: int = 1


@router.get(
    "/entries/{entry_id}/person-search",
    response={200: list[PersonHitOut], **ERRORS},
    url_name="api-entry-person-search",
)
def entry_person_search(
    request: HttpRequest, entry_id: uuid.UUID, query: Query[EntrySearchIn]
) -> list[PersonHitOut]:
    """The registry persons of the entry's dossier matching a reviewer's own search (names
    folded across scripts, partial dates); empty when nothing is asked."""
    entry = selectors.entry_review_get(user=request.user, public_id=entry_id, path=request.path)
    found = selectors.entry_person_search(user=request.user, entry=entry, **query.dict())
    if found is None:
        return []
    return [person_hit_out(person, found.already) for person in found.page.items]


class EntryHitOut(Schema):
    id: str
    list: str
    list_kind: str
    party: str
    row: int
    reference: str
    full_name: str
    other_names: str
    father_name: str
    date_of_birth: str
    sex: str
    already_candidate: bool


def entry_hit_out(entry: ListEntry, already: frozenset[int]) -> EntryHitOut:
    return EntryHitOut(
        id=str(entry.public_id),
        list=str(entry.submitted_list.public_id),
        list_kind=entry.submitted_list.kind,
        party=entry.submitted_list.submitting_party.short_name,
        row=entry.row_number,
        reference=entry.reference,
        full_name=entry.full_name,
        other_names=entry.other_names,
        father_name=entry.father_name,
        date_of_birth=entry.date_of_birth_text,
        sex=entry.sex,
        already_candidate=entry.pk in already,
    )


@router.get(
    "/entries/{entry_id}/other-side-search",
    response={200: list[EntryHitOut], **ERRORS},
    url_name="api-entry-other-side-search",
)
def entry_other_side_search(
    request: HttpRequest, entry_id: uuid.UUID, query: Query[EntrySearchIn]
) -> list[EntryHitOut]:
    """Entries of the other side's lists (opposite kind, another party, same dossier) matching
    a reviewer's own search (names folded like the registry's); empty when nothing is asked."""
    entry = selectors.entry_review_get(user=request.user, public_id=entry_id, path=request.path)
    found = selectors.entry_other_side_search(user=request.user, entry=entry, **query.dict())
    return entry_hits(found)


@router.get(
    "/entries/{entry_id}/earlier-rows-search",
    response={200: list[EntryHitOut], **ERRORS},
    url_name="api-entry-earlier-rows-search",
)
def entry_earlier_rows_search(
    request: HttpRequest, entry_id: uuid.UUID, query: Query[EntrySearchIn]
) -> list[EntryHitOut]:
    """Earlier rows of the entry's own list (lower row numbers) matching a reviewer's own
    search, to add as possible duplicates with ``POST /entries/{id}/candidates``
    (``other_entry``); empty when nothing is asked."""
    entry = selectors.entry_review_get(user=request.user, public_id=entry_id, path=request.path)
    found = selectors.entry_earlier_rows_search(user=request.user, entry=entry, **query.dict())
    return entry_hits(found)


def entry_hits(found: selectors.EntryPage | None) -> list[EntryHitOut]:
    return [] if found is None else [entry_hit_out(hit, found.already) for hit in found.items]


class CandidateAddIn(Schema):
    """One of the two: a registry person, or an entry (of the other side's list, or an
    earlier row of the same list: a possible duplicate)."""

    person: uuid.UUID | None = None
    other_entry: uuid.UUID | None = None


@router.post(
    "/entries/{entry_id}/candidates",
    response={201: CandidateOut, **ERRORS},
    url_name="api-entry-candidate-add",
)
def entry_candidate_add(
    request: HttpRequest, entry_id: uuid.UUID, payload: CandidateAddIn
) -> Status[CandidateOut]:
    """Add a registry person (``person``), or an entry of the other side's list or an earlier
    row of the same list (``other_entry``), that the matcher missed as a candidate (no
    score); decide it with ``POST /candidates/{id}/decision`` like any other."""
    entry = selectors.entry_review_get(user=request.user, public_id=entry_id, path=request.path)
    if (payload.person is None) == (payload.other_entry is None):
        raise field_error("person", "Give either 'person' or 'other_entry'.", "required")
    person, other = None, None
    if payload.person is not None:
        person = registry_selectors.person_get(
            user=request.user, public_id=payload.person, path=request.path
        )
    else:
        other = selectors.other_entry_get(
            user=request.user, public_id=str(payload.other_entry), path=request.path
        )
    added = services.candidate_add(
        actor=request.user, entry=entry, person=person, other_entry=other
    )
    candidate = selectors.candidate_get(user=request.user, public_id=added.public_id)
    return Status(201, candidate_out(candidate))


@router.get(
    "/lists/{list_id}/report",
    response={200: ReportOut, **ERRORS},
    url_name="api-list-report",
    exclude_none=True,  # a party's report carries no empty intermediary-only keys
)
def list_report(request: HttpRequest, list_id: uuid.UUID) -> ReportOut:
    """The outcome per entry; a party gets it only once disclosed, and only what was."""
    view = selectors.report_get(user=request.user, public_id=list_id, path=request.path)
    out = ReportOut(id=str(list_id))
    if view.show_counts:
        out.counts = view.report.counts
    if view.full:
        out.reconciled = view.report.reconciled
        out.new_data = new_data_out(view.report.new_data)
    if view.show_rows:
        out.entries = [_report_row(row, full=view.full) for row in view.report.rows]
    return out


def _report_row(row: Any, *, full: bool) -> ReportRowOut:
    out = ReportRowOut(
        row=row.entry.row_number,
        reference=row.entry.reference,
        full_name=row.entry.full_name,
        outcome=row.outcome.value,
    )
    if full:
        out.entry = str(row.entry.public_id)
        out.needs_sign_off = row.needs_sign_off
        out.note = row.note
        out.probability = row.match.probability if row.match else None
        out.match = str(row.match.public_id) if row.match else None
        out.sign_off_predates_new_data = row.sign_off_predates_new_data
    return out


class DiscloseIn(Schema):
    recipient: uuid.UUID
    fields: list[str]
    purpose: str = ""


class DisclosureOut(Schema):
    id: str
    recipient: str
    fields: list[str]
    disclosed_at: datetime


@router.post(
    "/lists/{list_id}/disclosures",
    response={201: DisclosureOut, **ERRORS},
    url_name="api-list-disclose",
)
def list_disclose(
    request: HttpRequest, list_id: uuid.UUID, payload: DiscloseIn
) -> Status[DisclosureOut]:
    submitted = selectors.review_list_get(user=request.user, public_id=list_id, path=request.path)
    require(request.user, Perm.DISCLOSURE_MANAGE, submitted.dossier)
    recipient = account_selectors.organisation_get(
        user=request.user, public_id=payload.recipient, path=request.path
    )
    disclosure = services.report_disclose(
        actor=request.user,
        submitted_list=submitted,
        recipient=recipient,
        fields=payload.fields,
        purpose=payload.purpose,
    )
    return Status(
        201,
        DisclosureOut(
            id=str(disclosure.public_id),
            recipient=str(recipient.public_id),
            fields=list(disclosure.fields),
            disclosed_at=disclosure.disclosed_at,
        ),
    )
