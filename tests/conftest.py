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
    """Make a force_login session look like a real, complete sign-in: the session stamps of the
    login signal, and the second factor passed with the user's authenticator (when they have
    one), marked exactly as django-otp's ``otp_login`` marks it after a right code."""
    from django.contrib.auth import SESSION_KEY
    from django.http import HttpRequest
    from django.utils import timezone
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from intermediary.accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
    from intermediary.accounts.models import User

    session = client.session
    now = timezone.now().timestamp()
    session[SESSION_STARTED_KEY] = now
    session[SESSION_SEEN_KEY] = now
    device = TOTPDevice.objects.filter(user_id=session.get(SESSION_KEY), confirmed=True).first()
    if device is not None:
        request = HttpRequest()
        request.session = session
        request.user = User.objects.get(pk=device.user_id)
        otp_login(request, device)
    session.save()


def give_authenticator(user: User) -> Any:
    """A confirmed TOTP device, as if the user had enrolled (fixture data: not audited)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(user: User) -> str:
    """The code the user's authenticator app shows now (computed from the device's key with
    django-otp's own TOTP). If this step's code was already used (each code verifies once),
    the next step's, which the device also accepts."""
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t - totp.t() + 1)
    return f"{totp.token():0{device.digits}d}"


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
    for user in users.values():
        give_authenticator(user)
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
