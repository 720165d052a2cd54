"""Registry pages. Thin: reads via selectors and presenters, writes via services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from intermediary.access.policy import (
    Perm,
    actor_of,
    can,
    deny,
    require,
    require_or_404,
    visible_dossiers,
    visible_organisations,
    visible_remains_cases,
)
from intermediary.accounts.choices import OrganisationKind
from intermediary.core.errors import validation_error_fields
from intermediary.core.forms import flash_errors, submit_embedded_form, submit_form
from intermediary.dossiers.models import Dossier
from intermediary.dossiers.selectors import dossier_get
from intermediary.registry import presenters, selectors, services
from intermediary.registry.choices import (
    HELD_STATUSES,
    Category,
    CustodyEventKind,
    PersonStatus,
)
from intermediary.registry.forms import (
    CustodyEventForm,
    IdentifyForm,
    NameForm,
    PersonEditForm,
    PersonForm,
    RemainsCaseForm,
    RemainsEventForm,
    SearchForm,
)
from intermediary.registry.models import Person, PersonName
from intermediary.registry.reports import figures_csv


def _writable_dossiers(user: Any, perm: Perm) -> QuerySet[Dossier]:
    ids = [d.pk for d in visible_dossiers(user) if can(user, perm, d)]
    return Dossier.objects.filter(pk__in=ids)


def _page_for_writers(request: HttpRequest, perm: Perm) -> QuerySet[Dossier]:
    """A create page exists only for who may write in at least one dossier."""
    dossiers = _writable_dossiers(request.user, perm)
    if not dossiers.exists():
        raise deny(request.user, action=perm.value, object_type="page", object_ref="",
                   path=request.path)  # fmt: skip
    return dossiers


def _party_choices(user: Any) -> QuerySet[Any]:
    return visible_organisations(user).filter(kind=OrganisationKind.PARTY).order_by("short_name")


# --- Persons ------------------------------------------------------------------------------------


def _query(form: SearchForm) -> selectors.PersonQuery:
    data = form.cleaned_data
    return selectors.PersonQuery(
        name=data.get("q") or "",
        dob=data.get("dob") or "",
        id_number=data.get("id_number") or "",
        holding_party=data.get("holding_party") or None,
        status=data.get("status") or "",
        category=data.get("category") or "",
    )


@login_required
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    """Search the persons the user may see; htmx swaps only the results."""
    require_or_404(request.user, Perm.REGISTRY_VIEW, path=request.path)
    form = SearchForm(
        request.GET or None,
        parties=_party_choices(request.user),
        categories=selectors.figure_categories(request.user),
    )
    context: dict[str, Any] = {"form": form, "hits": [], "page": None, "errors": {}}
    if form.is_bound and not form.is_valid():
        context["errors"] = form.errors
    else:
        if not form.is_bound:
            form.cleaned_data = {}
        try:
            page = selectors.person_search(
                user=request.user,
                query=_query(form),
                page=form.cleaned_data.get("page") or 1,
            )
        except ValidationError as exc:
            context["errors"] = validation_error_fields(exc)
        else:
            context["page"] = page
            context["hits"] = presenters.person_views(
                request.user, page.items, only=presenters.HIT_KEYS
            )
    context["query_string"] = _without_page(request)
    context["can_create"] = _writable_dossiers(request.user, Perm.REGISTRY_WRITE).exists()
    template = "registry/_person_results.html" if request.htmx else "registry/person_list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    dossiers = _page_for_writers(request, Perm.REGISTRY_WRITE)
    form = PersonForm(request.POST or None, dossiers=dossiers)
    name_form = NameForm(request.POST or None, prefix="name")
    person = submit_form(
        request,
        form,
        lambda: services.person_create(
            actor=request.user,
            dossier=form.cleaned_data["dossier"],
            data=form.to_input([name_form.to_input()]),
        ),
        success=_("Person registered."),
        together_with=[name_form],
    )
    if person is not None:
        return redirect("registry-person-detail", public_id=person.public_id)
    return render(request, "registry/person_create.html", {"form": form, "name_form": name_form})


@login_required
@require_GET
def person_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    person = selectors.person_get(user=request.user, public_id=public_id, path=request.path)
    keys = presenters.person_keys(request.user, [person])[person.pk]
    staff = actor_of(request.user).is_intermediary_staff
    writable = can(request.user, Perm.REGISTRY_WRITE, person.dossier)
    context = {
        "person": person,
        "view": presenters.person_view(person, keys, with_authors=staff),
        "display_name": "",
        "intermediary_only": "health_notes" in keys,
        "can_write": writable,
        "name_form": NameForm(prefix="name") if writable else None,
        "event_form": CustodyEventForm() if writable else None,
        "remains_cases": visible_remains_cases(request.user).filter(person=person),
        "statuses": PersonStatus,
        "kinds": CustodyEventKind,
    }
    context["display_name"] = presenters.primary_name(context["view"])  # type: ignore[arg-type]
    return render(request, "registry/person_detail.html", context)


def _writable_person(request: HttpRequest, public_id: str) -> Any:
    person = selectors.person_get(user=request.user, public_id=public_id, path=request.path)
    require(request.user, Perm.REGISTRY_WRITE, person.dossier)
    return person


@login_required
@require_POST
def name_add(request: HttpRequest, public_id: str) -> HttpResponse:
    person = _writable_person(request, public_id)
    form = NameForm(request.POST, prefix="name")
    submit_embedded_form(
        request,
        form,
        lambda: services.name_add(actor=request.user, person=person, name=form.to_input()),
        success=_("Name added."),
    )
    return redirect("registry-person-detail", public_id=person.public_id)


def _to_person(person: Person) -> HttpResponse:
    return redirect("registry-person-detail", public_id=person.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    """Correct a person's identity fields; only the fields changed are written and audited."""
    person = _writable_person(request, public_id)
    display_name = person.names.filter(is_primary=True).first()
    form = PersonEditForm(request.POST or None, instance=person)
    if form.is_bound and form.is_valid() and not form.has_changed():
        messages.info(request, _("Nothing changed."))
        return _to_person(person)
    updated = submit_form(
        request,
        form,
        lambda: services.person_update(actor=request.user, person=person, changes=form.changes()),
        success=_("Person updated."),
    )
    if updated is not None:
        return _to_person(person)
    context = {"person": person, "display_name": display_name, "form": form}
    return render(request, "registry/person_edit.html", context)


def _writable_name(request: HttpRequest, public_id: str, name_id: str) -> PersonName:
    person = _writable_person(request, public_id)
    return selectors.person_name_get(
        user=request.user, person=person, public_id=name_id, path=request.path
    )


@login_required
@require_http_methods(["GET", "POST"])
def name_edit(request: HttpRequest, public_id: str, name_id: str) -> HttpResponse:
    """Correct one name (text, script, parts, source, primary); the page also removes it."""
    name = _writable_name(request, public_id, name_id)
    form = NameForm(request.POST or None, initial=NameForm.initial_for(name))
    if form.is_bound and form.is_valid() and not form.has_changed():
        messages.info(request, _("Nothing changed."))
        return _to_person(name.person)
    corrected = submit_form(
        request,
        form,
        lambda: services.name_update(actor=request.user, name=name, data=form.to_input()),
        success=_("Name corrected."),
    )
    if corrected is not None:
        return _to_person(name.person)
    return render(request, "registry/name_edit.html", {"name": name, "form": form})


@login_required
@require_POST
def name_remove(request: HttpRequest, public_id: str, name_id: str) -> HttpResponse:
    name = _writable_name(request, public_id, name_id)
    # No fields to check: the service decides. A bound empty form only collects its errors.
    form = forms.Form(request.POST)
    removed = submit_form(
        request,
        form,
        lambda: services.name_remove(actor=request.user, name=name),
        success=_("Name removed."),
    )
    if removed is None:
        flash_errors(request, form)
        return redirect("registry-name-edit", public_id=public_id, name_id=name.public_id)
    return _to_person(removed)


@login_required
@require_POST
def custody_event_add(request: HttpRequest, public_id: str) -> HttpResponse:
    person = _writable_person(request, public_id)
    form = CustodyEventForm(request.POST)
    submit_embedded_form(
        request,
        form,
        lambda: services.custody_event_add(actor=request.user, person=person, **form.cleaned_data),
        success=_("Event recorded."),
    )
    return redirect("registry-person-detail", public_id=person.public_id)


# --- Remains ------------------------------------------------------------------------------------


@login_required
@require_GET
def remains_list(request: HttpRequest) -> HttpResponse:
    require_or_404(request.user, Perm.REGISTRY_VIEW, path=request.path)
    cases = list(selectors.remains_list(user=request.user))
    rows = [presenters.remains_view(c, presenters.remains_keys(request.user, c)) for c in cases]
    context = {
        "rows": rows,
        "can_create": _writable_dossiers(request.user, Perm.REMAINS_WRITE).exists(),
    }
    return render(request, "registry/remains_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def remains_create(request: HttpRequest) -> HttpResponse:
    dossiers = _page_for_writers(request, Perm.REMAINS_WRITE)
    form = RemainsCaseForm(request.POST or None, dossiers=dossiers)
    case = submit_form(
        request,
        form,
        lambda: services.remains_case_create(
            actor=request.user,
            dossier=form.cleaned_data["dossier"],
            case_number=form.cleaned_data["case_number"],
            **form.values(),
        ),
        success=lambda c: _("Remains case %(n)s opened.") % {"n": c.case_number},
    )
    if case is not None:
        return redirect("registry-remains-detail", public_id=case.public_id)
    return render(request, "registry/remains_create.html", {"form": form})


@login_required
@require_GET
def remains_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    case = selectors.remains_get(user=request.user, public_id=public_id, path=request.path)
    keys = presenters.remains_keys(request.user, case)
    writable = can(request.user, Perm.REMAINS_WRITE, case.dossier)
    context = {
        "case": case,
        "view": presenters.remains_view(case, keys),
        "can_write": writable,
        "event_form": RemainsEventForm() if writable else None,
        "identify_form": IdentifyForm() if writable else None,
    }
    return render(request, "registry/remains_detail.html", context)


def _writable_case(request: HttpRequest, public_id: str) -> Any:
    case = selectors.remains_get(user=request.user, public_id=public_id, path=request.path)
    require(request.user, Perm.REMAINS_WRITE, case.dossier)
    return case


@login_required
@require_POST
def remains_event_add(request: HttpRequest, public_id: str) -> HttpResponse:
    case = _writable_case(request, public_id)
    form = RemainsEventForm(request.POST)
    submit_embedded_form(
        request,
        form,
        lambda: services.remains_event_add(actor=request.user, case=case, **form.cleaned_data),
        success=_("Custody event recorded."),
    )
    return redirect("registry-remains-detail", public_id=case.public_id)


def _identify(request: HttpRequest, case: Any, data: dict[str, Any]) -> Any:
    """Identify with the person named by public id, if the user sees it (else None: the
    service then says a person must be named)."""
    person = (
        selectors.visible_persons_in(request.user, case.dossier)
        .filter(public_id=data.pop("person"))
        .first()
    )
    return services.remains_identify(actor=request.user, case=case, person=person, **data)


@login_required
@require_POST
def remains_identify(request: HttpRequest, public_id: str) -> HttpResponse:
    case = _writable_case(request, public_id)
    form = IdentifyForm(request.POST)
    submit_embedded_form(
        request,
        form,
        lambda: _identify(request, case, dict(form.cleaned_data)),
        success=_("Identification recorded."),
    )
    return redirect("registry-remains-detail", public_id=case.public_id)


# --- Figures ------------------------------------------------------------------------------------


def _figures(request: HttpRequest) -> selectors.Figures:
    require_or_404(request.user, Perm.REGISTRY_VIEW, path=request.path)
    reference = selectors.parse_reference_date(request.GET.get("date"))
    dossier_id = request.GET.get("dossier")
    dossier = (
        dossier_get(user=request.user, public_id=dossier_id, path=request.path)
        if dossier_id
        else None
    )
    return selectors.figures(user=request.user, reference_date=reference, dossier=dossier)


def _statements(figures: selectors.Figures) -> list[dict[str, Any]]:
    """Per holding party, the shape of a public statement: held (with minors and women) and
    the deceased whose remains it holds."""
    held = figures.party_totals(HELD_STATUSES)
    dead = figures.party_totals([PersonStatus.DECEASED])
    empty = dict.fromkeys(["total", *figures.categories], 0)
    return [
        {
            "party": party,
            "held": held.get(party, empty),
            "deceased": dead.get(party, empty)["total"],
        }
        for party in sorted(set(held) | set(dead))
    ]


@login_required
@require_GET
def figures_dashboard(request: HttpRequest) -> HttpResponse:
    """Figures at a reference date; htmx re-renders the tables when the date changes."""
    try:
        figures = _figures(request)
    except ValidationError as exc:
        messages.error(request, " ".join(validation_error_fields(exc).get("date", [])))
        return redirect("registry-figures")
    context = {
        "figures": figures,
        "statements": _statements(figures),
        "category_labels": [(c, Category(c).label) for c in figures.categories],
        "status_labels": dict(PersonStatus.choices),
        "query_string": request.GET.urlencode(),
    }
    template = "registry/_figures.html" if request.htmx else "registry/figures.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
@require_GET
def figures_export(request: HttpRequest) -> HttpResponse:
    try:
        figures = _figures(request)
    except ValidationError as exc:
        return HttpResponse(str(exc.messages[0]), status=400, content_type="text/plain")
    response = HttpResponse(figures_csv(figures), content_type="text/csv; charset=utf-8")
    name = f"figures-{figures.reference_date.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
