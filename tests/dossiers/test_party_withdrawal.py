"""Withdrawing a party: its users lose the whole dossier at once (404 like a missing one, on
pages, the API, exports, searches and downloads), its records stay with the intermediary, it
cannot be named on new records, and reinstating it gives everything back."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from intermediary.access.policy import Perm, PermissionDenied, can
from intermediary.audit.models import AuditEvent
from intermediary.audit.verify import verify_chain
from intermediary.dossiers.choices import PartyEventKind
from intermediary.dossiers.models import DossierParty, DossierPartyEvent
from intermediary.dossiers.services import dossier_reinstate_party, dossier_withdraw_party
from intermediary.lists.models import SubmittedList
from intermediary.registry.models import Person
from tests.conftest import World
from tests.registry.factories import make_person, person_input

pytestmark = pytest.mark.django_db

NORTH_USERS = ("north_negotiator", "north_observer")
REASON = "Left the talks after the second round"


def withdraw(world: World, party: str = "NORTH", reason: str = REASON) -> DossierParty:
    return dossier_withdraw_party(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        organisation=world.orgs[party],
        reason=reason,
    )


def reinstate(world: World, party: str = "NORTH") -> DossierParty:
    return dossier_reinstate_party(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        organisation=world.orgs[party],
        reason="Back at the table",
    )


def north_list(world: World) -> SubmittedList:
    from intermediary.lists.services import list_submit

    return list_submit(
        actor=world.users["north_negotiator"],
        dossier=world.dossier,
        kind="held",
        data=b"full_name\nSamir Nasser\n",
        filename="north.csv",
    )


def _urls(world: World, person: Person, submitted: SubmittedList) -> list[str]:
    """Everything of the dossier a North user could reach before the withdrawal."""
    dossier, pid, lid = world.dossier.public_id, person.public_id, submitted.public_id
    return [
        reverse("dossiers-detail", kwargs={"public_id": dossier}),
        reverse("lists-dossier", kwargs={"public_id": dossier}),
        reverse("lists-detail", kwargs={"public_id": lid}),
        reverse("lists-file", kwargs={"public_id": lid}),
        reverse("registry-person-detail", kwargs={"public_id": pid}),
        reverse("imports-persons-export") + f"?dossier={dossier}",
        f"/api/v1/dossiers/{dossier}",
        f"/api/v1/dossiers/{dossier}/team",
        f"/api/v1/dossiers/{dossier}/lists",
        f"/api/v1/lists/{lid}",
        f"/api/v1/lists/{lid}/file",
        f"/api/v1/registry/persons/{pid}",
        f"/api/v1/exports/persons?dossier={dossier}",
    ]


def _unmasked(body: bytes, requested_id: str) -> bytes:
    """The page without its CSRF tokens (masked afresh on every response) and the id asked."""
    body = body.replace(requested_id.encode(), b"ID")
    return re.sub(rb'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', rb"\1", body)


@pytest.fixture
def records(world: World) -> tuple[Person, SubmittedList]:
    return make_person(world, "NORTH"), north_list(world)


def _status(client: Client, url: str) -> int:
    return int(client.get(url).status_code)


def test_every_page_of_the_dossier_answers_a_withdrawn_partys_users_404(
    world: World, records: tuple[Person, SubmittedList]
) -> None:
    urls = _urls(world, *records)
    for persona in NORTH_USERS:
        client = world.client(persona)
        assert [_status(client, url) for url in urls] == [200] * len(urls), persona
    withdraw(world)
    for persona in NORTH_USERS:
        client = world.client(persona)
        assert [_status(client, url) for url in urls] == [404] * len(urls), persona


def test_the_404_is_the_same_as_for_a_dossier_that_does_not_exist(
    world: World, records: tuple[Person, SubmittedList]
) -> None:
    withdraw(world)
    client = world.client("north_negotiator")
    page = reverse("dossiers-detail", kwargs={"public_id": world.dossier.public_id})
    api = f"/api/v1/dossiers/{world.dossier.public_id}"
    for url in (page, api):
        other = str(uuid.uuid4())
        hidden = client.get(url)
        missing = client.get(url.replace(str(world.dossier.public_id), other))
        assert hidden.status_code == missing.status_code == 404
        # The page repeats its own path (the language switch returns to it); apart from
        # that and the freshly masked CSRF tokens, not one byte differs.
        assert _unmasked(hidden.content, str(world.dossier.public_id)) == _unmasked(
            missing.content, other
        )


def _what_north_finds(world: World, person: Person) -> dict[str, Any]:
    client = world.client("north_negotiator")
    search = client.get(reverse("registry-persons"), {"name": "Ahmad"}).content.decode()
    api = client.get("/api/v1/registry/persons", {"name": "Ahmad"}).json()["items"]
    return {
        "dossier listed": world.dossier.reference
        in client.get(reverse("dossiers-list")).content.decode(),
        "dossier in API": len(client.get("/api/v1/dossiers").json()),
        "person found": str(person.public_id) in search,
        "person in API search": len(api),
        "exported rows": client.get(reverse("imports-persons-export"))["X-Rows"],
    }


def test_lists_searches_and_exports_leave_the_dossier_out(
    world: World, records: tuple[Person, SubmittedList]
) -> None:
    person, _submitted = records
    assert _what_north_finds(world, person) == {
        "dossier listed": True,
        "dossier in API": 1,
        "person found": True,
        "person in API search": 1,
        "exported rows": "1",
    }
    withdraw(world)
    assert _what_north_finds(world, person) == {
        "dossier listed": False,
        "dossier in API": 0,
        "person found": False,
        "person in API search": 0,
        "exported rows": "0",
    }


def test_the_other_party_and_the_intermediary_keep_everything(
    world: World, records: tuple[Person, SubmittedList]
) -> None:
    person, submitted = records
    withdraw(world)
    detail = reverse("dossiers-detail", kwargs={"public_id": world.dossier.public_id})
    for persona in ("south_negotiator", "south_observer", "coordinator", "delegate"):
        assert _status(world.client(persona), detail) == 200, persona
    coordinator = world.client("coordinator")
    assert _status(coordinator, f"/api/v1/registry/persons/{person.public_id}") == 200
    assert _status(coordinator, f"/api/v1/lists/{submitted.public_id}") == 200
    assert Person.objects.filter(pk=person.pk, holding_party=world.orgs["NORTH"]).exists()


def test_reinstating_gives_the_party_its_dossier_back(
    world: World, records: tuple[Person, SubmittedList]
) -> None:
    urls = _urls(world, *records)
    withdraw(world)
    reinstate(world)
    for persona in NORTH_USERS:
        client = world.client(persona)
        assert [_status(client, url) for url in urls] == [200] * len(urls), persona
    assert can(world.users["north_negotiator"], Perm.PARTY_WRITE, world.dossier)


def test_a_withdrawn_negotiator_may_no_longer_write(world: World) -> None:
    withdraw(world)
    assert not can(world.users["north_negotiator"], Perm.PARTY_WRITE, world.dossier)
    assert not can(world.users["north_negotiator"], Perm.LIST_SUBMIT, world.dossier)
    with pytest.raises(PermissionDenied):
        north_list(world)
    assert can(world.users["south_negotiator"], Perm.PARTY_WRITE, world.dossier)


def test_a_withdrawn_party_gets_no_list_or_disclosure_on_its_behalf(world: World) -> None:
    from intermediary.access.services import disclosure_create
    from intermediary.lists.services import list_submit

    withdraw(world)
    coordinator = world.users["coordinator"]
    with pytest.raises(ValidationError) as listed:
        list_submit(
            actor=coordinator,
            dossier=world.dossier,
            kind="held",
            data=b"full_name\nSamir Nasser\n",
            filename="on-behalf.csv",
            party=world.orgs["NORTH"],
        )
    assert "party" in listed.value.message_dict
    with pytest.raises(ValidationError) as disclosed:
        disclosure_create(
            actor=coordinator,
            dossier=world.dossier,
            object_type="registry.person",
            object_id=make_person(world, "SOUTH").public_id,
            recipient=world.orgs["NORTH"],
            fields=["names"],
        )
    assert "recipient" in disclosed.value.message_dict


def test_the_list_form_offers_only_parties_taking_part(world: World) -> None:
    url = reverse("lists-submit", kwargs={"public_id": world.dossier.public_id})
    before = world.client("coordinator").get(url).content.decode()
    assert str(world.orgs["NORTH"].public_id) in before
    withdraw(world)
    after = world.client("coordinator").get(url).content.decode()
    assert str(world.orgs["NORTH"].public_id) not in after
    assert str(world.orgs["SOUTH"].public_id) in after


def test_the_registry_still_records_who_a_withdrawn_party_holds(world: World) -> None:
    """A party leaving the talks does not free the people it holds: the intermediary keeps
    registering them (held by it, or originating from it) and the remains it holds."""
    from intermediary.registry.services import person_create, remains_case_create

    withdraw(world)
    coordinator = world.users["coordinator"]
    held = make_person(world, "NORTH")
    assert held.holding_party_id == world.orgs["NORTH"].pk
    origin = person_create(
        actor=coordinator,
        dossier=world.dossier,
        data=person_input(world, "SOUTH", party_of_origin=world.orgs["NORTH"]),
    )
    assert origin.party_of_origin_id == world.orgs["NORTH"].pk
    case = remains_case_create(
        actor=coordinator, dossier=world.dossier, holding_party=world.orgs["NORTH"]
    )
    assert case.holding_party_id == world.orgs["NORTH"].pk
    # A party that is not in the dossier at all is still refused.
    with pytest.raises(ValidationError) as east:
        make_person(world, "EAST")
    assert "holding_party" in east.value.message_dict


def test_records_held_by_a_withdrawn_party_stay_and_can_be_corrected(
    world: World, records: tuple[Person, SubmittedList]
) -> None:
    from intermediary.registry.services import person_update

    person, _submitted = records
    withdraw(world)
    updated = person_update(
        actor=world.users["coordinator"], person=person, changes={"rank": "sergeant"}
    )
    assert updated.rank == "sergeant"
    assert updated.holding_party_id == world.orgs["NORTH"].pk


def test_withdrawal_and_reinstatement_are_audited_and_kept_with_their_reasons(
    world: World,
) -> None:
    before = AuditEvent.objects.count()
    link = withdraw(world)
    assert link.withdrawn_at is not None
    assert link.withdrawn_by == world.users["coordinator"]
    assert link.withdrawal_reason == REASON
    reinstated = reinstate(world)
    assert (reinstated.withdrawn_at, reinstated.withdrawn_by, reinstated.withdrawal_reason) == (
        None,
        None,
        "",
    )
    events = AuditEvent.objects.filter(seq__gt=before).order_by("seq")
    assert [e.action for e in events] == ["dossier.withdraw_party", "dossier.reinstate_party"]
    assert {e.object_id for e in events} == {str(world.dossier.public_id)}
    kept = DossierPartyEvent.objects.filter(link=link).order_by("at", "pk")
    assert [(e.kind, e.reason) for e in kept] == [
        (PartyEventKind.WITHDRAWN, REASON),
        (PartyEventKind.REINSTATED, "Back at the table"),
    ]
    # The log holds hashes and ids: the reason's text is in no column of any event.
    rows = json.dumps(list(AuditEvent.objects.filter(seq__gt=before).values()), default=str)
    assert REASON not in rows
    assert "Back at the table" not in rows
    assert verify_chain().ok


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_withdrawal_needs_a_reason_of_sensible_length(world: World, reason: str) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        withdraw(world, reason=reason)
    assert "reason" in exc.value.message_dict
    assert AuditEvent.objects.count() == before
    assert not DossierParty.objects.get(organisation=world.orgs["NORTH"]).is_withdrawn


def test_transitions_check_the_current_state(world: World) -> None:
    with pytest.raises(ValidationError, match="not withdrawn"):
        reinstate(world)
    withdraw(world)
    with pytest.raises(ValidationError, match="already withdrawn"):
        withdraw(world)
    with pytest.raises(ValidationError, match="not in the dossier"):
        withdraw(world, party="EAST")


@pytest.mark.parametrize(
    "persona", ["delegate", "forensic", "auditor", "north_negotiator", "south_negotiator"]
)
def test_only_a_coordinator_withdraws_or_reinstates(world: World, persona: str) -> None:
    for service in (dossier_withdraw_party, dossier_reinstate_party):
        with pytest.raises(PermissionDenied):
            service(
                actor=world.users[persona],
                dossier=world.dossier,
                organisation=world.orgs["SOUTH"],
                reason="no",
            )


def test_adding_a_withdrawn_party_again_points_to_reinstating(world: World) -> None:
    from intermediary.dossiers.services import dossier_add_party

    withdraw(world)
    with pytest.raises(ValidationError, match="reinstate it instead"):
        dossier_add_party(
            actor=world.users["coordinator"],
            dossier=world.dossier,
            organisation=world.orgs["NORTH"],
        )


def test_an_import_naming_a_withdrawn_party_still_records_its_persons(world: World) -> None:
    from intermediary.imports.choices import ImportStatus
    from intermediary.imports.services import person_import_run, person_import_submit
    from tests.imports.helpers import GOOD_ROWS, csv_bytes

    withdraw(world)
    job = person_import_submit(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        filename="persons.csv",
        content=csv_bytes(GOOD_ROWS),
    )
    person_import_run(job=job)  # the worker's part, here and now
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    held_by_north = Person.objects.filter(dossier=world.dossier, holding_party=world.orgs["NORTH"])
    assert held_by_north.count() == 2
