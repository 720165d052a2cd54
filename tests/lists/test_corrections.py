"""Corrections to registry records after a search: another date of birth, a respelled name, a
name removed. The sought person may be the corrected record, so a run made before is out of
date ("reconcile again") and a "searched, no match" sign-off predates new data (the entry is
unknown again). Reads, writes to what no reconciliation compares, and a save that changes
nothing do not count; an import counts (by the counts of persons and names)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connections
from django.urls import reverse

from intermediary.dossiers.models import Dossier
from intermediary.lists.freshness import NewData, current_mark, list_freshness
from intermediary.lists.models import ListEntry, SubmittedList
from intermediary.lists.outcomes import list_report
from intermediary.lists.reconcile import NAME_COLUMNS, PERSON_COLUMNS
from intermediary.lists.services import entry_sign_off, reconciliation_start
from intermediary.registry.inputs import NameInput
from intermediary.registry.models import (
    COMPARED_NAME_FIELDS,
    COMPARED_PERSON_FIELDS,
    Person,
    PersonName,
    RegistryCorrection,
)
from intermediary.registry.services import (
    custody_event_add,
    name_add,
    name_remove,
    name_update,
    person_update,
)
from tests.conftest import World
from tests.lists.conftest import Registry, done_run, submit
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db

NOTE = "searched the registry by name and year of birth: nobody"
ROWS = [
    ["reference", "full_name", "date_of_birth", "sex"],
    ["S-1", "Karim Nasser", "1980-05-06", "m"],
]
PROMPT = 'id="new-data"'
STALE_MARK = 'data-mark="sign-off-predates-new-data"'


def _signed_off(world: World) -> tuple[SubmittedList, ListEntry, Person]:
    """South's sought list (Karim Nasser, born 1980-05-06), reconciled against a registry
    person who does not look like him (Karim Naser, born 1970), and Karim signed off as
    "searched, no match"."""
    submitted = submit(world, ROWS)
    person = make_person(
        world,
        names=[
            NameInput(full_text="Karim Naser", is_primary=True),
            NameInput(full_text="K. Naser", source="list B"),
        ],
        birth_year=1970,
        sex="male",
    )
    done_run(submitted)
    karim = submitted.entries.get()
    entry_sign_off(actor=world.users["delegate"], entry=karim, note=NOTE)
    assert list_report(submitted).rows[0].outcome == "not_acknowledged"
    return submitted, karim, person


def _since(submitted: SubmittedList) -> NewData:
    return list_freshness(submitted).since_run


def _assert_stale(submitted: SubmittedList, corrections: int = 1) -> None:
    since = _since(submitted)
    assert (since.persons, since.person_names, since.lists, since.corrections) == (
        0,
        0,
        0,
        corrections,
    )
    assert list_freshness(submitted).reconcile_again
    row = list_report(submitted).rows[0]
    assert (row.outcome, row.needs_sign_off, row.sign_off_predates_new_data) == (
        "unknown",
        True,
        True,
    )


def _assert_fresh(submitted: SubmittedList) -> None:
    assert not _since(submitted)
    assert not list_freshness(submitted).reconcile_again
    assert list_report(submitted).rows[0].outcome == "not_acknowledged"


def _corrections(world: World) -> int:
    return Dossier.objects.get(pk=world.dossier.pk).registry_corrections


def test_another_date_of_birth_makes_the_sign_off_predate_new_data(world: World) -> None:
    submitted, karim, person = _signed_off(world)
    person_update(
        actor=world.users["coordinator"],
        person=person,
        changes={"birth_year": 1980, "birth_month": 5, "birth_day": 6},
    )
    _assert_stale(submitted)

    pid = submitted.public_id
    client = world.client("delegate")
    for name in ("lists-detail", "lists-review", "lists-report"):
        html = client.get(reverse(name, args=[pid])).content.decode()
        assert PROMPT in html, name
        assert (
            "registry persons: 0; names of registry persons: 0; lists of the other side: 0. "
            "Corrections since to registry records that could match an entry of this list "
            "(a date of birth, a name, a number changed, or a name removed): 1."
        ) in " ".join(html.split()), name
    assert STALE_MARK in client.get(reverse("lists-review", args=[pid])).content.decode()
    entry_page = client.get(reverse("lists-entry", args=[karim.public_id])).content.decode()
    assert 'id="sign-off-predates"' in entry_page
    assert "or registry records corrected" in entry_page
    assert 'data-outcome="unknown"' in entry_page
    new_data = {"persons": 0, "person_names": 0, "lists": 0, "corrections": 1}
    assert client.get(f"/api/v1/lists/{pid}").json()["new_data"] == new_data
    report = client.get(f"/api/v1/lists/{pid}/report").json()
    assert report["new_data"] == new_data
    assert report["entries"][0]["sign_off_predates_new_data"] is True
    # Parties learn nothing of the registry's corrections.
    assert world.client("south_negotiator").get(f"/api/v1/lists/{pid}").json()["new_data"] is None

    # Signing off waits for a reconciliation that read the corrected record.
    with pytest.raises(ValidationError, match="reconcile again before signing off") as caught:
        entry_sign_off(actor=world.users["delegate"], entry=karim, note=NOTE)
    assert caught.value.error_dict["entry"][0].code == "stale"
    run = done_run(submitted)
    assert run.seen_corrections == 1
    assert PROMPT not in client.get(reverse("lists-detail", args=[pid])).content.decode()
    assert client.get(f"/api/v1/lists/{pid}").json()["new_data"] is None
    renewed = entry_sign_off(actor=world.users["delegate"], entry=karim, note="searched again")
    assert renewed.seen_corrections == 1
    _assert_fresh(submitted)


def test_a_respelled_name_makes_the_sign_off_predate_new_data(world: World) -> None:
    submitted, _karim, person = _signed_off(world)
    name = person.names.get(is_primary=True)
    name_update(
        actor=world.users["coordinator"],
        name=name,
        data=NameInput(full_text="Karim Nasser", is_primary=True),
    )
    _assert_stale(submitted)


def test_a_removed_name_makes_the_sign_off_predate_new_data(world: World) -> None:
    """The count of names falls and another name added brings it back: the correction still
    shows."""
    submitted, _karim, person = _signed_off(world)
    coordinator = world.users["coordinator"]
    name_remove(actor=coordinator, name=person.names.get(is_primary=False))
    since = _since(submitted)
    assert (since.person_names, since.corrections, bool(since)) == (0, 1, True)
    name_add(actor=coordinator, person=person, name=NameInput(full_text="Karim Nasser"))
    assert current_mark(submitted).person_names == 2  # as many names as the run read
    _assert_stale(submitted)


@pytest.mark.parametrize(
    "correct",
    [
        lambda world, person: person_update(
            actor=world.users["coordinator"], person=person, changes={"sex": "female"}
        ),
        lambda world, person: person_update(
            actor=world.users["coordinator"],
            person=person,
            changes={"id_document_number": "P-1234"},
        ),
        lambda world, person: name_update(
            actor=world.users["coordinator"],
            name=person.names.get(is_primary=True),
            data=NameInput(full_text="Karim Naser", fathers_name="Ali", is_primary=True),
        ),
    ],
    ids=["sex", "identity number", "father's name of a name"],
)
def test_other_compared_fields_count(
    world: World, correct: Callable[[World, Person], object]
) -> None:
    submitted, _karim, person = _signed_off(world)
    correct(world, person)
    _assert_stale(submitted)


def test_reads_and_unrelated_writes_do_not_count(world: World) -> None:
    submitted, karim, person = _signed_off(world)
    coordinator = world.users["coordinator"]
    before = _corrections(world)
    # Reads: the pages, the API, the report.
    client = world.client("delegate")
    pid = submitted.public_id
    for name in ("lists-detail", "lists-review", "lists-report"):
        assert PROMPT not in client.get(reverse(name, args=[pid])).content.decode(), name
    client.get(reverse("lists-entry", args=[karim.public_id]))
    client.get(reverse("registry-person-detail", args=[person.public_id]))
    client.get(f"/api/v1/lists/{pid}/report")
    # Writes to what no reconciliation compares.
    person_update(
        actor=coordinator,
        person=person,
        changes={"internal_notes": "visited", "health_notes": "stable", "rank": "sergeant"},
    )
    custody_event_add(actor=coordinator, person=person, kind="visited", date=date(2024, 3, 1))
    primary = person.names.get(is_primary=True)
    other = person.names.get(is_primary=False)
    name_update(
        actor=coordinator,
        name=other,
        data=NameInput(full_text="K. Naser", source="list C", is_primary=True),
    )  # a new source and the primary flag: same text
    primary.refresh_from_db()
    assert not primary.is_primary
    # Saves that change nothing a reconciliation reads (the same date of birth, typed again).
    person_update(actor=coordinator, person=person, changes={"birth_year": 1970, "sex": "male"})
    name_update(
        actor=coordinator, name=primary, data=NameInput(full_text="Karim Naser", source="x")
    )
    # A correction that is refused counts nothing either.
    with pytest.raises(ValidationError):
        person_update(actor=coordinator, person=person, changes={"birth_year": 2999})
    assert _corrections(world) == before
    _assert_fresh(submitted)


def test_another_dossiers_correction_does_not_count(world: World) -> None:
    from intermediary.dossiers.services import dossier_create
    from intermediary.registry.services import person_create
    from tests.registry.factories import person_input

    submitted, _karim, _person = _signed_off(world)
    other = dossier_create(
        actor=world.users["coordinator"],
        title="Another exchange",
        parties=[world.orgs["NORTH"], world.orgs["SOUTH"]],
    )
    elsewhere = person_create(
        actor=world.users["coordinator"], dossier=other, data=person_input(world)
    )
    person_update(actor=world.users["coordinator"], person=elsewhere, changes={"birth_year": 1980})
    assert Dossier.objects.get(pk=other.pk).registry_corrections == 1
    _assert_fresh(submitted)


def test_an_import_after_the_search_counts(world: World) -> None:
    """The import path writes through persons_create_bulk: its persons and names raise the
    counts (one transaction, however long), so the run and the sign-off predate it."""
    from intermediary.imports.services import person_import_submit
    from tests.imports.helpers import csv_bytes

    submitted, _karim, _person = _signed_off(world)
    job = person_import_submit(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        filename="more.csv",
        content=csv_bytes(),
    )
    assert job.status == "succeeded", job.errors
    since = _since(submitted)
    assert (since.persons, since.corrections, bool(since)) == (job.persons_created, 0, True)
    assert since.person_names >= job.persons_created
    row = list_report(submitted).rows[0]
    assert (row.outcome, row.sign_off_predates_new_data) == ("unknown", True)


def test_a_run_records_the_corrections_it_read(
    world: World, registry: Registry, sought: SubmittedList
) -> None:
    """A real reconciliation (Splink) of a registry corrected before it: up to date after."""
    person_update(
        actor=world.users["coordinator"], person=registry.miriam, changes={"birth_month": 2}
    )
    run = reconciliation_start(actor=world.users["coordinator"], submitted_list=sought)
    assert run.status == "done", run.error
    assert run.seen_corrections == 1 == _corrections(world)
    assert not list_freshness(sought).reconcile_again
    name_update(
        actor=world.users["coordinator"],
        name=registry.samir.names.get(is_primary=True),
        data=NameInput(full_text="Samir Khouri", is_primary=True),
    )
    assert _since(sought).corrections == 1


def test_a_correction_is_what_the_reconciliation_reads() -> None:
    """The fields whose change counts as a correction are exactly those a reconciliation
    reads of persons and names (a new column read there must count when it changes)."""
    assert set(PERSON_COLUMNS) - {"pk"} == set(COMPARED_PERSON_FIELDS)
    assert set(NAME_COLUMNS) - {"pk", "person_id"} == set(COMPARED_NAME_FIELDS)
    for field in COMPARED_PERSON_FIELDS:
        Person._meta.get_field(field)
    for field in COMPARED_NAME_FIELDS:
        PersonName._meta.get_field(field)


def test_past_corrections_make_earlier_runs_and_sign_offs_predate_them(world: World) -> None:
    """Migration lists 0004: a dossier's count starts at the corrections the audit chain
    already holds for its persons; runs and sign-offs made before keep zero."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("intermediary.lists.migrations.0004_seen_corrections")
    submitted = submit(world, ROWS)
    person = make_person(world, birth_year=1970)
    done_run(submitted)
    coordinator = world.users["coordinator"]
    person_update(actor=coordinator, person=person, changes={"rank": "private"})
    name_update(
        actor=coordinator,
        name=person.names.get(is_primary=True),
        data=NameInput(full_text="Ahmed Hasan", is_primary=True),
    )
    # As before the migrations: corrections neither counted nor recorded, nothing to see.
    Dossier.objects.update(registry_corrections=0)
    RegistryCorrection.objects.all().delete()
    assert not list_freshness(submitted).reconcile_again

    migration.count_past_corrections(apps, None)
    # Two corrections on the chain (the rank is counted too: payloads are hashed). Counted,
    # not recorded: whom they could reach is unknown, so they reach every entry.
    assert _corrections(world) == 2
    assert _since(submitted).corrections == 2
    assert list_freshness(submitted).reconcile_again


def _correct_concurrently(
    index: int, barrier: threading.Barrier, errors: list[BaseException]
) -> None:
    from intermediary.accounts.models import User

    try:
        coordinator = User.objects.get(username="coordinator")
        person = Person.objects.order_by("pk")[index]
        barrier.wait()
        for year in range(1950, 1950 + CORRECTIONS_EACH):
            person_update(actor=coordinator, person=person, changes={"birth_year": year})
    except BaseException as exc:
        errors.append(exc)
    finally:
        connections.close_all()


WRITERS = 4
CORRECTIONS_EACH = 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_corrections_are_all_counted(world: World, require_postgres: None) -> None:
    """Corrections of different persons of one dossier, at the same time, in their own
    transactions: not one increment lost (the UPDATE ... + 1 serialises on the row)."""
    # Each person could match the sought entry (Karim Nasser): every correction reaches it.
    for index in range(WRITERS):
        name = f"Karim Nasser {'ABCD'[index]}"
        make_person(world, names=[NameInput(full_text=name, is_primary=True)])
    submitted = submit(world, ROWS)
    done_run(submitted)
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_correct_concurrently, args=(i, barrier, errors))
        for i in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    assert not errors, errors
    assert _corrections(world) == WRITERS * CORRECTIONS_EACH
    assert _since(submitted).corrections == WRITERS * CORRECTIONS_EACH
    # Every correction recorded under its own number, none twice, none missing.
    seqs = list(RegistryCorrection.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, WRITERS * CORRECTIONS_EACH + 1))
