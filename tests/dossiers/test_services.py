"""Dossier services: rules, permissions, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from intermediary.access.policy import PermissionDenied
from intermediary.audit.models import AuditEvent
from intermediary.dossiers.services import (
    dossier_add_party,
    dossier_assign_member,
    dossier_create,
    dossier_set_status,
)
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_a_dossier_needs_two_distinct_parties(world: World) -> None:
    north = world.orgs["NORTH"]
    with pytest.raises(ValidationError) as exc:
        dossier_create(actor=world.users["coordinator"], title="x", parties=[north, north])
    assert "parties" in exc.value.message_dict


def test_the_intermediary_cannot_be_a_party(world: World) -> None:
    with pytest.raises(ValidationError):
        dossier_create(
            actor=world.users["coordinator"],
            title="x",
            parties=[world.orgs["NORTH"], world.orgs["NIC"]],
        )


def test_create_numbers_and_audits(world: World) -> None:
    dossier = dossier_create(
        actor=world.users["coordinator"],
        title="Second",
        parties=[world.orgs["NORTH"], world.orgs["EAST"]],
    )
    assert dossier.reference.startswith("DOS-")
    assert dossier.reference != world.dossier.reference
    assert AuditEvent.objects.filter(action="dossier.create", object_id=str(dossier.public_id))


def test_adding_a_party_twice_is_refused(world: World) -> None:
    with pytest.raises(ValidationError):
        dossier_add_party(
            actor=world.users["coordinator"],
            dossier=world.dossier,
            organisation=world.orgs["NORTH"],
        )


def test_parties_and_field_staff_cannot_manage(world: World) -> None:
    for persona in ("north_negotiator", "delegate", "auditor"):
        with pytest.raises(PermissionDenied):
            dossier_add_party(
                actor=world.users[persona],
                dossier=world.dossier,
                organisation=world.orgs["EAST"],
            )


def test_only_intermediary_staff_can_join_the_team(world: World) -> None:
    for persona in ("north_observer", "auditor"):
        with pytest.raises(ValidationError):
            dossier_assign_member(
                actor=world.users["coordinator"],
                dossier=world.dossier,
                user=world.users[persona],
            )


def test_status_transitions_check_the_current_state(world: World) -> None:
    coordinator = world.users["coordinator"]
    closed = dossier_set_status(actor=coordinator, dossier=world.dossier, status="closed")
    assert closed.status == "closed"
    with pytest.raises(ValidationError):
        dossier_set_status(actor=coordinator, dossier=world.dossier, status="closed")
    with pytest.raises(ValidationError):
        dossier_set_status(actor=coordinator, dossier=world.dossier, status="archived")
