"""Login, lockout with cool-off, session expiry, deactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from intermediary.accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from intermediary.accounts.services import user_set_active
from intermediary.audit.models import AuditEvent
from tests.conftest import PASSWORD, World, totp_code

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> int:
    response = client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)
    return int(response.status_code)


def test_good_login_redirects_and_is_audited(world: World) -> None:
    client = Client()
    assert _login(client, "north_observer", PASSWORD) == 302
    # The password alone is not enough: the second factor comes first.
    assert client.get(reverse("dossiers-list"))["Location"].startswith("/accounts/otp/")
    response = client.post("/accounts/otp/", {"code": totp_code(world.users["north_observer"])})
    assert response.status_code == 302
    assert client.get(reverse("dossiers-list")).status_code == 200
    assert AuditEvent.objects.filter(
        action="auth.login", object_id=str(world.users["north_observer"].public_id)
    ).exists()


def test_wrong_password_says_so_without_naming_which_part(world: World) -> None:
    client = Client()
    response = client.post(LOGIN, {"username": "north_observer", "password": "nope"})
    assert response.status_code == 200
    assert b"Wrong username or password." in response.content
    response = client.post(LOGIN, {"username": "nobody-at-all", "password": "nope"})
    assert b"Wrong username or password." in response.content
    assert client.get(reverse("dossiers-list")).status_code == 302


def test_lockout_after_repeated_failures_then_cool_off(world: World, settings: object) -> None:
    client = Client()
    for _ in range(5):
        _login(client, "north_observer", "wrong-password")
    # Locked: even the right password is refused during the cool-off.
    assert _login(client, "north_observer", PASSWORD) == 429
    # The lock is per (username, IP): the victim elsewhere is not locked out by an attacker.
    assert _login(Client(), "north_observer", PASSWORD, ip="10.9.9.9") == 302
    # After the cool-off the account works again from the first address too.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=1))
    assert _login(client, "north_observer", PASSWORD) == 302


def _age_session(client: Client, *, started: timedelta, seen: timedelta) -> None:
    session = client.session
    now = timezone.now()
    session[SESSION_STARTED_KEY] = (now - started).timestamp()
    session[SESSION_SEEN_KEY] = (now - seen).timestamp()
    session.save()


def test_idle_session_expires(world: World) -> None:
    client = world.client("north_observer")
    assert client.get(reverse("dossiers-list")).status_code == 200
    _age_session(client, started=timedelta(minutes=40), seen=timedelta(minutes=31))
    response = client.get(reverse("dossiers-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert b"Your session expired" in client.get(LOGIN).content


def test_active_session_still_expires_at_the_absolute_limit(world: World) -> None:
    client = world.client("north_observer")
    _age_session(client, started=timedelta(hours=13), seen=timedelta(minutes=1))
    assert client.get(reverse("dossiers-list")).status_code == 302


def test_recent_activity_keeps_a_session(world: World) -> None:
    client = world.client("north_observer")
    _age_session(client, started=timedelta(hours=2), seen=timedelta(minutes=5))
    assert client.get(reverse("dossiers-list")).status_code == 200


def test_deactivated_user_loses_the_session(world: World) -> None:
    client = world.client("north_observer")
    user_set_active(
        actor=world.users["coordinator"], user=world.users["north_observer"], active=False
    )
    assert client.get(reverse("dossiers-list")).status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_forged_csrf_token_changes_nothing(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["coordinator"])
    from tests.conftest import _stamp_session

    _stamp_session(client)
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("accounts-organisations"),
        {"name": "Forged", "short_name": "FRG", "kind": "party", "csrfmiddlewaretoken": "x" * 64},
    )
    assert response.status_code == 403
    assert b"Nothing was changed" in response.content
    assert AuditEvent.objects.count() == before


def test_logout_is_post_only_and_audited(world: World) -> None:
    client = world.client("north_observer")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout").exists()


def test_password_change_needs_the_old_password_and_is_audited(world: World) -> None:
    client = world.client("north_observer")
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "wrong",
            "new_password1": "another-long-phrase-9",
            "new_password2": "another-long-phrase-9",
        },
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-phrase-9",
            "new_password2": "another-long-phrase-9",
        },
    )
    assert response.status_code == 302
    assert client.get("/dossiers/").status_code == 200  # still signed in
    assert _login(Client(), "north_observer", "another-long-phrase-9") == 302
    assert AuditEvent.objects.filter(action="user.change_password").count() == 1
