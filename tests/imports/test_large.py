"""100,000 rows on PostgreSQL: imported whole, or (one bad row at the very end) not at all.
Timings are the benchmark's business (bench/import_persons.py); this checks the outcome,
including that the 100,000 audit events written with COPY form a chain that verifies.

The bad row fails validation (pass 1), so the second test costs a read of the file, not a
second 100,000-row write."""

from __future__ import annotations

import pytest
from bench.import_data import synthetic_csv

from intermediary.audit.models import AuditEvent
from intermediary.audit.verify import verify_chain
from intermediary.imports.services import person_import_run, person_import_upload
from intermediary.registry.models import CustodyEvent, Person, PersonName
from tests.conftest import World
from tests.imports.helpers import Counts

ROWS = 100_000
pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def big_file() -> bytes:
    return synthetic_csv(ROWS)


def test_100000_rows_import_in_one_job(
    require_postgres: None, world: World, big_file: bytes
) -> None:
    seen: dict[str, int] = {}
    job = person_import_upload(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        filename="big.csv",
        content=big_file,
    )
    job = person_import_run(job=job, listener=lambda phase, done, total: seen.update({phase: done}))
    assert job.status == "succeeded", (job.errors[:5], job.failure)
    assert (job.rows_total, job.rows_checked, job.rows_done, job.persons_created) == (ROWS,) * 4
    assert seen == {"checked": ROWS, "done": ROWS}
    assert Person.objects.filter(dossier=world.dossier).count() == ROWS
    assert CustodyEvent.objects.filter(person__dossier=world.dossier).count() == ROWS
    assert PersonName.objects.filter(person__dossier=world.dossier, is_primary=True).count() == ROWS
    assert AuditEvent.objects.filter(action="person.create").count() == ROWS
    report = verify_chain()
    assert report.ok, report.reason
    assert report.checked == AuditEvent.objects.count()


def test_one_bad_row_at_the_end_of_100000_writes_nothing(
    require_postgres: None, world: World, big_file: bytes
) -> None:
    bad = (
        big_file
        + "سامي,,Sami,1990-02-30,male,NORTH,detainee,civilian,ID-X,,Camp,2020-01-01\r\n".encode()
    )
    before = Counts.now()
    job = person_import_upload(
        actor=world.users["coordinator"], dossier=world.dossier, filename="big.csv", content=bad
    )
    job = person_import_run(job=job)
    assert job.status == "rejected"
    assert job.errors == [
        {
            "row": ROWS + 2,
            "column": "date_of_birth",
            "code": "invalid_date",
            "message": "1990-02-30 is not a date that exists.",
        }
    ]
    assert Counts.now() == before
