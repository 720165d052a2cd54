"""The auditor's pages: the event chain, its verification, and the denial log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from intermediary.access.policy import Perm, require_or_404
from intermediary.audit import selectors
from intermediary.audit.verify import verify_chain

PAGE_SIZE = 50


def _auditors_only(request: HttpRequest) -> None:
    require_or_404(request.user, Perm.AUDIT_VIEW, path=request.path)


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Paginated events; an htmx request gets only the rows fragment ("load more")."""
    _auditors_only(request)
    filters = {
        "action": request.GET.get("action", "").strip(),
        "object_type": request.GET.get("object_type", "").strip(),
        "object_id": request.GET.get("object_id", "").strip(),
    }
    events = selectors.audit_event_list(user=request.user, **filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters}
    if getattr(request, "htmx", False):
        return render(request, "audit/_event_rows.html", context)
    return render(request, "audit/events.html", context)


@login_required
@require_GET
def chain_verify(request: HttpRequest) -> HttpResponse:
    """Recompute the chain on demand and show the result (the same check as the CLI)."""
    _auditors_only(request)
    report = verify_chain(expected_head=request.GET.get("head") or None)
    return render(request, "audit/verify.html", {"report": report})


@login_required
@require_GET
def denial_list(request: HttpRequest) -> HttpResponse:
    _auditors_only(request)
    page = Paginator(selectors.access_denial_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "audit/denials.html", {"page": page})
