"""A correction of a registry person puts back to "unknown" only the sign-offs (and makes out
of date only the runs) whose entries the person could match, before or after the correction:
they share a blocking key of the matching library (lists.reach). Whatever cannot be told (a
correction counted but not recorded, keys made under other rules) reaches every entry."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connections
from django.urls import reverse

from intermediary.lists.freshness import list_freshness
from intermediary.lists.models import ListEntry, SubmittedList
from intermediary.lists.outcomes import list_report
from intermediary.lists.reach import person_keys
from intermediary.lists.services import entry_sign_off
from intermediary.registry.inputs import NameInput
from intermediary.registry.models import Person, RegistryCorrection
from intermediary.registry.services import name_remove, name_update, person_update
from tests.conftest import World
from tests.lists.conftest import done_run, submit
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db

NOTE = "searched the registry by name and year of birth: nobody"
ROWS = [
    ["reference", "full_name", "date_of_birth", "sex"],
    ["S-1", "Karim Nasser", "1980-05-06", "m"],
    ["S-2", "Leila Haddad", "1992", "f"],
]
PROMPT = 'id="new-data"'


def _person(world: World, name: str, year: int) -> Person:
    return make_person(world, names=[NameInput(full_text=name, is_primary=True)], birth_year=year)


def _signed_off(world: World) -> tuple[SubmittedList, dict[str, ListEntry]]:
    """South seeks Karim Nasser and Leila Haddad; the registry holds Karim Naser (who could be
    Karim) and Omar Saber (who could be neither); both entries are signed off."""
    submitted = submit(world, ROWS)
    world.extra["naser"] = _person(world, "Karim Naser", 1970)
    world.extra["omar"] = _person(world, "Omar Saber", 1960)
    done_run(submitted)
    entries = {e.reference: e for e in submitted.entries.all()}
    for entry in entries.values():
        entry_sign_off(actor=world.users["delegate"], entry=entry, note=NOTE)
    assert _outcomes(submitted) == {"S-1": "not_acknowledged", "S-2": "not_acknowledged"}
    return submitted, entries


def _outcomes(submitted: SubmittedList) -> dict[str, str]:
    return {row.entry.reference: row.outcome for row in list_report(submitted).rows}


def _stale(submitted: SubmittedList) -> set[str]:
    return {
        row.entry.reference for row in list_report(submitted).rows if row.sign_off_predates_new_data
    }


def test_a_correction_nobody_sought_could_be_leaves_everything_standing(world: World) -> None:
    submitted, entries = _signed_off(world)
    person_update(
        actor=world.users["coordinator"], person=world.extra["omar"], changes={"birth_year": 1961}
    )
    assert RegistryCorrection.objects.count() == 1
    fresh = list_freshness(submitted)
    assert not fresh.since_run
    assert not fresh.reconcile_again
    assert fresh.now.corrections == 1
    assert _stale(submitted) == set()
    assert _outcomes(submitted) == {"S-1": "not_acknowledged", "S-2": "not_acknowledged"}
    client = world.client("delegate")
    for name in ("lists-detail", "lists-review", "lists-report"):
        assert PROMPT not in client.get(reverse(name, args=[submitted.public_id])).content.decode()
    # Nothing to renew: the sign-off still covers what the registry holds.
    with pytest.raises(ValidationError, match="already signed off"):
        entry_sign_off(actor=world.users["delegate"], entry=entries["S-1"], note=NOTE)


def test_a_correction_reaches_only_the_entry_the_person_could_match(world: World) -> None:
    submitted, _ = _signed_off(world)
    person_update(
        actor=world.users["coordinator"],
        person=world.extra["naser"],
        changes={"birth_year": 1980, "birth_month": 5, "birth_day": 6},
    )
    assert _stale(submitted) == {"S-1"}
    assert _outcomes(submitted) == {"S-1": "unknown", "S-2": "not_acknowledged"}
    # The list holds an entry the person could match: its run is out of date.
    since = list_freshness(submitted).since_run
    assert (since.persons, since.person_names, since.lists, since.corrections) == (0, 0, 0, 1)


def test_a_correction_into_reach_counts(world: World) -> None:
    """Omar Saber respelled as Karim Nasser: his keys after the correction meet the entry's."""
    submitted, _ = _signed_off(world)
    omar = world.extra["omar"]
    name_update(
        actor=world.users["coordinator"],
        name=omar.names.get(),
        data=NameInput(full_text="Karim Nasser", is_primary=True),
    )
    assert _stale(submitted) == {"S-1"}


def test_a_correction_out_of_reach_counts(world: World) -> None:
    """Karim Naser respelled as Omar Saber: his keys before the correction met the entry's
    (the record the search covered is not the one there now)."""
    submitted, _ = _signed_off(world)
    naser = world.extra["naser"]
    name_update(
        actor=world.users["coordinator"],
        name=naser.names.get(),
        data=NameInput(full_text="Omar Saber", is_primary=True),
    )
    assert not person_keys(naser.pk) & _entry_keys(submitted, "S-1")
    assert _stale(submitted) == {"S-1"}


def test_a_name_removed_counts_for_the_entries_it_could_match(world: World) -> None:
    submitted, _ = _signed_off(world)
    coordinator = world.users["coordinator"]
    from intermediary.registry.services import name_add

    omar = world.extra["omar"]
    name_add(actor=coordinator, person=omar, name=NameInput(full_text="Leila Haddad"))
    # A new name is new data for every entry (the count of names): renew, as a reviewer would.
    done_run(submitted)
    for entry in submitted.entries.all():
        entry_sign_off(actor=world.users["delegate"], entry=entry, note=NOTE)
    assert _stale(submitted) == set()
    name_remove(actor=coordinator, name=omar.names.get(full_text="Leila Haddad"))
    # The count of names fell: every entry predates it, as before (a count that differs).
    assert _stale(submitted) == {"S-1", "S-2"}


def test_a_correction_of_another_list_leaves_this_one_up_to_date(world: World) -> None:
    submitted, _ = _signed_off(world)
    other = submit(world, [["full_name", "date_of_birth"], ["Samir Khoury", "1975"]])
    done_run(other)
    person_update(
        actor=world.users["coordinator"], person=world.extra["naser"], changes={"birth_year": 1981}
    )
    assert list_freshness(submitted).reconcile_again
    assert not list_freshness(other).reconcile_again


@pytest.mark.parametrize("how", ["unrecorded", "other_rules"])
def test_a_correction_that_cannot_be_placed_reaches_everything(world: World, how: str) -> None:
    """Counted but not recorded (before the record existed, or its person deleted), or keys
    made under other rules: nobody can tell whom it reaches, so it reaches every entry."""
    submitted, _ = _signed_off(world)
    person_update(
        actor=world.users["coordinator"], person=world.extra["omar"], changes={"birth_year": 1961}
    )
    assert _stale(submitted) == set()
    rows = RegistryCorrection.objects.filter(dossier=world.dossier)
    if how == "unrecorded":
        rows.delete()
    else:
        rows.update(keys_version="0")
    assert _stale(submitted) == {"S-1", "S-2"}
    assert list_freshness(submitted).since_run.corrections == 1


def _entry_keys(submitted: SubmittedList, reference: str) -> frozenset[str]:
    from intermediary.lists.reach import entry_keys

    entry = submitted.entries.get(reference=reference)
    return entry_keys([entry])[entry.pk]


def _correct_one_person(
    person_pk: int, which: str, barrier: threading.Barrier, errors: list[BaseException]
) -> None:
    from intermediary.accounts.models import User
    from intermediary.registry.models import PersonName

    try:
        coordinator = User.objects.get(username="coordinator")
        barrier.wait()
        for step in range(4):
            person = Person.objects.get(pk=person_pk)
            if which == "date":
                changes = {"birth_year": 1950 + step}
                person_update(actor=coordinator, person=person, changes=changes)
            else:
                name = PersonName.objects.get(person_id=person_pk, is_primary=True)
                data = NameInput(full_text=f"Karim {'ABCD'[step]}sser", is_primary=True)
                name_update(actor=coordinator, name=name, data=data)
    except BaseException as exc:
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_concurrent_corrections_of_one_person_record_every_state(
    world: World, require_postgres: None
) -> None:
    """A name and a date of birth of one person corrected at the same time, in their own
    transactions: the corrections of a person follow each other (its row is locked first),
    so the keys of the state they leave together are recorded, and none waits on the other
    for ever."""
    person = _person(world, "Karim Naser", 1970)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_correct_one_person, args=(person.pk, which, barrier, errors))
        for which in ("date", "name")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    assert not errors, errors
    rows = RegistryCorrection.objects.filter(person=person).order_by("seq")
    assert [row.seq for row in rows] == list(range(1, 9))
    # The last correction read the state both left (its keys after are the person's now):
    # had the two read each other's old values, the state they left together, a new name
    # with a new year, would be recorded by neither.
    last = rows.last()
    assert last is not None
    assert person_keys(person.pk) <= set(last.keys)
