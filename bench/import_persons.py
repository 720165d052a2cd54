"""Import throughput and memory: a 100,000-row person file through the real import service.

Run:
  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_imports \\
      .venv/bin/python bench/import_persons.py [--rows 100000] [--tracemalloc]

Creates the database when missing and migrates it, creates a fresh dossier (parties NORTH and
SOUTH, a coordinator), writes a synthetic UTF-8 CSV (bench/import_data.py) to a temporary file,
then times ``person_import_upload`` and ``person_import_run``: the two passes (checking every
row, then writing persons, names, custody events and one audit event per person in one
transaction). Prints rows/s per phase, the CPU time of this process and of its PostgreSQL
backend during the import (steadier than wall-clock time on a shared machine), and the peak
memory: resident set size of the process
(ru_maxrss, includes Django and the file's bytes) and, with --tracemalloc, the peak of Python
allocations during the run (tracemalloc slows the run down, so its timings are not reported).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_imports"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intermediary.settings")

import django  # noqa: E402
from bench.import_data import write_synthetic_csv  # noqa: E402

if TYPE_CHECKING:
    from intermediary.accounts.models import User
    from intermediary.dossiers.models import Dossier


def _create_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup() -> None:
    _create_database(os.environ["DATABASE_URL"])
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _world() -> tuple[User, Dossier]:
    """A coordinator and a dossier between two fresh parties (names unique per run)."""
    from intermediary.access.policy import SYSTEM
    from intermediary.accounts.choices import OrganisationKind, Role
    from intermediary.accounts.models import Organisation
    from intermediary.accounts.services import organisation_create, user_create
    from intermediary.dossiers.services import dossier_create

    tag = uuid.uuid4().hex[:6]
    nic = Organisation.objects.filter(kind=OrganisationKind.INTERMEDIARY).first()
    if nic is None:
        nic = organisation_create(
            actor=SYSTEM,
            name="Bench Intermediary",
            short_name="BNIC",
            kind=OrganisationKind.INTERMEDIARY,
        )
    coordinator = user_create(
        actor=SYSTEM,
        username=f"bench-{tag}",
        password=uuid.uuid4().hex + "-Aa9",
        organisation=nic,
        roles=[Role.COORDINATOR],
    )
    parties = []
    for short in ("NORTH", "SOUTH"):
        org = Organisation.objects.filter(short_name=short).first() or organisation_create(
            actor=SYSTEM,
            name=f"{short.title()} (bench)",
            short_name=short,
            kind=OrganisationKind.PARTY,
        )
        parties.append(org)
    dossier = dossier_create(
        actor=coordinator,
        title=f"Import bench {tag}",
        parties=parties,
        reference=f"BENCH-{tag}",
        intermediary=nic,
    )
    return coordinator, dossier


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> tuple[float, float]:
    """CPU seconds used so far by this process and by its PostgreSQL backend (same machine).

    Printed beside wall-clock time because the benchmark machine is often shared: CPU time
    moves much less with the load than wall-clock time does.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    own = usage.ru_utime + usage.ru_stime
    from django.db import connection

    if connection.vendor != "postgresql":
        return own, 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # PostgreSQL on another machine: no backend figure
        return own, 0.0
    return own, (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--tracemalloc", action="store_true", help="also the Python-level peak")
    args = parser.parse_args()
    setup()
    from django.db import connection

    from intermediary.imports.services import person_import_run, person_import_upload
    from intermediary.registry.models import Person

    coordinator, dossier = _world()
    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", newline="") as handle:
        write_synthetic_csv(cast(TextIO, handle), args.rows)
        handle.flush()
        content = Path(handle.name).read_bytes()
    marks: dict[str, float] = {}

    def listener(phase: str, done: int, total: int) -> None:
        marks.setdefault(phase, time.perf_counter())
        if done == total:
            marks[f"{phase}_end"] = time.perf_counter()

    rss_before = _rss_mib()
    cpu_before = _cpu_s()
    if args.tracemalloc:
        tracemalloc.start()
    start = time.perf_counter()
    job = person_import_upload(
        actor=coordinator, dossier=dossier, filename="bench.csv", content=content
    )
    uploaded = time.perf_counter()
    job = person_import_run(job=job, listener=listener)
    end = time.perf_counter()
    cpu_after = _cpu_s()
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    assert job.status == "succeeded", (job.status, job.errors[:5], job.failure)
    assert Person.objects.filter(dossier=dossier).count() == args.rows
    check_s = marks["checked_end"] - uploaded
    write_s = end - marks["checked_end"]
    print(
        f"database: {connection.vendor}, rows: {args.rows:,}, file: {len(content) / 2**20:.1f} MiB"
    )
    total_s = end - start
    print(f"upload (hash, store raw file): {uploaded - start:7.2f} s")
    print(f"pass 1, check every row:       {check_s:7.2f} s {args.rows / check_s:9,.0f} rows/s")
    print(f"pass 2, write all (one txn):   {write_s:7.2f} s {args.rows / write_s:9,.0f} rows/s")
    print(f"total:                         {total_s:7.2f} s {args.rows / total_s:9,.0f} rows/s")
    print(
        f"CPU: this process {cpu_after[0] - cpu_before[0]:.2f} s, "
        f"PostgreSQL backend {cpu_after[1] - cpu_before[1]:.2f} s; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"peak RSS: {_rss_mib():.0f} MiB (before the import: {rss_before:.0f} MiB)")
    if traced is not None:
        print(f"peak Python allocations during the import (tracemalloc): {traced:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
