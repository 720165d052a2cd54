"""Writes for lists: submit (at once, or previewed as a draft then confirmed or cancelled),
download the file as submitted (an audited read), start a
reconciliation, add and decide on candidates, sign off an entry as searched without a match
(one entry, or the renewal of many once the system searched again), disclose a report.

Each one checks permission first, validates, writes and appends its audit event in the same
transaction. Reconciliation itself runs in ``lists.reconcile`` (called by the background task).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediary.access.models import Disclosure
from intermediary.access.policy import (
    SYSTEM,
    Perm,
    PermissionDenied,
    actor_of,
    require,
    visible_lists,
    visible_persons,
)
from intermediary.access.services import disclosure_create
from intermediary.accounts.models import Organisation, User
from intermediary.audit.services import audit_append
from intermediary.core.downloads import RawFile, checked_raw_file
from intermediary.core.errors import field_error
from intermediary.dossiers.locks import active_party_ids
from intermediary.dossiers.models import Dossier
from intermediary.imports.exports import raw_content_type
from intermediary.imports.problems import RowError
from intermediary.lists.choices import (
    ACTIVE_RUN_STATUSES,
    CANDIDATE_OBJECT_TYPE,
    DRAFT_OBJECT_TYPE,
    ENTRY_OBJECT_TYPE,
    LIST_OBJECT_TYPE,
    REPORT_OBJECT_TYPE,
    CandidateSource,
    Decision,
    ListKind,
    SignOffAction,
)
from intermediary.lists.entry_search import entry_search_key
from intermediary.lists.freshness import DataMark, list_freshness, mark_of, other_side_lists
from intermediary.lists.models import (
    CandidateDecision,
    EntrySignOff,
    ListDraft,
    ListEntry,
    ListFile,
    MatchCandidate,
    ReconciliationRun,
    SubmittedList,
)
from intermediary.lists.parsing import ParsedList, iter_errors, parse_list
from intermediary.lists.renewal import HeldBack, renewal_plan
from intermediary.registry.models import Person


class ListRejected(ValidationError):
    """The file was refused; ``row_errors`` names each problem by row and column."""

    def __init__(self, parsed: ParsedList) -> None:
        self.row_errors: list[RowError] = parsed.errors
        super().__init__(
            {"file": [ValidationError(m, code="invalid") for m in iter_errors(parsed)]}
        )


def _audit(actor: Any, action: str, object_type: str, public_id: Any, payload: Any) -> None:
    audit_append(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(public_id),
        payload=payload,
    )


def _submitting_party(actor: Any, dossier: Dossier, party: Organisation | None) -> Organisation:
    """A negotiator submits for its own party only; the intermediary names the party."""
    acting = actor_of(actor)
    if acting.is_party:
        if party is not None and party.pk != acting.organisation_pk:
            raise PermissionDenied(Perm.LIST_SUBMIT.value)
        return Organisation.objects.get(pk=acting.organisation_pk or 0)
    if party is None:
        raise field_error("party", _("Name the party whose list this is."), "required")
    if party.pk not in active_party_ids(dossier.pk):  # withdrawn parties submit nothing new
        raise field_error("party", _("This organisation is not a party to the dossier."))
    return party


@dataclass(frozen=True)
class ListCheck:
    """A file that passed every check of a submission, not kept (yet)."""

    party: Organisation
    sha256: str
    parsed: ParsedList


def list_check(
    *,
    actor: Any,
    dossier: Dossier,
    kind: str,
    data: bytes,
    filename: str,
    party: Organisation | None = None,
    encoding: str = "",
) -> ListCheck:
    """Every check of a submission, writing nothing. The submission itself, the preview
    (``list_draft_create``) and the API's dry run all call it, so a file is refused for
    exactly the same reasons, with the same row and column errors, whichever way it came."""
    require(actor, Perm.LIST_SUBMIT, dossier)
    if kind not in ListKind.values:
        raise field_error("kind", _("Choose held or sought."))
    submitting = _submitting_party(actor, dossier, party)
    sha256 = hashlib.sha256(data).hexdigest()
    if SubmittedList.objects.filter(dossier=dossier, sha256=sha256).exists():
        raise field_error(
            "file", _("This file was already submitted in this dossier."), "duplicate"
        )
    parsed = parse_list(data, filename, encoding)
    if not parsed.ok:
        raise ListRejected(parsed)
    return ListCheck(party=submitting, sha256=sha256, parsed=parsed)


@transaction.atomic
def list_submit(
    *,
    actor: Any,
    dossier: Dossier,
    kind: str,
    data: bytes,
    filename: str,
    party: Organisation | None = None,
    encoding: str = "",
    title: str = "",
) -> SubmittedList:
    """Keep a party's list as submitted and parse it into entries, or refuse it whole."""
    check = list_check(
        actor=actor,
        dossier=dossier,
        kind=kind,
        data=data,
        filename=filename,
        party=party,
        encoding=encoding,
    )
    submitting, sha256, parsed = check.party, check.sha256, check.parsed
    submitted = _create_list(actor, dossier, kind, submitting, parsed, data, filename, title)
    _audit(
        actor,
        "list.submit",
        LIST_OBJECT_TYPE,
        submitted.public_id,
        {
            "dossier": dossier.public_id,
            "kind": kind,
            "party": submitting.public_id,
            "on_behalf": submitted.on_behalf,
            "filename": filename,
            "sha256": sha256,
            "entries": submitted.entry_count,
        },
    )
    return submitted


def _create_list(
    actor: Any,
    dossier: Dossier,
    kind: str,
    party: Organisation,
    parsed: ParsedList,
    data: bytes,
    filename: str,
    title: str,
) -> SubmittedList:
    submitted = SubmittedList(
        dossier=dossier,
        kind=kind,
        submitting_party=party,
        submitted_by=actor,
        on_behalf=actor_of(actor).is_intermediary,
        # Too long a title or file name is refused by full_clean below, never cut short.
        title=title.strip(),
        filename=filename or "list",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        file_format=parsed.file_format,
        encoding=parsed.encoding[:64],
        entry_count=len(parsed.entries),
    )
    submitted.full_clean(exclude=["dossier", "submitting_party", "submitted_by"])
    submitted.save()
    ListFile.objects.create(submitted_list=submitted, content=data)
    ListEntry.objects.bulk_create(
        [
            ListEntry(
                submitted_list=submitted,
                search_key=entry_search_key(entry.full_name, entry.other_names),
                **vars(entry),
            )
            for entry in parsed.entries
        ],
        batch_size=2000,
    )
    return submitted


# How long an upload waits for its uploader's confirmation: long enough to read the
# preview and check it against the paper list, short enough that personal data the uploader
# walked away from does not linger.
DRAFT_LIFETIME = timedelta(hours=1)


class DraftGone(ValidationError):
    """The draft was consumed (submitted or cancelled) by an earlier request: a double click,
    or a second tab."""

    def __init__(self) -> None:
        super().__init__(_("This upload was already submitted or cancelled."), code="gone")


@transaction.atomic
def list_draft_create(
    *,
    actor: Any,
    dossier: Dossier,
    kind: str,
    data: bytes,
    filename: str,
    party: Organisation | None = None,
    encoding: str = "",
    title: str = "",
) -> ListDraft:
    """Keep an upload for its uploader to preview and confirm, after the very checks of a
    submission (a refused file keeps nothing). The bytes stay on the server, so the list
    confirmed is the file previewed, byte for byte. Expired drafts are purged here: no
    scheduler is needed for personal data nobody confirmed."""
    check = list_check(
        actor=actor,
        dossier=dossier,
        kind=kind,
        data=data,
        filename=filename,
        party=party,
        encoding=encoding,
    )
    now = timezone.now()
    _purge_expired_drafts(now)
    draft = ListDraft(
        dossier=dossier,
        kind=kind,
        party=check.party,
        uploaded_by=actor,
        filename=filename or "list",  # too long: refused by full_clean, never cut short
        encoding=encoding,
        title=title.strip(),
        sha256=check.sha256,
        content=data,
        created_at=now,
        expires_at=now + DRAFT_LIFETIME,
    )
    draft.full_clean(exclude=["dossier", "party", "uploaded_by"])
    draft.save()
    _audit(actor, "list.draft_create", DRAFT_OBJECT_TYPE, draft.public_id, _draft_payload(draft))
    return draft


def _purge_expired_drafts(now: datetime) -> None:
    """Delete every draft past its expiry (anyone's: the upload that triggers it is merely
    the occasion, so the system, not that uploader, is the actor of each
    ``list.draft_expire`` event, recorded like a cancellation)."""
    for expired in ListDraft.objects.select_for_update().filter(expires_at__lte=now):
        payload = _draft_payload(expired)
        public_id = expired.public_id
        expired.delete()
        _audit(SYSTEM, "list.draft_expire", DRAFT_OBJECT_TYPE, public_id, payload)


def _draft_payload(draft: ListDraft) -> dict[str, Any]:
    """Ids and the file's hash only: a draft's name and contents are nobody's record yet."""
    return {
        "dossier": draft.dossier.public_id,
        "kind": draft.kind,
        "party": draft.party.public_id,
        "sha256": draft.sha256,
        "size": len(draft.content),
    }


@transaction.atomic
def list_draft_submit(*, actor: Any, draft: ListDraft) -> SubmittedList:
    """Confirm a previewed upload: submit the kept bytes (``list_submit``, with its own
    checks and its ``list.submit`` event) and delete the draft, in one transaction. The draft
    is consumed under a row lock, so a second confirm waits for the first and then finds it
    gone: one list, never two."""
    locked = _draft_locked(actor, draft)
    submitted = list_submit(
        actor=actor,
        dossier=locked.dossier,
        kind=locked.kind,
        data=bytes(locked.content),
        filename=locked.filename,
        party=locked.party,
        encoding=locked.encoding,
        title=locked.title,
    )
    locked.delete()
    return submitted


@transaction.atomic
def list_draft_cancel(*, actor: Any, draft: ListDraft) -> None:
    """Drop a previewed upload: nothing of it is kept but the audit event (ids, hash)."""
    locked = _draft_locked(actor, draft)
    payload = _draft_payload(locked)
    public_id = locked.public_id
    locked.delete()
    _audit(actor, "list.draft_cancel", DRAFT_OBJECT_TYPE, public_id, payload)


def _draft_locked(actor: Any, draft: ListDraft) -> ListDraft:
    """The draft, row-locked, still there, still the actor's own and unexpired, and its bytes
    still those previewed. Callers fetched it through ``selectors.draft_get``; the checks
    repeat under the lock because another request may have consumed it since."""
    locked = ListDraft.objects.select_for_update().filter(pk=draft.pk).first()
    if locked is None:
        raise DraftGone()
    if locked.uploaded_by_id != actor_of(actor).user_pk:
        raise PermissionDenied("list_draft")
    if locked.expires_at <= timezone.now():
        raise field_error(
            "draft", _("This upload expired before it was confirmed: upload it again."), "expired"
        )
    if hashlib.sha256(bytes(locked.content)).hexdigest() != locked.sha256:
        raise field_error("draft", _("The kept upload is damaged: upload it again."), "corrupt")
    return locked


@transaction.atomic
def list_file_download(*, actor: Any, submitted_list: SubmittedList) -> RawFile:
    """The list's file as submitted, for someone who sees the list (the intermediary team of
    the dossier, the submitting party's own users; the caller fetched it through
    ``selectors.list_get``, which answers 404 to everyone else).

    A file of personal data leaving the system is recorded on the audit chain (like a person
    export), and the bytes are checked against the SHA-256 recorded at submission first
    (``core.downloads.checked_raw_file``).
    """
    if not visible_lists(actor).filter(pk=submitted_list.pk).exists():
        raise PermissionDenied("list_download")
    raw = checked_raw_file(
        bytes(ListFile.objects.get(submitted_list=submitted_list).content),
        recorded_sha256=submitted_list.sha256,
        filename=submitted_list.filename,
        content_type=raw_content_type(submitted_list.file_format, submitted_list.encoding),
        what=f"list {submitted_list.public_id}",
    )
    _audit(
        actor,
        "list.download",
        LIST_OBJECT_TYPE,
        submitted_list.public_id,
        {"sha256": raw.sha256, "size": len(raw.content), "filename": submitted_list.filename},
    )
    return raw


@transaction.atomic
def reconciliation_start(
    *,
    actor: Any,
    submitted_list: SubmittedList,
    threshold: float | None = None,
    run_now: bool = False,
) -> ReconciliationRun:
    """Queue a background reconciliation of one list (one at a time per list).

    ``run_now`` runs it in this process instead (the demo loader: no worker needed there).
    """
    require(actor, Perm.LIST_REVIEW, submitted_list.dossier)
    value = settings.LISTS_MATCH_THRESHOLD if threshold is None else threshold
    if not 0.0 < value < 1.0:
        raise field_error("threshold", _("The threshold lies strictly between 0 and 1."))
    SubmittedList.objects.select_for_update().get(pk=submitted_list.pk)
    _abandon_stale_runs(submitted_list)
    if submitted_list.runs.filter(status__in=ACTIVE_RUN_STATUSES).exists():
        raise field_error("run", _("A reconciliation of this list is already under way."), "state")
    run = ReconciliationRun.objects.create(
        submitted_list=submitted_list, threshold=value, requested_by=actor
    )
    _audit(
        actor,
        "list.reconcile",
        LIST_OBJECT_TYPE,
        submitted_list.public_id,
        {
            "run": run.public_id,
            "threshold": value,
        },
    )
    if run_now:
        from intermediary.lists.reconcile import run_reconciliation

        run_reconciliation(run.pk)
        run.refresh_from_db()
        return run
    from intermediary.lists.tasks import reconcile_list

    # Enqueued inside the transaction: with the database backend the job row commits with
    # the run row or not at all, so a run is never left queued without a job.
    result = reconcile_list.enqueue(run.pk)
    ReconciliationRun.objects.filter(pk=run.pk).update(task_id=str(result.id)[:64])
    run.refresh_from_db()
    return run


# A run still queued or running this long after it was requested lost its worker (killed,
# restarted): without this, the one-run-per-list rule would block the list for ever.
STALE_RUN_AFTER = timedelta(hours=1)


def _abandon_stale_runs(submitted_list: SubmittedList) -> None:
    """Fail the runs that lost their worker, each on the audit chain like any failed run."""
    from intermediary.lists.reconcile import run_failed

    cutoff = timezone.now() - STALE_RUN_AFTER
    stale = submitted_list.runs.filter(status__in=ACTIVE_RUN_STATUSES, requested_at__lt=cutoff)
    for run in stale.select_related("submitted_list").order_by("pk"):
        run_failed(run, "abandoned: no result an hour after it was requested")


def _check_one_confirmed(candidate: MatchCandidate) -> None:
    other = (
        MatchCandidate.objects.filter(entry_id=candidate.entry_id, decision=Decision.CONFIRMED)
        .exclude(pk=candidate.pk)
        .exists()
    )
    if other:
        raise field_error(
            "decision",
            _("This entry already has a confirmed match: reject that one first."),
            "state",
        )


@transaction.atomic
def candidate_decide(
    *, actor: Any, candidate: MatchCandidate, decision: str, note: str = ""
) -> MatchCandidate:
    """Confirm or reject a candidate; a new decision revises the last one, which stays in
    the history (who, when, what, note)."""
    require(actor, Perm.LIST_REVIEW, candidate.entry.submitted_list.dossier)
    if decision not in (Decision.CONFIRMED, Decision.REJECTED):
        raise field_error("decision", _("Choose confirm or reject."))
    locked = MatchCandidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.decision == decision:
        raise field_error("decision", _("This is already the decision."), "state")
    if decision == Decision.CONFIRMED:
        _check_one_confirmed(locked)
    previous = locked.decision
    row = CandidateDecision(
        candidate=locked, decision=decision, note=note.strip(), decided_by=actor
    )
    row.full_clean(exclude=["candidate", "decided_by"])
    row.save()
    locked.decision = decision
    locked.decided_by = actor if isinstance(actor, User) else None
    locked.decided_at = timezone.now()
    locked.save(update_fields=["decision", "decided_by", "decided_at"])
    _audit(
        actor,
        "candidate.decide",
        CANDIDATE_OBJECT_TYPE,
        locked.public_id,
        {
            "entry": locked.entry.public_id,
            "decision": decision,
            "note": row.note,
            "previous": previous,
        },
    )
    if decision == Decision.CONFIRMED:
        _withdraw_superseded(actor, locked)
    return locked


def _withdraw_superseded(actor: Any, candidate: MatchCandidate) -> None:
    """A confirmed match overrides a "searched, no match" sign-off on the entries it names:
    the sign-off is withdrawn (history kept), so that rejecting the match later leaves the
    entry unknown until someone signs off afresh, rather than reviving an old attestation."""
    entry_ids = [candidate.entry_id]
    other = candidate.other_entry
    if other is not None and other.submitted_list_id != candidate.entry.submitted_list_id:
        # The other side's entry is now acknowledged too; an earlier row of the same list
        # that this one duplicates is not (its own outcome does not change).
        entry_ids.append(other.pk)
    note = _("Superseded by a confirmed match (candidate %(id)s).") % {"id": candidate.public_id}
    # Locked like a sign-off locks its entry, so the two cannot pass each other unseen.
    for entry in ListEntry.objects.select_for_update().filter(pk__in=entry_ids).order_by("pk"):
        if standing_sign_off(entry) is not None:
            _add_sign_off(actor, entry, SignOffAction.WITHDRAWN, note, candidate=candidate)


def standing_sign_off(entry: ListEntry) -> EntrySignOff | None:
    """The entry's "searched, no match" sign-off if it stands (its latest row is a sign-off,
    not a withdrawal)."""
    latest = entry.sign_offs.order_by("-at", "-pk").first()
    return latest if latest is not None and latest.action == SignOffAction.SIGNED else None


def _reviewer_user(actor: Any, dossier: Dossier) -> User:
    """A sign-off or a manual candidate names the person who took responsibility: a user
    with ``LIST_REVIEW`` on the dossier, never the system."""
    require(actor, Perm.LIST_REVIEW, dossier)
    if not isinstance(actor, User):
        raise PermissionDenied(Perm.LIST_REVIEW.value)
    return actor


def _required_note(note: str, message: str) -> str:
    text = (note or "").strip()
    if not text:
        raise field_error("note", message, "required")
    return text


SIGN_OFF_AUDIT_ACTIONS: dict[str, str] = {
    SignOffAction.SIGNED: "entry.sign_off",
    SignOffAction.WITHDRAWN: "entry.sign_off_withdraw",
}


def _add_sign_off(
    actor: Any,
    entry: ListEntry,
    action: str,
    note: str,
    candidate: MatchCandidate | None = None,
    seen: DataMark | None = None,
    renews: EntrySignOff | None = None,
    batch: uuid.UUID | None = None,
) -> EntrySignOff:
    row = EntrySignOff(
        entry=entry, action=action, note=note, by=actor, **(seen.as_fields() if seen else {})
    )
    row.full_clean(exclude=["entry", "by"])
    row.save()
    payload: dict[str, Any] = {
        "list": entry.submitted_list.public_id,
        "action": action,
        "note": note,
    }
    if candidate is not None:
        payload["candidate"] = candidate.public_id
    if seen is not None:
        payload["seen"] = seen.as_fields()
    if renews is not None:
        payload["renews"] = renews.public_id
    if batch is not None:
        payload["batch"] = str(batch)
    _audit(actor, SIGN_OFF_AUDIT_ACTIONS[action], ENTRY_OBJECT_TYPE, entry.public_id, payload)
    return row


def _check_nothing_found(entry: ListEntry) -> None:
    """A sign-off attests that nothing was found: it cannot stand beside a candidate still
    awaiting a decision or an identity already confirmed (either side's review)."""
    mine = MatchCandidate.objects.filter(entry=entry)
    if mine.filter(decision=Decision.PENDING).exists():
        raise field_error(
            "entry", _("Decide the candidates awaiting review before signing off."), "state"
        )
    # Confirmed from the other side's review; a later duplicate row of this list pointing here
    # says nothing about whether this person is held.
    confirmed = MatchCandidate.objects.filter(
        other_entry=entry, decision=Decision.CONFIRMED
    ).exclude(entry__submitted_list_id=entry.submitted_list_id)
    if mine.filter(decision=Decision.CONFIRMED).exists() or confirmed.exists():
        raise field_error(
            "entry",
            _("This entry has a confirmed match: there is nothing to sign off."),
            "state",
        )


@transaction.atomic
def entry_sign_off(*, actor: Any, entry: ListEntry, note: str) -> EntrySignOff:
    """Sign off a sought entry as "searched, no match", with a note of what was searched.

    Only this makes an entry "not acknowledged": the matcher misses people (year-only dates,
    respelled names), and telling a family or a party that a person is not acknowledged
    without a human having looked can cost a life. Refused on a held list, before the list
    was reconciled, when registry persons or other-side lists arrived, or registry records
    that could match its entries were corrected, after the last reconciliation (reconcile
    again first: the matcher has not compared them yet), while candidates await a decision,
    with a confirmed match, or when a sign-off already stands on the current data. A
    sign-off that predates new data is renewed by signing off again (or, with others the
    fresh search found nobody for, by ``sign_offs_renew``).

    The sign-off records the data of the reconciliation it follows (``SeenData``): data that
    arrives later makes it "predate new data", and the entry is unknown until renewed.
    """
    submitted = entry.submitted_list
    reviewer = _reviewer_user(actor, submitted.dossier)
    text = _required_note(note, _("Say what was searched: a sign-off needs a note."))
    if submitted.kind != ListKind.SOUGHT:
        raise field_error(
            "entry", _("Only entries of a list of persons sought are signed off."), "state"
        )
    locked = ListEntry.objects.select_for_update().get(pk=entry.pk)
    fresh = list_freshness(submitted)
    if fresh.run is None:
        raise field_error(
            "entry", _("Reconcile the list before signing off any of its entries."), "state"
        )
    if fresh.reconcile_again:
        raise field_error(
            "entry",
            _(
                "Registry records or lists of the other side were added, or registry records "
                "corrected, after the last reconciliation: reconcile again before signing off."
            ),
            "stale",
        )
    standing = standing_sign_off(locked)
    if standing is not None and not fresh.sign_off_since(standing, locked):
        raise field_error("entry", _("This entry is already signed off."), "state")
    _check_nothing_found(locked)
    return _add_sign_off(
        reviewer,
        locked,
        SignOffAction.SIGNED,
        text,
        seen=mark_of(fresh.run),
        renews=standing,
    )


@dataclass(frozen=True)
class Renewal:
    """What a renewal of many sign-offs did: its batch id (on every event it wrote), the
    sign-offs written, the chosen entries held back for individual review (the fresh search
    found someone to look at), and the chosen entries that no longer needed a renewal
    (renewed or withdrawn meanwhile)."""

    batch: uuid.UUID
    renewed: list[EntrySignOff]
    held_back: list[HeldBack]
    skipped: list[uuid.UUID]


@transaction.atomic
def sign_offs_renew(
    *, actor: Any, submitted_list: SubmittedList, entries: Iterable[Any], note: str
) -> Renewal:
    """Renew, in one action, the "searched, no match" sign-offs of the chosen entries whose
    sign-off predates new data, where the system's fresh search found nobody
    (``lists.renewal``: the list's last reconciliation covers the data as it is now, no
    candidate awaits review, no registry person corrected since could match the entry).

    The reviewer chooses the entries from the page (renewing what was seen, never more):
    a chosen entry the fresh search no longer clears is held back and reported, not renewed;
    one that no longer predates new data is skipped. Refused whole, with nothing written,
    on a held list, without a note or a choice, with an entry of another list, while the
    list must be reconciled again, or when none of the chosen entries can be renewed.

    Audited twice over, in this transaction: each renewal is an ``entry.sign_off`` event
    like one made on the entry's page (with ``renews`` and the ``batch`` id), so an entry's
    history reads the same however it was renewed; and one ``list.sign_offs_renew`` event
    records the action as a whole (the batch, the run it relied on, how many renewed and held
    back, and a SHA-256 of each set of entry ids) so that a bulk renewal is one traceable
    decision, not only many small ones.
    """
    reviewer = _reviewer_user(actor, submitted_list.dossier)
    text = _required_note(note, _("Say what was searched again: a renewal needs a note."))
    if submitted_list.kind != ListKind.SOUGHT:
        raise field_error(
            "entries", _("Only entries of a list of persons sought are signed off."), "state"
        )
    wanted = _chosen_entries(submitted_list, entries)
    plan = renewal_plan(submitted_list)
    if plan.reconcile_first or plan.run is None:
        raise field_error(
            "entries",
            _("Reconcile the list again first: its last reconciliation predates the data."),
            "stale",
        )
    renew = [row for row in plan.renewable if row.entry.public_id in wanted]
    if not renew:
        raise field_error(
            "entries",
            _("None of the chosen entries can be renewed together now: review them one by one."),
            "state",
        )
    batch = uuid.uuid4()
    seen = mark_of(plan.run)
    written = [
        _add_sign_off(
            reviewer,
            row.entry,
            SignOffAction.SIGNED,
            text,
            seen=seen,
            renews=row.sign_off,
            batch=batch,
        )
        for row in renew
    ]
    held = [h for h in plan.held_back if h.row.entry.public_id in wanted]
    done = {row.entry.public_id for row in renew} | {h.row.entry.public_id for h in held}
    _audit(
        reviewer,
        "list.sign_offs_renew",
        LIST_OBJECT_TYPE,
        submitted_list.public_id,
        {
            "batch": str(batch),
            "run": plan.run.public_id,
            "note": text,
            "renewed": len(written),
            "renewed_entries_sha256": _ids_digest(row.entry.public_id for row in renew),
            "held_back": len(held),
            "held_back_entries_sha256": _ids_digest(h.row.entry.public_id for h in held),
        },
    )
    return Renewal(batch, written, held, sorted(wanted - done))


def _chosen_entries(submitted_list: SubmittedList, entries: Iterable[Any]) -> set[uuid.UUID]:
    """The chosen entries' ids, each an entry of this list, locked (in one order, as every
    sign-off locks its entry) together with the list, so that a run starting or a sign-off
    on one of them waits for this renewal; refused whole on any id that is not one."""
    try:
        wanted = {uuid.UUID(str(value)) for value in entries}
    except ValueError:
        raise field_error("entries", _("An entry id is malformed.")) from None
    if not wanted:
        raise field_error("entries", _("Choose the entries to renew."), "required")
    SubmittedList.objects.select_for_update().get(pk=submitted_list.pk)
    found = ListEntry.objects.select_for_update().filter(
        submitted_list=submitted_list, public_id__in=wanted
    )
    if len(list(found.order_by("pk"))) != len(wanted):
        raise field_error("entries", _("Some of the chosen entries are not on this list."))
    return wanted


def _ids_digest(ids: Iterable[uuid.UUID]) -> str:
    """SHA-256 of the sorted ids, one per line: names a set of entries without listing it."""
    return hashlib.sha256("\n".join(sorted(str(i) for i in ids)).encode()).hexdigest()


@transaction.atomic
def entry_sign_off_withdraw(*, actor: Any, entry: ListEntry, note: str) -> EntrySignOff:
    """Withdraw a standing sign-off (new doubt, new information), saying why. The entry is
    "unknown" again until someone signs off afresh; the history keeps both rows."""
    reviewer = _reviewer_user(actor, entry.submitted_list.dossier)
    text = _required_note(note, _("Say why the sign-off is withdrawn."))
    locked = ListEntry.objects.select_for_update().get(pk=entry.pk)
    if standing_sign_off(locked) is None:
        raise field_error("entry", _("This entry has no sign-off to withdraw."), "state")
    return _add_sign_off(reviewer, locked, SignOffAction.WITHDRAWN, text)


@transaction.atomic
def candidate_add(
    *,
    actor: Any,
    entry: ListEntry,
    person: Person | None = None,
    other_entry: ListEntry | None = None,
) -> MatchCandidate:
    """Add a candidate the matcher missed: a registry person of the entry's dossier, or an
    entry (``other_entry``) of the other side's list or an earlier row of the entry's own
    list (a possible duplicate), exactly one of them.

    It has no score and no run (``source`` manual); it is then confirmed or rejected like any
    other candidate, and an entry counts in the outcomes exactly as the matcher's would (an
    earlier row of the same list makes the entry a "duplicate"). The target must be one the
    reviewer sees, in the entry's own dossier: a list is never reconciled against another
    dossier's registry. An entry must be one the reconciliation itself compares with: on a
    list of the opposite kind from another party, or on the same list, before this row.
    """
    dossier = entry.submitted_list.dossier
    reviewer = _reviewer_user(actor, dossier)
    if (person is None) == (other_entry is None):
        raise field_error("person", _("Name one registry person or one entry of a list."))
    if person is not None:
        in_scope = visible_persons(reviewer).filter(pk=person.pk, dossier_id=dossier.pk)
        if not in_scope.exists():
            raise field_error(
                "person", _("This person is not in the registry of the list's dossier.")
            )
        target: dict[str, Any] = {"person": person}
        field = "person"
    else:
        assert other_entry is not None  # noqa: S101  (exactly one, checked above)
        if other_entry.submitted_list_id == entry.submitted_list_id:
            _check_same_list_earlier(entry, other_entry)
        else:
            _check_other_side(reviewer, entry, other_entry)
        target = {"other_entry": other_entry}
        field = "other_entry"
    locked = ListEntry.objects.select_for_update().get(pk=entry.pk)
    existing = MatchCandidate.objects.filter(entry=locked, **target).first()
    if existing is not None:
        raise field_error(
            field,
            _("This person is already a candidate for this entry (%(decision)s).")
            % {"decision": existing.get_decision_display()},
            "duplicate",
        )
    candidate = MatchCandidate.objects.create(
        entry=locked,
        source=CandidateSource.MANUAL,
        run=None,
        probability=None,
        weights={},
        added_by=reviewer,
        added_at=timezone.now(),
        **target,
    )
    payload: dict[str, Any] = {
        "entry": locked.public_id,
        "list": entry.submitted_list.public_id,
        "source": CandidateSource.MANUAL.value,
    }
    if person is not None:
        payload["person"] = person.public_id
    else:
        assert other_entry is not None  # noqa: S101
        payload["other_entry"] = other_entry.public_id
        payload["other_list"] = other_entry.submitted_list.public_id
    _audit(reviewer, "candidate.add", CANDIDATE_OBJECT_TYPE, candidate.public_id, payload)
    return candidate


def _check_other_side(reviewer: User, entry: ListEntry, other_entry: ListEntry) -> None:
    """An entry added by hand must be one the reconciliation would have compared: on a list
    of the opposite kind that another party submitted in the same dossier, and visible."""
    on_other_side = other_side_lists(entry.submitted_list).filter(
        pk=other_entry.submitted_list_id, pk__in=visible_lists(reviewer).values("pk")
    )
    if not on_other_side.exists():
        raise field_error(
            "other_entry",
            _("This entry is not on a list of the other side in the list's dossier."),
        )


def _check_same_list_earlier(entry: ListEntry, other_entry: ListEntry) -> None:
    """A row of the entry's own list is a possible duplicate only if it comes before it: the
    matcher stores its within-list pairs the same way (on the later row, pointing to the
    earlier one), so that of two rows naming one person the first keeps its own outcome and
    only the repeat counts as a duplicate."""
    if other_entry.row_number >= entry.row_number:
        raise field_error(
            "other_entry",
            _(
                "Only an earlier row of this list (a row number below %(row)d) can be added "
                "as a possible duplicate of this entry."
            )
            % {"row": entry.row_number},
        )


def report_disclose(
    *,
    actor: Any,
    submitted_list: SubmittedList,
    recipient: Organisation,
    fields: Iterable[str],
    purpose: str = "",
) -> Disclosure:
    """Disclose a list's reconciliation outcome (counts, or outcome per entry) to a party:
    the submitting party or the other side. Candidates and scores are never disclosable."""
    return disclosure_create(
        actor=actor,
        dossier=submitted_list.dossier,
        object_type=REPORT_OBJECT_TYPE,
        object_id=uuid.UUID(str(submitted_list.public_id)),
        recipient=recipient,
        fields=fields,
        purpose=purpose or _("Reconciliation outcome of a list"),
    )
