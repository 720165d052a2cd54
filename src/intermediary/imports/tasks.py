"""Background job: run a queued import (django-tasks; the database backend's worker runs it)."""

from __future__ import annotations

from django_tasks import task

from intermediary.imports.models import PersonImport


@task()
def run_person_import(import_id: str) -> str:
    """Run one queued import; returns its final status. Idempotent: a finished import is left
    as it is."""
    from intermediary.imports.services import person_import_run

    job = PersonImport.objects.select_related("dossier", "uploaded_by").get(public_id=import_id)
    return str(person_import_run(job=job).status)
