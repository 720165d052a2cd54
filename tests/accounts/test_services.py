"""Organisation and user services: rules, permissions, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from intermediary.access.policy import PermissionDenied, actor_of
from intermediary.accounts.choices import Role
from intermediary.accounts.models import Membership, User
from intermediary.accounts.services import (
    organisation_create,
    user_create,
    user_set_active,
    user_set_roles,
)
from intermediary.audit.models import AuditEvent
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.django_db


def test_party_user_cannot_get_an_intermediary_role(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        user_create(
            actor=world.users["coordinator"],
            username="mole",
            password=PASSWORD,
            organisation=world.orgs["NORTH"],
            roles=[Role.COORDINATOR],
        )
    assert "roles" in exc.value.message_dict
    assert not User.objects.filter(username="mole").exists()


def test_database_refuses_a_mismatched_membership_too(world: World) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=world.users["north_observer"],
            organisation=world.orgs["NORTH"],
            role=Role.AUDITOR,
            organisation_kind="party",
        )


def test_weak_password_is_refused_with_the_field_named(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        user_create(
            actor=world.users["coordinator"],
            username="weak",
            password="123",
            organisation=world.orgs["NORTH"],
            roles=[Role.OBSERVER],
        )
    assert "password" in exc.value.message_dict


def test_only_coordinators_manage_users(world: World) -> None:
    for persona in ("auditor", "delegate", "north_negotiator"):
        with pytest.raises(PermissionDenied):
            organisation_create(actor=world.users[persona], name="X", short_name="X", kind="party")
        with pytest.raises(PermissionDenied):
            user_set_active(
                actor=world.users[persona], user=world.users["north_observer"], active=False
            )


def test_roles_change_is_audited_and_takes_effect(world: World) -> None:
    user = world.users["north_observer"]
    user_set_roles(actor=world.users["coordinator"], user=user, roles=[Role.NEGOTIATOR])
    fresh = User.objects.get(pk=user.pk)
    assert actor_of(fresh).roles == {Role.NEGOTIATOR}
    assert AuditEvent.objects.filter(action="user.set_roles", object_id=str(user.public_id))


def test_coordinator_cannot_deactivate_themself(world: World) -> None:
    coordinator = world.users["coordinator"]
    with pytest.raises(ValidationError):
        user_set_active(actor=coordinator, user=coordinator, active=False)
