"""Lists tests: a registry with persons North holds, a South sought list, jobs run at once.

Everything is fictional. Reconciliation runs Splink (about a second per run), so the lists
stay a handful of rows and each test reconciles at most once or twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pytest
from django.test import override_settings

from intermediary.registry.inputs import NameInput, PersonInput

if TYPE_CHECKING:
    from intermediary.lists.models import ReconciliationRun, SubmittedList
    from intermediary.registry.models import Person
    from tests.conftest import World

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# South seeks these from North. Row 2 is in Arabic script while the registry also knows him in
# Latin; row 5 repeats row 2 in another spelling; row 4 is nobody North holds.
SOUGHT_ROWS = [
    ["reference", "full_name", "father_name", "date_of_birth", "place_of_birth", "sex", "notes"],
    ["S-1", "يوسف عبد الرحمن", "أحمد", "03/04/1990", "", "ذكر", ""],
    ["S-2", "Samir Khoury", "", "1975", "", "m", "last seen 2023"],
    ["S-3", "Nadia Farouk Odeh", "", "1999-09-09", "", "f", ""],
    ["S-4", "Yusuf Abd al-Rahman", "", "1990-04-03", "", "male", ""],
]


def csv_bytes(rows: list[list[str]]) -> bytes:
    """A UTF-8 CSV as a party would upload it."""
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture(autouse=True)
def immediate_tasks() -> Iterator[None]:
    with override_settings(TASKS=IMMEDIATE):
        yield


@dataclass
class Registry:
    youssef: Person
    miriam: Person
    samir: Person


def _person(world: World, names: list[str], **fields: object) -> PersonInput:
    return PersonInput(
        names=[NameInput(full_text=n, is_primary=i == 0) for i, n in enumerate(names)],
        holding_party=world.orgs["NORTH"],
        registered_on=date(2024, 1, 10),
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture
def registry(world: World) -> Registry:
    """North holds Youssef (Latin and Arabic names) and Miriam; Samir died in custody."""
    from intermediary.registry.services import custody_event_add, persons_create_bulk

    coordinator = world.users["coordinator"]
    youssef, miriam, samir = persons_create_bulk(
        actor=coordinator,
        dossier=world.dossier,
        persons=[
            _person(
                world,
                ["Youssef Abdulrahman", "يوسف عبد الرحمن"],
                birth_year=1990,
                birth_month=4,
                birth_day=3,
                fathers_first_name="Ahmad",
                sex="male",
            ),
            _person(world, ["Miriam Haddad", "מרים חדאד"], birth_year=1985, sex="female"),
            _person(world, ["Samir Khoury", "سمير خوري"], birth_year=1975, sex="male"),
        ],
    )
    custody_event_add(actor=coordinator, person=samir, kind="died", date=date(2024, 6, 1))
    samir.refresh_from_db()
    return Registry(youssef=youssef, miriam=miriam, samir=samir)


def submit(
    world: World, rows: list[list[str]], kind: str = "sought", persona: str = "south_negotiator"
) -> SubmittedList:
    from intermediary.lists.services import list_submit

    return list_submit(
        actor=world.users[persona],
        dossier=world.dossier,
        kind=kind,
        data=csv_bytes(rows),
        filename=f"{kind}.csv",
    )


def done_run(submitted: SubmittedList) -> ReconciliationRun:
    """A finished reconciliation without Splink, recording the data it would have read (the
    dossier's registry and the other side's lists as they are now), as a real run does."""
    from intermediary.lists.freshness import current_mark
    from intermediary.lists.models import ReconciliationRun

    return ReconciliationRun.objects.create(
        submitted_list=submitted,
        threshold=0.5,
        status="done",
        progress=100,
        **current_mark(submitted).as_fields(),
    )


@pytest.fixture
def sought(world: World) -> SubmittedList:
    return submit(world, SOUGHT_ROWS)


@pytest.fixture
def reconciled(world: World, registry: Registry, sought: SubmittedList) -> SubmittedList:
    """South's sought list reconciled against North's registry persons (job run at once)."""
    from intermediary.lists.services import reconciliation_start

    run = reconciliation_start(actor=world.users["coordinator"], submitted_list=sought)
    assert run.status == "done", run.error
    return sought
