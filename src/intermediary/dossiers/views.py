"""Pages for dossiers. Thin: every read via selectors, every write via services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intermediary.access.policy import Perm, actor_of, can, require, require_or_404
from intermediary.accounts.models import Organisation, User
from intermediary.core.forms import submit_embedded_form, submit_form
from intermediary.dossiers import selectors, services
from intermediary.dossiers.choices import DossierStatus
from intermediary.dossiers.forms import (
    AddPartyForm,
    AssignMemberForm,
    DossierCreateForm,
    PartyReasonForm,
    RemovePartyForm,
)
from intermediary.dossiers.models import Dossier, DossierParty


@login_required
@require_GET
def dossier_list(request: HttpRequest) -> HttpResponse:
    dossiers = selectors.dossier_list(user=request.user, status=request.GET.get("status"))
    return render(
        request,
        "dossiers/list.html",
        {"dossiers": dossiers, "can_create": can(request.user, Perm.DOSSIER_CREATE)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def dossier_create(request: HttpRequest) -> HttpResponse:
    require_or_404(request.user, Perm.DOSSIER_CREATE, path=request.path)
    form = DossierCreateForm(request.POST or None)
    dossier = submit_form(
        request,
        form,
        lambda: services.dossier_create(actor=request.user, **form.cleaned_data),
        success=lambda d: _("Dossier %(ref)s opened.") % {"ref": d.reference},
    )
    if dossier is not None:
        return redirect("dossiers-detail", public_id=dossier.public_id)
    return render(request, "dossiers/create.html", {"form": form})


def _assign_form(dossier: Dossier, data: object = None) -> AssignMemberForm:
    form = AssignMemberForm(data)  # type: ignore[arg-type]
    staff = (
        User.objects.filter(
            memberships__organisation_id=dossier.intermediary_id,
            memberships__role__in=["field_delegate", "forensic_officer", "coordinator"],
            is_active=True,
        )
        .exclude(dossier_assignments__dossier=dossier)
        .distinct()
    )
    form.fields["user"].queryset = staff  # type: ignore[attr-defined]
    return form


@dataclass(frozen=True)
class PartyRow:
    """One party on the dossier page, with its own forms (ids unique on the page)."""

    link: DossierParty
    reason_form: PartyReasonForm | None
    remove_form: RemovePartyForm | None


def _party_rows(request: HttpRequest, dossier: Dossier, manage: bool) -> list[PartyRow]:
    rows = []
    for link in selectors.dossier_party_links(user=request.user, dossier=dossier):
        auto_id = f"id_{link.organisation.public_id.hex[:12]}_%s"
        rows.append(
            PartyRow(
                link=link,
                reason_form=PartyReasonForm(auto_id=auto_id) if manage else None,
                remove_form=RemovePartyForm(auto_id=f"{auto_id}_remove") if manage else None,
            )
        )
    return rows


@login_required
@require_GET
def dossier_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    dossier = selectors.dossier_get(user=request.user, public_id=public_id, path=request.path)
    manage = can(request.user, Perm.DOSSIER_MANAGE, dossier)
    context = {
        "dossier": dossier,
        "parties": _party_rows(request, dossier, manage),
        "party_events": selectors.dossier_party_events(user=request.user, dossier=dossier),
        "can_manage": manage,
        # Who else works the dossier is the intermediary's business, not a party's.
        "team": dossier.team.select_related("user")
        if actor_of(request.user).is_intermediary
        else None,
        "add_party_form": AddPartyForm() if manage else None,
        "assign_form": _assign_form(dossier) if manage else None,
        "statuses": DossierStatus,
    }
    return render(request, "dossiers/detail.html", context)


@login_required
@require_POST
def dossier_add_party(request: HttpRequest, public_id: str) -> HttpResponse:
    dossier = selectors.dossier_get(user=request.user, public_id=public_id, path=request.path)
    form = AddPartyForm(request.POST)
    submit_embedded_form(
        request,
        form,
        lambda: services.dossier_add_party(
            actor=request.user, dossier=dossier, organisation=form.cleaned_data["organisation"]
        ),
        success=_("Party added."),
    )
    return redirect("dossiers-detail", public_id=dossier.public_id)


@login_required
@require_POST
def dossier_assign_member(request: HttpRequest, public_id: str) -> HttpResponse:
    dossier = selectors.dossier_get(user=request.user, public_id=public_id, path=request.path)
    form = _assign_form(dossier, request.POST)
    submit_embedded_form(
        request,
        form,
        lambda: services.dossier_assign_member(
            actor=request.user, dossier=dossier, user=form.cleaned_data["user"]
        ),
        success=_("Staff member assigned."),
    )
    return redirect("dossiers-detail", public_id=dossier.public_id)


@login_required
@require_POST
def dossier_set_status(request: HttpRequest, public_id: str) -> HttpResponse:
    dossier = selectors.dossier_get(user=request.user, public_id=public_id, path=request.path)
    # No fields to check: the service decides. A bound empty form only collects its errors.
    form = forms.Form(request.POST)
    status = request.POST.get("status", "")
    submit_embedded_form(
        request,
        form,
        lambda: services.dossier_set_status(actor=request.user, dossier=dossier, status=status),
        success=_("Status changed."),
    )
    return redirect("dossiers-detail", public_id=dossier.public_id)


def _party_action(
    request: HttpRequest,
    public_id: str,
    organisation_id: str,
    form: forms.Form,
    action: Callable[[Dossier, Organisation], object],
    success: str,
) -> HttpResponse:
    """The POST of one party's buttons on the dossier page: 404 for a dossier or party the
    user cannot see, 403 for one who sees but may not manage it (checked before the party is
    looked up, as the API does), then the service, and back to the page."""
    dossier = selectors.dossier_get(user=request.user, public_id=public_id, path=request.path)
    require(request.user, Perm.DOSSIER_MANAGE, dossier)
    link = selectors.dossier_party_get(
        user=request.user, dossier=dossier, organisation_id=organisation_id, path=request.path
    )
    submit_embedded_form(request, form, lambda: action(dossier, link.organisation), success=success)
    return redirect("dossiers-detail", public_id=dossier.public_id)


@login_required
@require_POST
def dossier_remove_party(
    request: HttpRequest, public_id: str, organisation_id: str
) -> HttpResponse:
    return _party_action(
        request,
        public_id,
        organisation_id,
        RemovePartyForm(request.POST),
        lambda d, o: services.dossier_remove_party(actor=request.user, dossier=d, organisation=o),
        _("Party removed."),
    )


@login_required
@require_POST
def dossier_withdraw_party(
    request: HttpRequest, public_id: str, organisation_id: str
) -> HttpResponse:
    form = PartyReasonForm(request.POST)
    return _party_action(
        request,
        public_id,
        organisation_id,
        form,
        lambda d, o: services.dossier_withdraw_party(
            actor=request.user, dossier=d, organisation=o, reason=form.cleaned_data["reason"]
        ),
        _("Party withdrawn: its users no longer see this dossier."),
    )


@login_required
@require_POST
def dossier_reinstate_party(
    request: HttpRequest, public_id: str, organisation_id: str
) -> HttpResponse:
    form = PartyReasonForm(request.POST)
    return _party_action(
        request,
        public_id,
        organisation_id,
        form,
        lambda d, o: services.dossier_reinstate_party(
            actor=request.user, dossier=d, organisation=o, reason=form.cleaned_data["reason"]
        ),
        _("Party reinstated: its users see this dossier again."),
    )
