"""How long `make demo` takes to build its fictional world, and how many audit events it logs.

Run:
  .venv/bin/python bench/demo_build.py [--runs 3]
  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_demo .venv/bin/python bench/demo_build.py

Each run builds the demo into a new, empty database: by default a SQLite file in a temporary
directory (what `make demo` uses), or, with DATABASE_URL set to PostgreSQL, that database
dropped and created again. It prints the migrate time, the build time (``load_demo``: the spine,
registry, lists and the signed checkpoint, every write through the audited services), the
number of audit events and the peak resident memory. The test suite checks what the demo
contains, never how fast it is built: that is measured here.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
VAR_DIR = Path(tempfile.mkdtemp(prefix="demo-bench-"))
os.environ.setdefault("INTERMEDIARY_VAR_DIR", str(VAR_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intermediary.settings")

import django  # noqa: E402


def _fresh_database() -> None:
    """Start each run from an empty database, as a fresh machine does."""
    from django.conf import settings
    from django.db import connection

    db = settings.DATABASES["default"]
    connection.close()
    if db["ENGINE"] == "django.db.backends.sqlite3":
        Path(db["NAME"]).unlink(missing_ok=True)
        return
    import psycopg

    name = db["NAME"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def run_once() -> tuple[float, float, int]:
    """One build: (migrate seconds, build seconds, audit events)."""
    from django.core.management import call_command

    from intermediary.audit.models import AuditEvent
    from intermediary.core.demo import load_demo

    _fresh_database()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    load_demo()
    built = time.perf_counter()
    return migrated - started, built - migrated, AuditEvent.objects.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    django.setup()
    from django.conf import settings

    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    builds = []
    for run in range(1, args.runs + 1):
        migrate_s, build_s, events = run_once()
        builds.append(build_s)
        print(f"run {run}: migrate {migrate_s:.1f} s, build {build_s:.1f} s, {events} audit events")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"build median {statistics.median(builds):.1f} s; peak resident memory {peak_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()
