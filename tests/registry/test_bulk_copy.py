"""persons_create_bulk on PostgreSQL writes with COPY: it must store what the bulk_create
path stores, hash the same audit payloads, and leave usable instances behind."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from intermediary.audit.models import AuditEvent
from intermediary.audit.verify import verify_chain
from intermediary.registry import bulk_copy
from intermediary.registry.inputs import NameInput, PersonInput
from intermediary.registry.models import CustodyEvent, Person, PersonName
from intermediary.registry.services import persons_create_bulk
from tests.conftest import World
from tests.registry.factories import person_input

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SKIP = {"id", "public_id", "person", "person_id", "created_at", "updated_at", "recorded_at"}


def _inputs(world: World) -> list[PersonInput]:
    return [
        person_input(world, birth_year=1990, birth_month=2, service_number="S-1"),
        person_input(
            world,
            holder="SOUTH",
            names=[
                NameInput(full_text="Iosif Kogan"),
                NameInput(full_text="יוֹסֵף כֹּהֵן", is_primary=True, source="list \\ \t 'x'"),
            ],
            party_of_origin=world.orgs["NORTH"],
            capture_date=date(2023, 5, 1),
            registered_on=None,
            wounded=True,
            sick=False,
            internal_notes='quote " backslash \\ newline \n end',
        ),
        person_input(world, names=[NameInput(full_text="Sami", given_name="Sami")], sex="male"),
    ]


def _snapshot(people: list[Person]) -> list[dict[str, Any]]:
    rows = []
    for person in people:
        stored = Person.objects.get(pk=person.pk)
        row = {f.attname: getattr(stored, f.attname) for f in Person._meta.concrete_fields}
        row["names"] = [
            {k: v for k, v in n.items() if k not in SKIP}
            for n in PersonName.objects.filter(person=stored).order_by("pk").values()
        ]
        row["events"] = [
            {k: v for k, v in e.items() if k not in SKIP}
            for e in CustodyEvent.objects.filter(person=stored).values()
        ]
        rows.append({k: v for k, v in row.items() if k not in SKIP})
    return rows


def _payload_hashes(people: list[Person]) -> list[str]:
    return [
        AuditEvent.objects.get(action="person.create", object_id=str(p.public_id)).payload_hash
        for p in people
    ]


def test_copy_stores_what_bulk_create_stores(
    require_postgres: None, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = world.users["coordinator"]
    copied = persons_create_bulk(actor=actor, dossier=world.dossier, persons=_inputs(world))
    monkeypatch.setattr(bulk_copy, "copy_available", lambda: False)
    created = persons_create_bulk(actor=actor, dossier=world.dossier, persons=_inputs(world))
    assert _snapshot(copied) == _snapshot(created)
    # Same inputs, same payloads: the audit hashes do not depend on the write path.
    assert _payload_hashes(copied) == _payload_hashes(created)
    assert verify_chain().ok


def test_copied_instances_are_saved_and_know_their_relations(
    require_postgres: None, world: World, django_assert_num_queries: Any
) -> None:
    (person,) = persons_create_bulk(
        actor=world.users["coordinator"], dossier=world.dossier, persons=[person_input(world)]
    )
    assert not person._state.adding
    assert Person.objects.get(public_id=person.public_id).pk == person.pk
    with django_assert_num_queries(0):
        assert person.holding_party == world.orgs["NORTH"]
        assert person.dossier == world.dossier
        assert person.created_by == world.users["coordinator"]
    assert person.names.get(is_primary=True).full_text == "أحمد حسن"


def test_a_database_error_during_copy_writes_nothing(require_postgres: None, world: World) -> None:
    """The constraint refusing an empty name fires inside COPY; the whole call rolls back
    (persons, names, events and audit events), as with bulk_create."""
    before = (Person.objects.count(), AuditEvent.objects.count())
    bad = person_input(world, names=[NameInput(full_text="x"), NameInput(full_text=" ")])
    bad.names[1].full_text = ""
    with pytest.raises(IntegrityError), transaction.atomic():
        persons_create_bulk(
            actor=world.users["coordinator"],
            dossier=world.dossier,
            persons=[person_input(world), bad],
        )
    assert (Person.objects.count(), AuditEvent.objects.count()) == before
