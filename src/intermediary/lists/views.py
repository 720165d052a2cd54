"""Pages for lists: submit (upload, preview, confirm or cancel), see entries, reconcile (with
progress), review candidates side by side, decide, sign off (one entry, or renew many), report
(page and CSV), disclose. Thin: selectors read, services write."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intermediary.access.policy import Perm, actor_of, can, require
from intermediary.core.downloads import raw_file_response
from intermediary.core.forms import call_service, flash_errors, submit_embedded_form
from intermediary.dossiers import selectors as dossier_selectors
from intermediary.lists import selectors, services
from intermediary.lists.choices import ACTIVE_RUN_STATUSES, Decision, Outcome
from intermediary.lists.forms import (
    EARLIER_ROWS_PREFIX,
    OTHER_SIDE_PREFIX,
    CandidateAddForm,
    DecisionForm,
    DiscloseForm,
    ListSubmitForm,
    ManualSearchForm,
    ReconcileForm,
    RenewalForm,
    SignOffForm,
)
from intermediary.lists.models import ListDraft, ListEntry
from intermediary.lists.presentation import (
    aligned_rows,
    candidate_side,
    contributions,
    entry_side,
)
from intermediary.registry import selectors as registry_selectors

ENTRIES_PER_PAGE = 100


@login_required
@require_GET
def dossier_lists(request: HttpRequest, public_id: str) -> HttpResponse:
    dossier = dossier_selectors.dossier_get(
        user=request.user, public_id=public_id, path=request.path
    )
    context = {
        "dossier": dossier,
        "lists": selectors.list_list(user=request.user, dossier=dossier),
        "can_submit": can(request.user, Perm.LIST_SUBMIT, dossier),
    }
    return render(request, "lists/dossier_lists.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def list_submit(request: HttpRequest, public_id: str) -> HttpResponse:
    dossier = dossier_selectors.dossier_get(
        user=request.user, public_id=public_id, path=request.path
    )
    # Seeing the dossier but not acting for a party in it: 403, like the API.
    require(request.user, Perm.LIST_SUBMIT, dossier)
    on_behalf = actor_of(request.user).is_intermediary
    form = ListSubmitForm(
        request.POST or None, request.FILES or None, dossier=dossier, on_behalf=on_behalf
    )
    row_errors: list[Any] = []
    if request.method == "POST" and form.is_valid():
        draft = call_service(form, lambda: _upload(request, dossier, form, row_errors))
        if draft is not None:
            return redirect("lists-draft", public_id=draft.public_id)
    context = {"dossier": dossier, "form": form, "row_errors": row_errors}
    return render(request, "lists/submit.html", context, status=422 if row_errors else 200)


def _upload(
    request: HttpRequest, dossier: Any, form: ListSubmitForm, row_errors: list[Any]
) -> ListDraft | None:
    """Check the upload like a submission and keep it as a draft to preview; a refused file
    fills ``row_errors`` for the table of problems (caught here, before ``call_service``
    would flatten it onto the form)."""
    try:
        return _call_draft_create(request, dossier, form, form.cleaned_data["file"])
    except services.ListRejected as rejected:
        row_errors.extend(rejected.row_errors)
        return None


def _call_draft_create(
    request: HttpRequest, dossier: Any, form: ListSubmitForm, upload: Any
) -> ListDraft:
    return services.list_draft_create(
        actor=request.user,
        dossier=dossier,
        kind=form.cleaned_data["kind"],
        data=upload.read(),
        filename=upload.name or "",
        party=form.cleaned_data.get("party"),
        encoding=form.cleaned_data.get("encoding", ""),
        title=form.cleaned_data.get("title", ""),
    )


@login_required
@require_GET
def list_draft(request: HttpRequest, public_id: str) -> HttpResponse:
    """The preview: what the system read from the upload, before the uploader confirms."""
    draft = selectors.draft_get(user=request.user, public_id=public_id, path=request.path)
    preview = selectors.draft_preview(draft=draft)
    context = {"preview": preview, "draft": draft, "dossier": draft.dossier}
    return render(request, "lists/preview.html", context)


@login_required
@require_POST
def list_draft_submit(request: HttpRequest, public_id: str) -> HttpResponse:
    """Confirm the previewed upload: it becomes the party's list."""
    draft = selectors.draft_get(user=request.user, public_id=public_id, path=request.path)
    try:
        submitted = services.list_draft_submit(actor=request.user, draft=draft)
    except services.DraftGone as gone:
        _flash(request, gone)
        return redirect("lists-dossier", public_id=draft.dossier.public_id)
    except ValidationError as refused:  # expired meanwhile, a duplicate submitted since...
        _flash(request, refused)
        return redirect("lists-draft", public_id=draft.public_id)
    messages.success(request, _("List received: %(n)d entries.") % {"n": submitted.entry_count})
    return redirect("lists-detail", public_id=submitted.public_id)


@login_required
@require_POST
def list_draft_cancel(request: HttpRequest, public_id: str) -> HttpResponse:
    """Drop the previewed upload; nothing of it is kept."""
    draft = selectors.draft_get(user=request.user, public_id=public_id, path=request.path)
    try:
        services.list_draft_cancel(actor=request.user, draft=draft)
    except ValidationError as refused:
        _flash(request, refused)
    else:
        messages.success(request, _("Upload cancelled; nothing was kept."))
    return redirect("lists-dossier", public_id=draft.dossier.public_id)


def _flash(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_GET
def list_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    submitted = selectors.list_get(user=request.user, public_id=public_id, path=request.path)
    reviewer = can(request.user, Perm.LIST_REVIEW, submitted.dossier)
    page = Paginator(selectors.entry_list(submitted_list=submitted), ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context: dict[str, Any] = {"list": submitted, "page": page, "reviewer": reviewer}
    if reviewer:
        context["run"] = run = selectors.run_latest(submitted_list=submitted)
        context["active"] = _active(run)
        context["reconcile_form"] = ReconcileForm()
        context["new_data"] = selectors.list_new_data(submitted_list=submitted)
    if can(request.user, Perm.DISCLOSURE_MANAGE, submitted.dossier):
        context["disclose_form"] = DiscloseForm(dossier=submitted.dossier)
        context["disclosures"] = selectors.disclosure_list(submitted_list=submitted)
    return render(request, "lists/detail.html", context)


@login_required
@require_GET
def list_file(request: HttpRequest, public_id: str) -> HttpResponse:
    """The list's file exactly as submitted, under its original name (audited)."""
    submitted = selectors.list_get(user=request.user, public_id=public_id, path=request.path)
    return raw_file_response(
        services.list_file_download(actor=request.user, submitted_list=submitted)
    )


@login_required
@require_GET
def list_progress(request: HttpRequest, public_id: str) -> HttpResponse:
    """The run's progress as a fragment; htmx polls it while the job is under way."""
    submitted = selectors.review_list_get(user=request.user, public_id=public_id, path=request.path)
    run = selectors.run_latest(submitted_list=submitted)
    context = {"list": submitted, "run": run, "active": _active(run)}
    return render(request, "lists/_progress.html", context)


def _active(run: Any) -> bool:
    return run is not None and run.status in ACTIVE_RUN_STATUSES


@login_required
@require_POST
def list_reconcile(request: HttpRequest, public_id: str) -> HttpResponse:
    submitted = selectors.review_list_get(user=request.user, public_id=public_id, path=request.path)
    form = ReconcileForm(request.POST)
    submit_embedded_form(
        request,
        form,
        lambda: services.reconciliation_start(
            actor=request.user,
            submitted_list=submitted,
            threshold=form.cleaned_data["threshold"],
        ),
        success=_("Reconciliation started."),
    )
    return redirect("lists-detail", public_id=submitted.public_id)


@login_required
@require_GET
def list_review(request: HttpRequest, public_id: str) -> HttpResponse:
    submitted = selectors.review_list_get(user=request.user, public_id=public_id, path=request.path)
    pending_only = request.GET.get("pending") == "1"
    entries = selectors.review_entries(submitted_list=submitted, pending_only=pending_only)
    queue = selectors.review_queue(submitted_list=submitted)
    context = {
        "list": submitted,
        # Each entry with its outcome row: a sign-off it carries is marked beside it.
        "entries": [(entry, queue.rows.get(entry.pk)) for entry in entries],
        "run": selectors.run_latest(submitted_list=submitted),
        "pending_only": pending_only,
        # Entries the matcher found nothing for, or whose sign-off predates new data: a
        # reviewer searches by hand and signs off (again).
        "awaiting_sign_off": queue.awaiting_sign_off,
        "new_data": queue.new_data,
    }
    return render(request, "lists/review.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def list_renewals(request: HttpRequest, public_id: str) -> HttpResponse:
    """The list's sign-offs that predate new data: those the fresh search cleared, to renew
    together (POST), and those held back for individual review, with why."""
    submitted = selectors.review_list_get(user=request.user, public_id=public_id, path=request.path)
    if request.method == "POST":
        form = RenewalForm(request.POST)
        submit_embedded_form(
            request,
            form,
            lambda: services.sign_offs_renew(
                actor=request.user,
                submitted_list=submitted,
                entries=form.cleaned_data["entries"],
                note=form.cleaned_data["note"],
            ),
            success=_renewed,
        )
        return redirect("lists-renewals", public_id=submitted.public_id)
    context = {
        "list": submitted,
        "plan": selectors.renewal_get(submitted_list=submitted),
        "form": RenewalForm(),
    }
    return render(request, "lists/renewals.html", context)


def _renewed(result: services.Renewal) -> str:
    renewed = ngettext(
        "%(n)d sign-off renewed.", "%(n)d sign-offs renewed.", len(result.renewed)
    ) % {"n": len(result.renewed)}
    if not result.held_back:
        return renewed
    held = ngettext(
        "%(n)d chosen entry was held back for individual review: the fresh search found "
        "someone to look at.",
        "%(n)d chosen entries were held back for individual review: the fresh search found "
        "someone to look at.",
        len(result.held_back),
    ) % {"n": len(result.held_back)}
    return f"{renewed} {held}"


@login_required
@require_GET
def entry_review(request: HttpRequest, public_id: str) -> HttpResponse:
    """One entry: its outcome, candidates, the reviewer's own searches (GET forms: the
    registry, the other side's lists, the list's earlier rows) and the "searched, no match"
    sign-off with its history. htmx asking for the earlier rows gets only that section."""
    entry = selectors.entry_review_get(user=request.user, public_id=public_id, path=request.path)
    earlier_form = ManualSearchForm(request.GET or None, prefix=EARLIER_ROWS_PREFIX)
    earlier = {
        "entry": entry,
        "earlier_form": earlier_form,
        "earlier_search": _search(
            earlier_form, selectors.entry_earlier_rows_search, request, entry
        ),
        "earlier_query": _without_page(request, EARLIER_ROWS_PREFIX),
    }
    if request.htmx and request.htmx.target == EARLIER_ROWS_TARGET:  # type: ignore[attr-defined]
        return render(request, "lists/_earlier_rows.html", earlier)
    search_form = ManualSearchForm(request.GET or None)
    other_form = ManualSearchForm(request.GET or None, prefix=OTHER_SIDE_PREFIX)
    context = {
        **earlier,
        "list": entry.submitted_list,
        "row": selectors.entry_row(entry=entry),
        "candidates": selectors.entry_candidates(entry=entry),
        "history": selectors.sign_off_history(entry=entry),
        "search_form": search_form,
        "search": _search(search_form, selectors.entry_person_search, request, entry),
        "other_form": other_form,
        "other_search": _search(other_form, selectors.entry_other_side_search, request, entry),
        "sign_off_form": SignOffForm(),
        "new_data": selectors.list_new_data(submitted_list=entry.submitted_list),
    }
    return render(request, "lists/entry.html", context)


# The id of the entry page's section listing the earlier rows found (htmx swaps it whole).
EARLIER_ROWS_TARGET = "earlier-rows"


def _without_page(request: HttpRequest, prefix: str) -> str:
    """The page's query without one search's page number: its page links keep every search
    asked (escaped by ``urlencode``)."""
    query = request.GET.copy()
    query.pop(f"{prefix}-page", None)
    return query.urlencode()


def _search(
    form: ManualSearchForm, search: Callable[..., Any], request: HttpRequest, entry: ListEntry
) -> Any:
    """Run one of the reviewer's searches (registry, other side's lists, earlier rows) if its
    form was
    filled; a malformed date is the selector's refusal and lands on the form."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    return call_service(
        form,
        lambda: search(
            user=request.user,
            entry=entry,
            name=data["name"],
            dob=data["dob"],
            id_number=data["id_number"],
            page=data["page"] or 1,
        ),
    )


@login_required
@require_POST
def entry_sign_off(request: HttpRequest, public_id: str) -> HttpResponse:
    entry = selectors.entry_review_get(user=request.user, public_id=public_id, path=request.path)
    form = SignOffForm(request.POST)
    submit_embedded_form(
        request,
        form,
        lambda: services.entry_sign_off(
            actor=request.user, entry=entry, note=form.cleaned_data["note"]
        ),
        success=_("Signed off: searched, no match."),
    )
    return _to_entry(entry)


@login_required
@require_POST
def entry_sign_off_withdraw(request: HttpRequest, public_id: str) -> HttpResponse:
    entry = selectors.entry_review_get(user=request.user, public_id=public_id, path=request.path)
    form = SignOffForm(request.POST)
    submit_embedded_form(
        request,
        form,
        lambda: services.entry_sign_off_withdraw(
            actor=request.user, entry=entry, note=form.cleaned_data["note"]
        ),
        success=_("Sign-off withdrawn."),
    )
    return _to_entry(entry)


@login_required
@require_POST
def entry_candidate_add(request: HttpRequest, public_id: str) -> HttpResponse:
    """Add a registry person, an entry of the other side's list or an earlier row of the
    same list found by the reviewer's search; on to the candidate's page to confirm or reject
    it side by side."""
    entry = selectors.entry_review_get(user=request.user, public_id=public_id, path=request.path)
    form = CandidateAddForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return _to_entry(entry)
    person, other = None, None
    if form.cleaned_data["person"]:
        person = registry_selectors.person_get(
            user=request.user, public_id=form.cleaned_data["person"], path=request.path
        )
    else:
        other = selectors.other_entry_get(
            user=request.user, public_id=form.cleaned_data["other_entry"], path=request.path
        )
    candidate = call_service(
        form,
        lambda: services.candidate_add(
            actor=request.user, entry=entry, person=person, other_entry=other
        ),
    )
    if candidate is None:
        flash_errors(request, form)
        return _to_entry(entry)
    messages.success(request, _("Candidate added: confirm or reject it."))
    return redirect("lists-candidate", public_id=candidate.public_id)


def _to_entry(entry: ListEntry) -> HttpResponse:
    return redirect("lists-entry", public_id=entry.public_id)


@login_required
@require_GET
def candidate_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    candidate = selectors.candidate_get(user=request.user, public_id=public_id, path=request.path)
    left, right = entry_side(candidate.entry), candidate_side(candidate)
    context = {
        "candidate": candidate,
        "list": candidate.entry.submitted_list,
        "left": left,
        "right": right,
        "rows": aligned_rows(left, right),
        "contributions": contributions(candidate),
        "history": selectors.decision_history(candidate=candidate),
        "form": DecisionForm(),
        "decisions": Decision,
    }
    return render(request, "lists/candidate.html", context)


@login_required
@require_POST
def candidate_decide(request: HttpRequest, public_id: str) -> HttpResponse:
    candidate = selectors.candidate_get(user=request.user, public_id=public_id, path=request.path)
    form = DecisionForm(request.POST)
    submit_embedded_form(
        request,
        form,
        lambda: services.candidate_decide(
            actor=request.user,
            candidate=candidate,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
        ),
        success=_("Decision recorded."),
    )
    return redirect("lists-candidate", public_id=candidate.public_id)


@login_required
@require_GET
def list_report(request: HttpRequest, public_id: str) -> HttpResponse:
    view = selectors.report_get(user=request.user, public_id=public_id, path=request.path)
    context = {
        "view": view,
        "list": view.report.submitted_list,
        "counts": [(Outcome(k).label, k, n) for k, n in view.report.counts.items()],
        "rows": view.report.rows if view.full else [],
        "discrepancies": view.report.discrepancies if view.full else [],
    }
    return render(request, "lists/report.html", context)


@login_required
@require_GET
def list_report_csv(request: HttpRequest, public_id: str) -> HttpResponse:
    """The report as CSV: the same rows and outcomes as the page, for the same user."""
    view = selectors.report_get(user=request.user, public_id=public_id, path=request.path)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="report-{public_id}.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 (Arabic, Hebrew) only with a BOM
    writer = csv.writer(response)
    for line in report_csv_rows(view):
        writer.writerow(line)
    return response


def report_csv_rows(view: selectors.ReportView) -> list[list[str]]:
    """Rows of the CSV export; a party gets only what was disclosed to it."""
    rows: list[list[str]] = []
    if view.show_rows:
        header = ["row", "reference", "name", "outcome"]
        if view.full:
            header += [
                "note",
                "match",
                "probability",
                "pending_candidates",
                "match_source",
                "signed_off_by",
                "sign_off_predates_new_data",
            ]
        rows.append(header)
        for row in view.report.rows:
            line = [
                str(row.entry.row_number),
                _inert(row.entry.reference),
                _inert(row.entry.full_name),
                row.outcome.value,
            ]
            if view.full:
                line += [
                    row.note,
                    _match_ref(row.match),
                    _probability(row.match),
                    str(row.pending),
                    row.match.source if row.match else "",
                    row.sign_off.by.username if row.sign_off else "",
                    "yes" if row.sign_off_predates_new_data else "",
                ]
            rows.append(line)
    if view.show_counts:
        if rows:
            rows.append([])
        rows.append(["outcome", "count"])
        rows += [[key, str(count)] for key, count in view.report.counts.items()]
    return rows


def _inert(text: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula (a list is untrusted input)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _match_ref(match: Any) -> str:
    if match is None:
        return ""
    if match.person_id is not None:
        return f"person:{match.person.public_id}"
    return f"entry:{match.other_entry.public_id}" if match.other_entry else ""


def _probability(match: Any) -> str:
    """Blank when there is no match, or when a reviewer added it (no score)."""
    if match is None or match.probability is None:
        return ""
    return f"{match.probability:.4f}"


@login_required
@require_POST
def list_disclose(request: HttpRequest, public_id: str) -> HttpResponse:
    submitted = selectors.review_list_get(user=request.user, public_id=public_id, path=request.path)
    form = DiscloseForm(request.POST, dossier=submitted.dossier)
    submit_embedded_form(
        request,
        form,
        lambda: services.report_disclose(
            actor=request.user,
            submitted_list=submitted,
            recipient=form.cleaned_data["recipient"],
            fields=form.cleaned_data["what"],
            purpose=form.cleaned_data["purpose"],
        ),
        success=_("Report disclosed."),
    )
    return redirect("lists-detail", public_id=submitted.public_id)
