"""Pages for imports: upload within a dossier, history, progress (htmx), error report, and the
person export. Thin: reads through selectors, writes through services."""

from __future__ import annotations

import csv
import io
import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from intermediary.access.policy import NOT_FOUND_MESSAGE, Perm, can, require, require_or_404
from intermediary.core.downloads import attachment_response, raw_file_response
from intermediary.core.forms import call_service
from intermediary.dossiers import selectors as dossier_selectors
from intermediary.dossiers.models import Dossier
from intermediary.imports import exports, selectors, services
from intermediary.imports.columns import COLUMNS
from intermediary.imports.forms import UploadForm
from intermediary.imports.models import PersonImport


def _list_page(
    request: HttpRequest, dossier: Dossier, form: UploadForm | None, status: int = 200
) -> HttpResponse:
    writable = can(request.user, Perm.REGISTRY_WRITE, dossier)
    context = {
        "dossier": dossier,
        "imports": selectors.person_import_list(user=request.user, dossier=dossier),
        "form": (form or UploadForm()) if writable else None,
        "columns": COLUMNS,
    }
    return render(request, "imports/list.html", context, status=status)


@login_required
@require_GET
def import_list(request: HttpRequest, public_id: str) -> HttpResponse:
    """The dossier's import history, and the upload form for those who may import."""
    dossier = selectors.import_dossier_get(
        user=request.user, public_id=public_id, path=request.path
    )
    return _list_page(request, dossier, None)


@login_required
@require_POST
def import_upload(request: HttpRequest, public_id: str) -> HttpResponse:
    """Keep the file and queue its import; then show its progress and report."""
    dossier = dossier_selectors.dossier_get(
        user=request.user, public_id=public_id, path=request.path
    )
    # Parties see the dossier but never write the registry from here: 403, not 404.
    require(request.user, Perm.REGISTRY_WRITE, dossier)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        job = call_service(
            form,
            lambda: services.person_import_submit(
                actor=request.user,
                dossier=dossier,
                filename=upload.name or "",
                content=upload.read(),
                encoding=form.cleaned_data["encoding"],
            ),
        )
        if job is not None:
            return redirect("imports-detail", public_id=job.public_id)
    return _list_page(request, dossier, form, status=400)


def _job(request: HttpRequest, public_id: str) -> PersonImport:
    return selectors.person_import_get(user=request.user, public_id=public_id, path=request.path)


@login_required
@require_GET
def import_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """Status and progress; once rejected, the error report (row, column, message)."""
    job = _job(request, public_id)
    return render(request, "imports/detail.html", {"job": job, "errors": job.errors})


@login_required
@require_GET
def import_file(request: HttpRequest, public_id: str) -> HttpResponse:
    """The file exactly as uploaded, under its original name (audited, hash checked)."""
    job = _job(request, public_id)
    return raw_file_response(services.person_import_file_download(actor=request.user, job=job))


@login_required
@require_GET
def import_progress(request: HttpRequest, public_id: str) -> HttpResponse:
    """The progress fragment htmx polls; when the job is done the whole page reloads."""
    job = _job(request, public_id)
    if job.is_finished and request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("imports-detail", kwargs={"public_id": job.public_id})
        return response
    return render(request, "imports/_progress.html", {"job": job})


@login_required
@require_GET
def import_errors_csv(request: HttpRequest, public_id: str) -> HttpResponse:
    """The error report as CSV, to work through a long list in a spreadsheet."""
    job = _job(request, public_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "column", "code", "message"])
    for error in job.errors:
        writer.writerow(
            [error["row"] or "", error["column"] or "", error["code"], error["message"]]
        )
    response = HttpResponse(
        b"\xef\xbb\xbf" + buffer.getvalue().encode(), content_type=exports.CONTENT_TYPES["csv"]
    )
    response["Content-Disposition"] = f'attachment; filename="errors-{job.public_id}.csv"'
    return response


@login_required
@require_GET
def persons_export(request: HttpRequest) -> HttpResponse:
    """The persons the user may see (``?dossier=<id>`` for one dossier), CSV or XLSX."""
    require_or_404(request.user, Perm.REGISTRY_VIEW, path=request.path)
    fmt = request.GET.get("format", "csv")
    if fmt not in exports.FORMATS:
        return HttpResponse("format must be csv or xlsx", status=400, content_type="text/plain")
    dossier = _dossier_filter(request)
    return export_response(exports.person_export(user=request.user, dossier=dossier, fmt=fmt))


def _dossier_filter(request: HttpRequest) -> Dossier | None:
    raw = request.GET.get("dossier", "")
    if not raw:
        return None
    try:
        public_id = uuid.UUID(raw)
    except ValueError:
        raise Http404(NOT_FOUND_MESSAGE) from None
    return dossier_selectors.dossier_get(user=request.user, public_id=public_id, path=request.path)


def export_response(export: exports.Export) -> HttpResponse:
    """An export as a download (shared with the API)."""
    response = attachment_response(
        export.body, filename=export.filename, content_type=export.content_type
    )
    response["X-Rows"] = str(export.rows)
    return response
