"""API: person imports (multipart upload, job status, error report) and the person export."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from intermediary.access.policy import Perm, require, require_or_404
from intermediary.api.routers.accounts import ERRORS
from intermediary.core.downloads import raw_file_response
from intermediary.core.errors import field_error
from intermediary.dossiers import selectors as dossier_selectors
from intermediary.imports import exports, selectors, services
from intermediary.imports.models import PersonImport
from intermediary.imports.views import export_response

router = Router(tags=["imports"])


class ImportOut(Schema):
    id: str
    dossier: str
    filename: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    status: str
    format: str
    encoding: str
    rows_total: int
    rows_checked: int
    rows_done: int
    percent: int
    persons_created: int
    error_count: int
    failure: str
    finished_at: datetime | None


class RowErrorOut(Schema):
    row: int | None
    column: str | None
    code: str
    message: str


def import_out(job: PersonImport) -> ImportOut:
    return ImportOut(
        id=str(job.public_id),
        dossier=str(job.dossier.public_id),
        filename=job.filename,
        size=job.size,
        sha256=job.sha256,
        uploaded_by=job.uploaded_by.username,
        uploaded_at=job.uploaded_at,
        status=job.status,
        format=job.format,
        encoding=job.encoding,
        rows_total=job.rows_total,
        rows_checked=job.rows_checked,
        rows_done=job.rows_done,
        percent=job.percent,
        persons_created=job.persons_created,
        error_count=job.error_count,
        failure=job.failure,
        finished_at=job.finished_at,
    )


@router.post(
    "/dossiers/{dossier_id}/imports",
    response={202: ImportOut, **ERRORS},
    url_name="api-imports-upload",
)
def import_upload(
    request: HttpRequest,
    dossier_id: uuid.UUID,
    file: File[UploadedFile | None] = None,
    encoding: Form[str] = "",
) -> Status[ImportOut]:
    """Upload a CSV or XLSX (multipart field ``file``) and queue its import. Poll the import
    for its status; a rejected import lists every error at ``/imports/{id}/errors``."""
    dossier = dossier_selectors.dossier_get(
        user=request.user, public_id=dossier_id, path=request.path
    )
    require(request.user, Perm.REGISTRY_WRITE, dossier)
    if file is None:
        raise field_error("file", "Attach the file as the multipart field 'file'.", "required")
    job = services.person_import_submit(
        actor=request.user,
        dossier=dossier,
        filename=file.name or "",
        content=file.read(),
        encoding=encoding,
    )
    return Status(202, import_out(job))


@router.get(
    "/dossiers/{dossier_id}/imports",
    response={200: list[ImportOut], **ERRORS},
    url_name="api-imports",
)
def import_list(request: HttpRequest, dossier_id: uuid.UUID) -> list[ImportOut]:
    dossier = selectors.import_dossier_get(
        user=request.user, public_id=dossier_id, path=request.path
    )
    return [import_out(j) for j in selectors.person_import_list(user=request.user, dossier=dossier)]


@router.get("/imports/{import_id}", response={200: ImportOut, **ERRORS}, url_name="api-import")
def import_detail(request: HttpRequest, import_id: uuid.UUID) -> ImportOut:
    return import_out(
        selectors.person_import_get(user=request.user, public_id=import_id, path=request.path)
    )


@router.get(
    "/imports/{import_id}/errors",
    response={200: list[RowErrorOut], **ERRORS},
    url_name="api-import-errors",
)
def import_errors(request: HttpRequest, import_id: uuid.UUID) -> list[RowErrorOut]:
    """Every kept error (``error_count`` on the import says how many there were in all)."""
    job = selectors.person_import_get(user=request.user, public_id=import_id, path=request.path)
    return [RowErrorOut(**error) for error in job.errors]


@router.get("/imports/{import_id}/file", response={**ERRORS}, url_name="api-import-file")
def import_file(request: HttpRequest, import_id: uuid.UUID) -> HttpResponse:
    """The file exactly as uploaded, under its original name; ``Repr-Digest`` carries its
    SHA-256 (RFC 9530), the one the import records. Each download is audited."""
    job = selectors.person_import_get(user=request.user, public_id=import_id, path=request.path)
    return raw_file_response(services.person_import_file_download(actor=request.user, job=job))


@router.get("/exports/persons", response={**ERRORS}, url_name="api-persons-export")
def persons_export(
    request: HttpRequest, format: str = "csv", dossier: uuid.UUID | None = None
) -> HttpResponse:
    """The persons you may see, as a CSV (UTF-8 with BOM) or XLSX download."""
    require_or_404(request.user, Perm.REGISTRY_VIEW, path=request.path)
    if format not in exports.FORMATS:
        raise field_error("format", "Use csv or xlsx.")
    scope = (
        dossier_selectors.dossier_get(user=request.user, public_id=dossier, path=request.path)
        if dossier
        else None
    )
    return export_response(exports.person_export(user=request.user, dossier=scope, fmt=format))
