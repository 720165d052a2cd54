"""Progress is visible to other connections while the all-or-nothing transaction is open
(PostgreSQL: the counters are written through a helper thread's own connection)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections

from intermediary.imports.models import PersonImport
from intermediary.imports.services import person_import_run, person_import_upload
from intermediary.registry.models import Person
from tests.conftest import World
from tests.imports.helpers import GOOD_ROWS, HEADER, csv_bytes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _seen_from_elsewhere(pk: int) -> tuple[int, int]:
    """(rows_done, persons visible) as another connection sees them right now."""
    seen: list[tuple[int, int]] = []

    def read() -> None:
        try:
            seen.append((PersonImport.objects.get(pk=pk).rows_done, Person.objects.count()))
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return seen[0]


def test_rows_done_moves_before_the_commit(
    require_postgres: None, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intermediary.imports import progress, services

    monkeypatch.setattr(services, "CHUNK_ROWS", 1)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    rows = [[*GOOD_ROWS[0][:6], f"NA-{i}", ""] for i in range(5)]
    job = person_import_upload(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        filename="p.csv",
        content=csv_bytes(rows, HEADER),
    )
    observed: list[tuple[int, int]] = []

    def listener(phase: str, done: int, total: int) -> None:
        if phase == "done" and done == 3:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                rows_done, persons = _seen_from_elsewhere(job.pk)
                if rows_done >= 2:
                    break
                time.sleep(0.05)
            observed.append((rows_done, persons))

    job = person_import_run(job=job, listener=listener)
    assert job.status == "succeeded"
    ((rows_done, persons),) = observed
    assert rows_done >= 2  # progress seen from outside the transaction...
    assert persons == 0  # ...while none of its persons is visible yet
    assert Person.objects.count() == 5
