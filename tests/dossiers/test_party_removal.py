"""Removing a party added by mistake: only while nothing in the dossier refers to it, and the
refusal says what does (kinds and counts, never a person)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from intermediary.access.policy import SYSTEM, PermissionDenied
from intermediary.accounts.choices import OrganisationKind
from intermediary.accounts.models import Organisation
from intermediary.accounts.services import organisation_create
from intermediary.audit.models import AuditEvent
from intermediary.dossiers.models import DossierParty
from intermediary.dossiers.references import party_reference_fields, party_references
from intermediary.dossiers.services import (
    dossier_add_party,
    dossier_reinstate_party,
    dossier_remove_party,
    dossier_withdraw_party,
)
from tests.conftest import World
from tests.registry.factories import make_person, person_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def west(world: World) -> Organisation:
    """A party added to the world's dossier by mistake."""
    org = organisation_create(
        actor=SYSTEM, name="West League", short_name="WEST", kind=OrganisationKind.PARTY
    )
    dossier_add_party(actor=world.users["coordinator"], dossier=world.dossier, organisation=org)
    world.orgs["WEST"] = org
    return org


def remove(world: World, org: Organisation) -> None:
    dossier_remove_party(actor=world.users["coordinator"], dossier=world.dossier, organisation=org)


def _message(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    [message] = exc.value.message_dict["organisation"]
    return message


def test_every_reference_to_a_party_is_known() -> None:
    """Read from the models: a new model naming a party of a dossier lands here, and must be
    given a readable name in dossiers.references (or be a deliberate exception)."""
    assert {ref.key for ref in party_reference_fields()} == {
        "access.Disclosure.recipient",
        "dossiers.DossierPartyEvent.link",
        "lists.ListDraft.party",
        "lists.SubmittedList.submitting_party",
        "registry.Person.holding_party",
        "registry.Person.party_of_origin",
        "registry.RemainsCase.holding_party",
    }


def test_a_party_nothing_refers_to_is_removed_and_audited(world: World, west: Organisation) -> None:
    before = AuditEvent.objects.count()
    remove(world, west)
    assert not DossierParty.objects.filter(dossier=world.dossier, organisation=west).exists()
    [event] = AuditEvent.objects.filter(seq__gt=before)
    assert (event.action, event.object_id) == ("dossier.remove_party", str(world.dossier.public_id))
    # It can be added again, as if it had never been.
    dossier_add_party(actor=world.users["coordinator"], dossier=world.dossier, organisation=west)


def test_removal_is_refused_naming_what_refers_to_the_party(
    world: World, west: Organisation
) -> None:
    from intermediary.access.services import disclosure_create
    from intermediary.lists.services import list_submit
    from intermediary.registry.services import person_create, remains_case_create

    coordinator = world.users["coordinator"]
    make_person(world, "WEST")
    make_person(world, "WEST")
    person_create(
        actor=coordinator,
        dossier=world.dossier,
        data=person_input(world, "NORTH", party_of_origin=west),
    )
    remains_case_create(actor=coordinator, dossier=world.dossier, holding_party=west)
    list_submit(
        actor=coordinator,
        dossier=world.dossier,
        kind="held",
        data=b"full_name\nSamir Nasser\n",
        filename="west.csv",
        party=west,
    )
    disclosure_create(
        actor=coordinator,
        dossier=world.dossier,
        object_type="registry.person",
        object_id=make_person(world, "SOUTH").public_id,
        recipient=west,
        fields=["names"],
    )
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        remove(world, west)
    message = _message(exc)
    for kind in (
        "registry persons it holds: 2",
        "registry persons originating from it: 1",
        "remains cases it holds: 1",
        "lists submitted for it: 1",
        "disclosures to it: 1",
    ):
        assert kind in message
    assert message.startswith("West League cannot be removed")
    assert "Withdraw it instead" in message
    # Counts only: no name of any person, no file name.
    for personal in ("Ahmad", "أحمد", "Samir", "west.csv"):
        assert personal not in message
    assert exc.value.error_dict["organisation"][0].code == "referenced"
    assert DossierParty.objects.filter(dossier=world.dossier, organisation=west).exists()
    assert AuditEvent.objects.count() == before


def test_references_in_other_dossiers_do_not_count(world: World, west: Organisation) -> None:
    from intermediary.dossiers.services import dossier_create
    from intermediary.registry.services import remains_case_create

    other = dossier_create(
        actor=world.users["coordinator"], title="Other", parties=[west, world.orgs["EAST"]]
    )
    remains_case_create(actor=world.users["coordinator"], dossier=other, holding_party=west)
    link = DossierParty.objects.get(dossier=world.dossier, organisation=west)
    assert party_references(link) == {}
    remove(world, west)


def test_a_party_once_withdrawn_took_part_and_is_never_removed(
    world: World, west: Organisation
) -> None:
    for service in (dossier_withdraw_party, dossier_reinstate_party):
        service(
            actor=world.users["coordinator"],
            dossier=world.dossier,
            organisation=west,
            reason="Talks paused",
        )
    with pytest.raises(ValidationError) as exc:
        remove(world, west)
    assert "withdrawals and reinstatements: 2" in _message(exc)


def test_a_dossier_keeps_two_parties(world: World) -> None:
    with pytest.raises(ValidationError, match="at least two parties"):
        remove(world, world.orgs["SOUTH"])
    assert world.dossier.party_links.count() == 2


def test_an_organisation_not_in_the_dossier_cannot_be_removed(world: World) -> None:
    with pytest.raises(ValidationError, match="not in the dossier"):
        remove(world, world.orgs["EAST"])


@pytest.mark.parametrize(
    "persona", ["delegate", "forensic", "auditor", "north_negotiator", "east_negotiator"]
)
def test_only_a_coordinator_removes(world: World, west: Organisation, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        dossier_remove_party(actor=world.users[persona], dossier=world.dossier, organisation=west)
    assert DossierParty.objects.filter(dossier=world.dossier, organisation=west).exists()
