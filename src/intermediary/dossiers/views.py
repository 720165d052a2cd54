"""Pages for dossiers. Thin: every read via selectors, every write via services."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intermediary.access.policy import Perm, actor_of, can, require_or_404
from intermediary.accounts.models import User
from intermediary.core.forms import submit_embedded_form, submit_form
from intermediary.dossiers import selectors, services
from intermediary.dossiers.choices import DossierStatus
from intermediary.dossiers.forms import AddPartyForm, AssignMemberForm, DossierCreateForm
from intermediary.dossiers.models import Dossier


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


@login_required
@require_GET
def dossier_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    dossier = selectors.dossier_get(user=request.user, public_id=public_id, path=request.path)
    manage = can(request.user, Perm.DOSSIER_MANAGE, dossier)
    context = {
        "dossier": dossier,
        "parties": dossier.party_links.select_related("organisation"),
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
