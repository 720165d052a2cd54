"""Shared fixtures: personas for every role in every organisation, and the backend guards."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from django.test import Client

    from intermediary.accounts.models import Organisation, User
    from intermediary.dossiers.models import Dossier

# Django-free at import time, so the pure matching tests also run without Django.

pytest_plugins = ["tests.browser"]

PASSWORD = "test-pass-phrase-2026"

# persona name -> (organisation short name, role values)
PERSONAS: dict[str, tuple[str, list[str]]] = {
    "coordinator": ("NIC", ["coordinator"]),
    "delegate": ("NIC", ["field_delegate"]),
    "delegate_unassigned": ("NIC", ["field_delegate"]),
    "forensic": ("NIC", ["forensic_officer"]),
    "auditor": ("NIC", ["auditor"]),
    "north_negotiator": ("NORTH", ["negotiator"]),
    "north_observer": ("NORTH", ["observer"]),
    "south_negotiator": ("SOUTH", ["negotiator"]),
    "south_observer": ("SOUTH", ["observer"]),
    "east_negotiator": ("EAST", ["negotiator"]),
}
ALL_PERSONAS = ["anonymous", *PERSONAS]


@dataclass
class World:
    """The standard cast: an intermediary (NIC), parties North and South in one dossier, and
    party East, which is in no dossier with them (the outsider who should see nothing)."""

    orgs: dict[str, Organisation]
    users: dict[str, User]
    dossier: Dossier
    extra: dict[str, Any] = field(default_factory=dict)

    def client(self, persona: str) -> Client:
        from django.test import Client

        client = Client()
        if persona != "anonymous":
            client.force_login(self.users[persona])
            _stamp_session(client)
        return client


def _stamp_session(client: Client) -> None:
    """force_login skips the login signal's session stamps; add them like a real login."""
    from django.utils import timezone

    from intermediary.accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY

    session = client.session
    now = timezone.now().timestamp()
    session[SESSION_STARTED_KEY] = now
    session[SESSION_SEEN_KEY] = now
    session.save()


def build_world() -> World:
    from intermediary.access.policy import SYSTEM
    from intermediary.accounts.choices import OrganisationKind
    from intermediary.accounts.services import organisation_create, user_create
    from intermediary.dossiers.services import dossier_assign_member, dossier_create

    orgs = {
        "NIC": organisation_create(
            actor=SYSTEM,
            name="Test Intermediary",
            short_name="NIC",
            kind=OrganisationKind.INTERMEDIARY,
        ),
        "NORTH": organisation_create(
            actor=SYSTEM, name="North Authority", short_name="NORTH", kind=OrganisationKind.PARTY
        ),
        "SOUTH": organisation_create(
            actor=SYSTEM, name="South Authority", short_name="SOUTH", kind=OrganisationKind.PARTY
        ),
        "EAST": organisation_create(
            actor=SYSTEM, name="East Council", short_name="EAST", kind=OrganisationKind.PARTY
        ),
    }
    users = {
        name: user_create(
            actor=SYSTEM, username=name, password=PASSWORD, organisation=orgs[org], roles=roles
        )
        for name, (org, roles) in PERSONAS.items()
    }
    dossier = dossier_create(
        actor=users["coordinator"], title="Test exchange", parties=[orgs["NORTH"], orgs["SOUTH"]]
    )
    dossier_assign_member(actor=users["coordinator"], dossier=dossier, user=users["delegate"])
    dossier_assign_member(actor=users["coordinator"], dossier=dossier, user=users["forensic"])
    return World(orgs=orgs, users=users, dossier=dossier)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.hasplugin("django"):
        return
    from django.conf import settings

    # PBKDF2 at Django's production cost makes every persona take ~0.5 s; tests test logic.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture
def require_postgres() -> None:
    """Tests that only mean something on PostgreSQL. On CI (INTERMEDIARY_REQUIRE_POSTGRES=1)
    a missing PostgreSQL is a failure, never a skip."""
    if not is_postgres():
        if os.environ.get("INTERMEDIARY_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required here: set DATABASE_URL to a PostgreSQL database")
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def pytest_report_header(config: pytest.Config) -> str:
    if not config.pluginmanager.hasplugin("django"):
        return "intermediary: Django plugin off"
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"intermediary: database backend = {engine}"
