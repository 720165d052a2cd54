"""The access module: who sees which dossiers, disclosures, denial logging."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError

from intermediary.access import policy
from intermediary.access.policy import PermissionDenied, disclosed_fields, visible_dossiers
from intermediary.access.services import disclosure_create, disclosure_revoke
from intermediary.audit.models import AccessDenial, AuditEvent
from tests.conftest import World

pytestmark = pytest.mark.django_db

SEES = {
    "coordinator": True,
    "delegate": True,
    "forensic": True,
    "delegate_unassigned": False,
    "auditor": False,
    "north_negotiator": True,
    "north_observer": True,
    "south_negotiator": True,
    "south_observer": True,
    "east_negotiator": False,
}


@pytest.mark.parametrize(("persona", "sees"), SEES.items())
def test_dossier_visibility(world: World, persona: str, sees: bool) -> None:
    assert visible_dossiers(world.users[persona]).filter(pk=world.dossier.pk).exists() is sees


def test_inactive_or_orgless_users_see_nothing(world: World) -> None:
    user = world.users["coordinator"]
    user.is_active = False
    assert not visible_dossiers(user).exists()


def test_denials_are_logged_without_revealing_anything(world: World) -> None:
    client = world.client("east_negotiator")
    response = client.get(f"/dossiers/{world.dossier.public_id}/")
    assert response.status_code == 404
    denial = AccessDenial.objects.get()
    assert denial.actor_label == "east_negotiator"
    assert str(world.dossier.public_id) in denial.object_ref


@pytest.fixture
def thing_type(monkeypatch: pytest.MonkeyPatch) -> str:
    """A disclosable object type for these tests (real types register themselves)."""
    monkeypatch.setitem(policy.DISCLOSABLE_FIELDS, "test.thing", frozenset({"name", "dob"}))
    return "test.thing"


def test_disclosure_grants_exactly_the_named_fields(world: World, thing_type: str) -> None:
    thing = uuid.uuid4()
    disclosure_create(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        object_type=thing_type,
        object_id=thing,
        recipient=world.orgs["SOUTH"],
        fields=["name"],
    )
    assert disclosed_fields(world.users["south_observer"], thing_type, thing) == {"name"}
    assert disclosed_fields(world.users["north_observer"], thing_type, thing) == frozenset()
    assert disclosed_fields(world.users["east_negotiator"], thing_type, thing) == frozenset()
    assert AuditEvent.objects.filter(action="disclosure.create").count() == 1


def test_undisclosable_fields_and_outsiders_are_refused(world: World, thing_type: str) -> None:
    coordinator = world.users["coordinator"]
    with pytest.raises(ValidationError) as exc:
        disclosure_create(
            actor=coordinator,
            dossier=world.dossier,
            object_type=thing_type,
            object_id=uuid.uuid4(),
            recipient=world.orgs["SOUTH"],
            fields=["health"],
        )
    assert "fields" in exc.value.message_dict
    with pytest.raises(ValidationError):
        disclosure_create(
            actor=coordinator,
            dossier=world.dossier,
            object_type=thing_type,
            object_id=uuid.uuid4(),
            recipient=world.orgs["EAST"],
            fields=["name"],
        )
    with pytest.raises(PermissionDenied):
        disclosure_create(
            actor=world.users["north_negotiator"],
            dossier=world.dossier,
            object_type=thing_type,
            object_id=uuid.uuid4(),
            recipient=world.orgs["SOUTH"],
            fields=["name"],
        )


def test_revoked_disclosure_stops_showing(world: World, thing_type: str) -> None:
    thing = uuid.uuid4()
    disclosure = disclosure_create(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        object_type=thing_type,
        object_id=thing,
        recipient=world.orgs["SOUTH"],
        fields=["name", "dob"],
    )
    disclosure_revoke(actor=world.users["coordinator"], disclosure=disclosure)
    assert disclosed_fields(world.users["south_observer"], thing_type, thing) == frozenset()


def test_unknown_permission_is_denied(world: World) -> None:
    assert policy.can(world.users["coordinator"], "nonexistent") is False  # type: ignore[arg-type]
