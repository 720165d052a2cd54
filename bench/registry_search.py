"""Registry search latency on a large registry (default 1,000,000 persons on PostgreSQL).

Run:
  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_registry \
      .venv/bin/python bench/registry_search.py [--persons N] [--queries 30] [--reuse]

Creates the database when missing, migrates it, loads N fictional persons (2-3 names each in
Arabic, Latin and sometimes Hebrew script, a "registered" event, dates of birth, service
numbers) with COPY, then times ``registry.selectors.person_search`` (the selector the page and
the API call, visibility filter included) for each kind of search, printing p50 and p95.
Bench rows bypass the services (no audit events): this measures reads, not imports.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_registry"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intermediary.settings")

import django  # noqa: E402

SYLLABLES = [
    ("ba", "با", "בא"), ("ka", "كا", "כא"), ("ra", "را", "רא"), ("mi", "مي", "מי"),
    ("lu", "لو", "לו"), ("sa", "سا", "סא"), ("ha", "حا", "חא"), ("di", "دي", "די"),
    ("na", "نا", "נא"), ("ta", "تا", "תא"), ("zi", "زي", "זי"), ("fa", "فا", "פא"),
    ("ja", "جا", "ג'א"), ("qa", "قا", "קא"), ("wa", "وا", "ווא"), ("yu", "يو", "יו"),  # noqa: RUF001
]  # fmt: skip
GIVEN = [
    ("أحمد", "Ahmad", "אחמד"), ("عمر", "Omar", "עומר"), ("يوسف", "Youssef", "יוסף"),
    ("خالد", "Khaled", "ח'אלד"), ("سامي", "Sami", "סאמי"), ("كريم", "Karim", "כרים"),
    ("ماهر", "Maher", "מאהר"), ("نبيل", "Nabil", "נביל"), ("رامي", "Rami", "ראמי"),
    ("طارق", "Tareq", "טארק"), ("زياد", "Ziad", "זיאד"), ("هاني", "Hani", "האני"),
    ("إبراهيم", "Ibrahim", "אברהים"), ("سليم", "Salim", "סלים"), ("وائل", "Wael", "ואאל"),
    ("مريم", "Maryam", "מרים"), ("ليلى", "Layla", "ליילה"), ("سلمى", "Salma", "סלמה"),
    ("نور", "Nour", "נור"), ("هدى", "Huda", "הודא"), ("رنا", "Rana", "ראנא"),
    ("دينا", "Dina", "דינה"), ("سارة", "Sara", "שרה"), ("فاطمة", "Fatima", "פאטמה"),
]  # fmt: skip
FAMILIES = [
    (
        "ال" + a[1] + b[1] + c[1],
        "al-" + (a[0] + b[0] + c[0]).capitalize(),
        "אל-" + a[2] + b[2] + c[2],
    )
    for a in SYLLABLES
    for b in SYLLABLES
    for c in SYLLABLES
]
BATCH = 50_000


def setup_django() -> None:
    _create_database(os.environ["DATABASE_URL"])
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def world() -> dict[str, Any]:
    """Organisations, users and one dossier, through the services."""
    from intermediary.access.policy import SYSTEM
    from intermediary.accounts.models import Organisation, User
    from intermediary.accounts.services import organisation_create, user_create
    from intermediary.dossiers.models import Dossier
    from intermediary.dossiers.services import dossier_create

    if not Organisation.objects.filter(short_name="BNIC").exists():
        nic = organisation_create(actor=SYSTEM, name="Bench NIC", short_name="BNIC",
                                  kind="intermediary")  # fmt: skip
        north = organisation_create(actor=SYSTEM, name="Bench North", short_name="BNORTH",
                                    kind="party")  # fmt: skip
        south = organisation_create(actor=SYSTEM, name="Bench South", short_name="BSOUTH",
                                    kind="party")  # fmt: skip
        pw = "bench-pass-phrase-2026"
        coordinator = user_create(actor=SYSTEM, username="bench.coordinator", password=pw,
                                  organisation=nic, roles=["coordinator"])  # fmt: skip
        user_create(actor=SYSTEM, username="bench.north", password=pw, organisation=north,
                    roles=["observer"])  # fmt: skip
        dossier_create(actor=coordinator, title="Bench", parties=[north, south],
                       reference="DOS-BENCH")  # fmt: skip
    return {
        "coordinator": User.objects.get(username="bench.coordinator"),
        "north_user": User.objects.get(username="bench.north"),
        "north": Organisation.objects.get(short_name="BNORTH"),
        "south": Organisation.objects.get(short_name="BSOUTH"),
        "dossier": Dossier.objects.get(reference="DOS-BENCH"),
    }


def _defaults(model: Any) -> dict[str, Any]:
    """A value for every column the rows below do not set ('' for text: NOT NULL)."""
    out: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        out[f.column] = None if f.null else ("" if f.get_internal_type() in
                                             ("CharField", "TextField") else None)  # fmt: skip
    return out


class Loader:
    """COPY rows of persons, names and registration events in batches."""

    def __init__(self, w: dict[str, Any], seed: int = 7) -> None:
        from intermediary.matching.normalise import fold
        from intermediary.registry.models import CustodyEvent, Person, PersonName

        self.w = w
        self.rng = random.Random(seed)
        self.fold = fold
        self.models = (Person, PersonName, CustodyEvent)
        self.defaults = [_defaults(m) for m in self.models]
        self.cols = [["id", *d] for d in self.defaults]
        self.folded: dict[str, str] = {}
        self.today = date.today()  # noqa: DTZ011
        self.now = django.utils.timezone.now()

    def key(self, *parts: str) -> str:
        """fold() of the full name, from cached folds of its parts (equal for these names)."""
        out = []
        for part in parts:
            if part not in self.folded:
                self.folded[part] = self.fold(part)
            out.append(self.folded[part])
        return " ".join(out)

    def person(self, pk: int) -> tuple[list[Any], list[list[Any]], list[Any]]:
        rng = self.rng
        born = self.today - timedelta(days=rng.randint(12 * 365, 75 * 365))
        precision = rng.random()
        status = rng.choices(["held", "released", "repatriated", "deceased"], [85, 8, 5, 2])[0]
        row = {
            **self.defaults[0],
            "public_id": uuid.uuid4(),
            "dossier_id": self.w["dossier"].pk,
            "holding_party_id": self.w["north"].pk if rng.random() < 0.7 else self.w["south"].pk,
            "legal_status": rng.choice(["detainee", "civilian_internee", "prisoner_of_war"]),
            "affiliation": rng.choice(["civilian", "civilian", "military"]),
            "sex": "female" if rng.random() < 0.1 else "male",
            "service_number": f"SN-{pk:08d}",
            "id_document_number": f"ID{pk * 7919 % 10**9:09d}",
            "birth_year": born.year,
            "birth_month": born.month if precision > 0.05 else None,
            "birth_day": born.day if precision > 0.15 else None,
            "status": status,
            "created_at": self.now,
            "updated_at": self.now,
        }
        from intermediary.registry.dates import birth_bounds

        row["birth_earliest"], row["birth_latest"] = birth_bounds(
            row["birth_year"], row["birth_month"], row["birth_day"]
        )
        given, father, family = rng.choice(GIVEN), rng.choice(GIVEN[:15]), rng.choice(FAMILIES)
        names = [
            (f"{given[0]} {father[0]} {family[0]}", "arabic", True,
             self.key(given[0], father[0], family[0])),
            (f"{given[1]} {father[1]} {family[1]}", "latin", False,
             self.key(given[1], father[1], family[1])),
        ]  # fmt: skip
        if pk % 9973 == 0:  # the part-wise key must be what the services would store
            assert all(self.fold(text) == key for text, _s, _p, key in names), names
        if rng.random() < 0.3:
            names.append(
                (f"{given[2]} {family[2]}", "hebrew", False, self.key(given[2], family[2]))
            )
        name_rows = [
            [pk * 4 + i, *{**self.defaults[1], "public_id": uuid.uuid4(), "person_id": pk,
                          "full_text": text, "script": script, "is_primary": primary,
                          "search_key": key, "created_at": self.now}.values()]
            for i, (text, script, primary, key) in enumerate(names)
        ]  # fmt: skip
        event = {**self.defaults[2], "public_id": uuid.uuid4(), "person_id": pk,
                 "kind": "registered", "date": self.today - timedelta(days=400), "seq": 1,
                 "recorded_at": self.now}  # fmt: skip
        return [pk, *row.values()], name_rows, [pk, *event.values()]

    def batches(self, start: int, count: int) -> Iterator[tuple[list[Any], ...]]:
        for offset in range(0, count, BATCH):
            persons, names, events = [], [], []
            for pk in range(start + offset, start + min(offset + BATCH, count)):
                p, n, e = self.person(pk)
                persons.append(p)
                names.extend(n)
                events.append(e)
            yield persons, names, events

    def load(self, count: int) -> None:
        from django.db import connection

        Person = self.models[0]
        start = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        raw = connection.cursor().connection  # the psycopg connection
        started = time.monotonic()
        for done, rows in enumerate(self.batches(start, count), start=1):
            with raw.cursor() as cur:
                for model, cols, data in zip(self.models, self.cols, rows, strict=True):
                    sql = f"COPY {model._meta.db_table} ({', '.join(cols)}) FROM STDIN"
                    with cur.copy(sql) as copy:
                        for record in data:
                            copy.write_row(record)
            raw.commit()
            print(f"  loaded {min(done * BATCH, count):,} persons "
                  f"({time.monotonic() - started:.0f} s)", flush=True)  # fmt: skip
        with raw.cursor() as cur:
            for model in self.models:
                table = model._meta.db_table
                sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: E501, S608  (table names from our models)
                cur.execute(sql)
        raw.commit()


def timed(fn: Callable[[], Any], runs: list[Any]) -> tuple[float, float, int]:
    latencies = []
    hits = 0
    for arg in runs:
        started = time.perf_counter()
        page = fn(arg) if arg is not None else fn()
        latencies.append((time.perf_counter() - started) * 1000)
        hits += len(page.items)
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    return statistics.median(latencies), p95, hits


def searches(
    w: dict[str, Any], n: int, queries: int
) -> list[tuple[str, Callable[..., Any], list[Any]]]:
    from intermediary.registry.selectors import PersonQuery, person_search

    rng = random.Random(11)
    staff, party = w["coordinator"], w["north_user"]

    def run(user: Any, **kw: Any) -> Callable[[Any], Any]:
        def go(value: Any) -> Any:
            page = value.pop("page", 1) if isinstance(value, dict) else 1
            args = {**kw, **(value if isinstance(value, dict) else {})}
            return person_search(user=user, query=PersonQuery(**args), page=page)

        return go

    fams = [rng.choice(FAMILIES) for _ in range(queries)]
    givens = [rng.choice(GIVEN) for _ in range(queries)]
    born = [date.today() - timedelta(days=rng.randint(20 * 365, 60 * 365))  # noqa: DTZ011
            for _ in range(queries)]  # fmt: skip
    ids = [rng.randint(1, n) for _ in range(queries)]
    north = w["north"].public_id
    return [
        ("name, Latin family name", run(staff),
         [{"name": f[1]} for f in fams]),
        ("name, Arabic given + family", run(staff),
         [{"name": f"{g[0]} {f[0]}"} for g, f in zip(givens, fams, strict=True)]),
        ("name, Hebrew family name", run(staff), [{"name": f[2]} for f in fams]),
        ("name, common given name", run(staff),
         [{"name": g[1]} for g in givens]),
        ("name, no match", run(staff),
         [{"name": f"zq{rng.randint(0, 99999)}x"} for _ in range(queries)]),
        ("date of birth, full", run(staff), [{"dob": d.isoformat()} for d in born]),
        ("date of birth, year", run(staff), [{"dob": str(d.year)} for d in born]),
        ("service or ID number", run(staff),
         [{"id_number": f"SN-{i:08d}" if i % 2 else f"ID{i * 7919 % 10**9:09d}"} for i in ids]),
        ("holding party + status", run(staff),
         [{"holding_party": north, "status": rng.choice(["released", "deceased", "held"])}
          for _ in range(queries)]),
        ("category: minors today", run(staff, category="minor"), [{} for _ in range(queries)]),
        ("category: women, held by North, name", run(staff, category="woman"),
         [{"holding_party": north, "name": f[1]} for f in fams]),
        ("party user (North observer), family name", run(party),
         [{"name": f[1]} for f in fams]),
        ("page 20 of a common given name", run(staff),
         [{"name": g[1], "page": 20} for g in givens]),
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep rows already loaded")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from intermediary.registry.models import Person

    w = world()
    have = Person.objects.filter(dossier=w["dossier"]).count()
    if not args.reuse or have < args.persons:
        if connection.vendor != "postgresql":
            print("loading needs PostgreSQL (COPY); point DATABASE_URL at one", file=sys.stderr)
            return 2
        print(f"loading {args.persons - have:,} persons...", flush=True)
        started = time.monotonic()
        Loader(w).load(args.persons - have)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        print(f"loaded in {time.monotonic() - started:.0f} s", flush=True)
    total = Person.objects.count()
    print(f"\nregistry: {total:,} persons; {args.queries} queries per kind; backend "
          f"{connection.vendor}\n")  # fmt: skip
    print(f"{'search':52} {'p50 ms':>8} {'p95 ms':>8} {'hits/query':>10}")
    for label, fn, values in searches(w, total, args.queries):
        fn(dict(values[0]))  # warm the plan cache and the connection
        p50, p95, hits = timed(lambda v, fn=fn: fn(dict(v)), values)
        print(f"{label:52} {p50:8.1f} {p95:8.1f} {hits / len(values):10.1f}", flush=True)
    time_figures(w)
    return 0


def time_figures(w: dict[str, Any]) -> None:
    """The figures are not a search but read the whole registry: time them too."""
    from django.utils import timezone

    from intermediary.registry.selectors import figures

    for label, user in (("coordinator", w["coordinator"]), ("North observer", w["north_user"])):
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            figures(user=user, reference_date=timezone.localdate())
            runs.append((time.perf_counter() - started) * 1000)
        print(f"{'figures, whole registry, ' + label:52} {statistics.median(runs):8.1f} "
              f"{max(runs):8.1f} {'(3 runs)':>10}", flush=True)  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
