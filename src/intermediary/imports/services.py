"""Writes of imports: keep an uploaded file, then validate and import it all-or-nothing.

Two passes over the file: the first checks every row and keeps only the errors, the second
(only for a clean file) builds persons a chunk at a time inside one transaction. Memory stays
flat for 100,000 rows, and one bad row means nothing is written.
"""

from __future__ import annotations

import gc
import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediary.access.policy import (
    Perm,
    PermissionDenied,
    can,
    require,
    visible_person_imports,
)
from intermediary.accounts.models import Organisation
from intermediary.audit.services import audit_append
from intermediary.core.downloads import RawFile, checked_raw_file
from intermediary.core.errors import field_error, validation_error_fields
from intermediary.dossiers.choices import DossierStatus
from intermediary.dossiers.locks import linked_party_ids
from intermediary.dossiers.models import Dossier
from intermediary.imports import registry_adapter
from intermediary.imports.choices import BLOCKING_STATUSES, ImportStatus
from intermediary.imports.decoding import normalise_encoding
from intermediary.imports.exports import raw_content_type
from intermediary.imports.models import PersonImport, PersonImportFile
from intermediary.imports.problems import FileProblem, RowError
from intermediary.imports.progress import Listener, ProgressWriter
from intermediary.imports.tables import MAX_FILE_BYTES, XLSX_MAGIC, Table, open_table
from intermediary.imports.validation import Context, Validator
from intermediary.registry.inputs import PersonInput

logger = logging.getLogger(__name__)

OBJECT_TYPE = "imports.personimport"
MAX_KEPT_ERRORS = 10_000
CHUNK_ROWS = 1_000


class ImportRejected(Exception):
    """Raised inside the writing transaction to roll it back with these errors."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


def _audit(actor: Any, action: str, job: PersonImport, payload: dict[str, Any]) -> None:
    audit_append(
        actor=actor,
        action=action,
        object_type=OBJECT_TYPE,
        object_id=str(job.public_id),
        payload={"dossier": str(job.dossier.public_id), "sha256": job.sha256, **payload},
    )


# --- upload -------------------------------------------------------------------------------------


def _check_upload(dossier: Dossier, content: bytes, encoding: str) -> str:
    if dossier.status != DossierStatus.OPEN:
        raise field_error("file", _("The dossier is closed: nothing can be imported into it."))
    if not content:
        raise field_error("file", _("The file is empty."), "empty_file")
    if len(content) > MAX_FILE_BYTES:
        raise field_error(
            "file",
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
            "file_too_large",
        )
    if not encoding:
        return ""
    try:
        return normalise_encoding(encoding)
    except FileProblem as exc:
        raise field_error("encoding", exc.message, exc.code) from exc


def _refuse_duplicate(dossier: Dossier, sha256: str) -> None:
    earlier = (
        PersonImport.objects.filter(dossier=dossier, sha256=sha256, status__in=BLOCKING_STATUSES)
        .select_related("uploaded_by")
        .first()
    )
    if earlier is not None:
        raise field_error("file", duplicate_message(earlier), "duplicate_file")


def duplicate_message(earlier: PersonImport) -> str:
    return _(
        "This file (SHA-256 %(sha)s) was already uploaded to this dossier on %(when)s by "
        "%(who)s (%(state)s). The same file is never imported twice."
    ) % {
        "sha": earlier.sha256,
        "when": earlier.uploaded_at.strftime("%Y-%m-%d %H:%M UTC"),
        "who": earlier.uploaded_by.username,
        "state": earlier.get_status_display().split(":")[0].lower(),
    }


@transaction.atomic
def person_import_upload(
    *, actor: Any, dossier: Dossier, filename: str, content: bytes, encoding: str = ""
) -> PersonImport:
    """Keep an uploaded file (bytes, SHA-256, who, when) as a queued import of ``dossier``.

    Refuses the same bytes a second time in the same dossier while the first is queued,
    running or imported. Nothing is parsed here: that is the job's work.
    """
    require(actor, Perm.REGISTRY_WRITE, dossier)
    codec = _check_upload(dossier, content, encoding)
    sha256 = hashlib.sha256(content).hexdigest()
    _refuse_duplicate(dossier, sha256)
    job = PersonImport(
        dossier=dossier,
        uploaded_by=actor,
        # The base name only; too long a name is refused by full_clean, never cut short.
        filename=filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] or "upload",
        size=len(content),
        sha256=sha256,
        requested_encoding=codec,
    )
    job.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            job.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent upload of the same file won the race
        _refuse_duplicate(dossier, sha256)
        raise field_error(
            "file", _("This file is already being imported."), "duplicate_file"
        ) from exc
    PersonImportFile.objects.create(person_import=job, content=content)
    _audit(actor, "person_import.upload", job, {"filename": job.filename, "size": job.size})
    return job


@transaction.atomic
def person_import_file_download(*, actor: Any, job: PersonImport) -> RawFile:
    """The import's file exactly as uploaded, for intermediary staff who see the import (the
    caller fetched it through ``selectors.person_import_get``, which answers 404 to everyone
    else). Whatever became of the import (imported, rejected, failed), the file is what it
    was checked against, and the one to correct and upload again.

    A file of personal data leaving the system is an audit event, and the bytes are checked
    against the SHA-256 recorded at upload first (``core.downloads.checked_raw_file``).
    """
    if not visible_person_imports(actor).filter(pk=job.pk).exists():
        raise PermissionDenied("import_download")
    content = bytes(PersonImportFile.objects.get(person_import=job).content)
    raw = checked_raw_file(
        content,
        recorded_sha256=job.sha256,
        filename=job.filename,
        content_type=_upload_content_type(job, content),
        what=f"import {job.public_id}",
    )
    _audit(
        actor,
        "person_import.download",
        job,
        {"sha256": raw.sha256, "size": len(content), "filename": job.filename},
    )
    return raw


def _upload_content_type(job: PersonImport, content: bytes) -> str:
    """The type the import read the file as; before (or without) a successful read, XLSX by
    its signature, else unknown bytes: a file that could not be read is not called CSV."""
    if job.format:
        return raw_content_type(job.format, job.encoding)
    if content.startswith(XLSX_MAGIC):
        return raw_content_type("xlsx", "")
    return "application/octet-stream"


def person_import_submit(
    *, actor: Any, dossier: Dossier, filename: str, content: bytes, encoding: str = ""
) -> PersonImport:
    """Upload, then queue the import (after the upload committed, so a worker can see it)."""
    from intermediary.imports.tasks import run_person_import

    job = person_import_upload(
        actor=actor, dossier=dossier, filename=filename, content=content, encoding=encoding
    )
    result = run_person_import.enqueue(str(job.public_id))
    PersonImport.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


# --- run ----------------------------------------------------------------------------------------


def _claim(job: PersonImport) -> bool:
    """Queued -> running, once: a retried or duplicated task finds nothing left to do."""
    claimed = PersonImport.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    job.refresh_from_db()
    return bool(claimed)


def _context(job: PersonImport) -> Context:
    dossier = job.dossier
    return Context(
        dossier_reference=dossier.reference,
        organisations={o.short_name.casefold(): o for o in Organisation.objects.all()},
        # Every party, a withdrawn one too: the registry records who holds whom regardless.
        dossier_party_ids=linked_party_ids(dossier.pk),
        today=timezone.localdate(),
        source=_("import %(file)s (%(sha)s)") % {"file": job.filename, "sha": job.sha256[:12]},
    )


def _open(job: PersonImport, content: bytes) -> Table:
    return open_table(content, job.filename, job.requested_encoding)


def _check_all(
    job: PersonImport, content: bytes, context: Context, progress: ProgressWriter
) -> tuple[list[RowError], int]:
    """First pass: every error in the file (the first MAX_KEPT_ERRORS kept) and their count."""
    try:
        table = _open(job, content)
    except FileProblem as exc:
        return [exc.as_error()], 1
    PersonImport.objects.filter(pk=job.pk).update(
        format=table.format, encoding=table.encoding, rows_total=table.total
    )
    validator = Validator(table.header, context)
    kept, count = list(validator.header_errors), len(validator.header_errors)
    checked = 0
    try:
        for number, cells in table.rows:
            _person, errors = validator.check(number, cells)
            count += len(errors)
            kept.extend(errors[: max(0, MAX_KEPT_ERRORS - len(kept))])
            checked += 1
            progress.report("checked", checked, table.total)
    except FileProblem as exc:
        kept.append(exc.as_error())
        count += 1
    if not checked and not count:
        kept, count = [RowError(None, None, "no_rows", _("The file has a header but no rows."))], 1
    progress.report("checked", checked, table.total, force=True)
    PersonImport.objects.filter(pk=job.pk).update(rows_checked=checked)
    return kept, count


def _persons(job: PersonImport, content: bytes, context: Context) -> Iterator[PersonInput]:
    """Second pass over a file known to be clean; any error now (the dossier changed in
    between) aborts the transaction."""
    table = _open(job, content)
    validator = Validator(table.header, context)
    for number, cells in table.rows:
        person, errors = validator.check(number, cells)
        if person is None:
            raise ImportRejected(errors)
        yield person


def _chunks(persons: Iterator[PersonInput]) -> Iterator[list[PersonInput]]:
    chunk: list[PersonInput] = []
    for person in persons:
        chunk.append(person)
        if len(chunk) == CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@transaction.atomic
def _write_all(
    job: PersonImport, content: bytes, context: Context, listener: Listener | None
) -> int:
    """Second pass: all persons, names, custody events and audit events in one transaction."""
    actor = job.uploaded_by
    written = 0
    with ProgressWriter(job, listener) as progress:
        for chunk in _chunks(_persons(job, content, context)):
            written += len(
                registry_adapter.create_persons(actor=actor, dossier=job.dossier, persons=chunk)
            )
            progress.report("done", written, job.rows_total)
    # The helper thread is stopped: now this transaction may touch the job row itself.
    PersonImport.objects.filter(pk=job.pk).update(
        status=ImportStatus.SUCCEEDED,
        rows_done=written,
        persons_created=written,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    _audit(actor, "person_import.complete", job, {"persons": written})
    return written


@transaction.atomic
def _reject(job: PersonImport, errors: list[RowError], count: int) -> None:
    PersonImport.objects.filter(pk=job.pk).update(
        status=ImportStatus.REJECTED,
        rows_done=0,  # the helper thread may have counted rows that were rolled back
        errors=[e.as_dict() for e in errors[:MAX_KEPT_ERRORS]],
        error_count=count,
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    _audit(job.uploaded_by, "person_import.reject", job, {"errors": count})


@transaction.atomic
def _fail(job: PersonImport, message: str) -> None:
    PersonImport.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, rows_done=0, failure=message[:500], finished_at=timezone.now()
    )
    job.refresh_from_db()
    _audit(job.uploaded_by, "person_import.fail", job, {"failure": message[:500]})


def _service_errors(exc: ValidationError) -> list[RowError]:
    return [
        RowError(None, None if field == "__all__" else field, "invalid", message)
        for field, messages in validation_error_fields(exc).items()
        for message in messages
    ]


@contextmanager
def _long_lived_heap_frozen() -> Iterator[None]:
    """Keep the cyclic garbage collector off the objects that existed before the import.

    Why: the two passes allocate millions of short-lived objects, so the collector runs its
    full collection many times, and each one walks the whole long-lived heap (Django, every
    loaded module), none of which the import frees: about a tenth of a 100,000-row import's CPU.
    Frozen objects are only skipped, never lost; they are handed back to the collector after.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def person_import_run(*, job: PersonImport, listener: Listener | None = None) -> PersonImport:
    """Validate the whole file, then import every row or none. Safe to call twice: only a
    queued import runs. Ends rejected (errors kept on the job), failed, or succeeded."""
    if not _claim(job):
        return job
    with _long_lived_heap_frozen():
        return _run(job, listener)


def _run(job: PersonImport, listener: Listener | None) -> PersonImport:
    if not can(job.uploaded_by, Perm.REGISTRY_WRITE, job.dossier):
        _fail(job, _("The uploader may no longer write in this dossier; nothing was imported."))
        return job
    content = bytes(PersonImportFile.objects.get(person_import=job).content)
    context = _context(job)
    with ProgressWriter(job, listener) as progress:
        errors, count = _check_all(job, content, context, progress)
    job.refresh_from_db()
    if count:
        _reject(job, errors, count)
        return job
    try:
        _write_all(job, content, context, listener)
    except ImportRejected as exc:
        _reject(job, exc.errors, len(exc.errors))
    except ValidationError as exc:
        _reject(job, _service_errors(exc), 1)
    except PermissionDenied:
        _fail(job, _("The uploader may no longer write in this dossier; nothing was imported."))
    except Exception as exc:
        logger.exception("import %s failed", job.public_id)
        _fail(
            job,
            _("Internal error (%(kind)s); nothing was imported.") % {"kind": type(exc).__name__},
        )
        raise
    return job
