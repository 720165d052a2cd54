"""The auditor's pages (the event chain, its verification, the denial log) and the signed
checkpoints page that staff, auditors and parties share."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from intermediary.access.policy import Perm, can, require_or_404
from intermediary.audit import selectors
from intermediary.audit.checkpoints import (
    audit_checkpoint_ensure,
    to_checkpoint,
    verify_checkpoints,
)
from intermediary.audit.services import AuditError
from intermediary.audit.signing import SigningKeyError
from intermediary.audit.verify import verify_chain
from intermediary.core.downloads import attachment_response

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
    checkpoints = verify_checkpoints()
    checkpoints.reverse()  # newest first
    return render(
        request,
        "audit/verify.html",
        {
            "report": report,
            "checkpoints": checkpoints,
            "checkpoints_ok": all(c.ok for c in checkpoints),
        },
    )


@login_required
@require_GET
def denial_list(request: HttpRequest) -> HttpResponse:
    _auditors_only(request)
    page = Paginator(selectors.access_denial_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "audit/denials.html", {"page": page})


# --- Signed checkpoints --------------------------------------------------------------------


@login_required
@require_GET
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    """Checkpoints with their downloads, the public key, and (coordinators) a create button."""
    require_or_404(request.user, Perm.AUDIT_CHECKPOINT_VIEW, path=request.path)
    page = Paginator(selectors.audit_checkpoint_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    try:
        public_key = selectors.audit_public_key(user=request.user, path=request.path)
    except Http404:
        public_key = None
    context = {
        "page": page,
        "public_key": public_key,
        "may_create": can(request.user, Perm.AUDIT_CHECKPOINT_CREATE),
    }
    return render(request, "audit/checkpoints.html", context)


@login_required
@require_POST
def checkpoint_create(request: HttpRequest) -> HttpResponse:
    """Coordinators sign a checkpoint (the same service as the API and the CLI); when the log
    has not grown since the latest one, that one stays the latest and the page says so."""
    require_or_404(request.user, Perm.AUDIT_CHECKPOINT_CREATE, path=request.path)
    try:
        outcome = audit_checkpoint_ensure(actor=request.user)
    except SigningKeyError:
        messages.error(
            request,
            _(
                "No checkpoint was created: no signing key is configured on the server "
                "(AUDIT_SIGNING_KEY_FILE)."
            ),
        )
    except AuditError:
        messages.error(
            request,
            _("No checkpoint was created: the audit log is broken; the auditors can verify it."),
        )
    else:
        size = {"n": outcome.checkpoint.tree_size}
        if outcome.created:
            messages.success(request, _("Checkpoint signed over %(n)d events.") % size)
        else:
            messages.info(
                request,
                _(
                    "No new events since the latest checkpoint: the checkpoint over %(n)d "
                    "events is still the latest."
                )
                % size,
            )
    return redirect("audit-checkpoints")


@login_required
@require_GET
def checkpoint_download(request: HttpRequest, tree_size: int) -> HttpResponse:
    """The checkpoint as the JSON document the offline verifier reads."""
    row = selectors.audit_checkpoint_get(user=request.user, tree_size=tree_size, path=request.path)
    body = json.dumps(to_checkpoint(row).document(), indent=2).encode() + b"\n"
    return attachment_response(
        body, filename=f"checkpoint-{row.tree_size}.json", content_type="application/json"
    )


@login_required
@require_GET
def public_key_download(request: HttpRequest) -> HttpResponse:
    info = selectors.audit_public_key(user=request.user, path=request.path)
    return attachment_response(
        info.public_key_pem.encode("ascii"),
        filename=f"audit-public-key-{info.key_id[:16]}.pem",
        content_type="application/x-pem-file",
    )
