"""The second factor (TOTP, django-otp): enforcement, enrolment, sign-in step, recovery codes,
throttling, reset by a coordinator, and the demo's optional mode."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from intermediary.access.policy import SYSTEM
from intermediary.accounts.models import User
from intermediary.accounts.services import (
    api_token_create,
    enrolment_code_issue,
    otp_recovery_codes_regenerate,
    user_create,
)
from intermediary.audit.models import AccessDenial, AuditEvent
from tests.conftest import PASSWORD, World, totp_code
from tests.test_settings import _run_check

pytestmark = pytest.mark.django_db

OTP = "/accounts/otp/"
ENROL = "/accounts/two-factor/enrol/"
ENROL_START = "/accounts/two-factor/enrol/start/"
STATUS_API = "/api/v1/me/two-factor"


def password_only(username: str) -> Client:
    """A session signed in with the password and nothing more."""
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def code_now(device: TOTPDevice) -> str:
    """What the authenticator app shows now: django-otp's TOTP over the device's key."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def unthrottle(user: User) -> None:
    """Let the back-off after a wrong code elapse (as the lockout test ages its attempts)."""
    past = timezone.now() - timedelta(hours=1)
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).exclude(throttling_failure_count=0).update(
            throttling_failure_timestamp=past
        )


def api_error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(response.content)["error"]
    return body


# --- Enforcement --------------------------------------------------------------------------------


def test_password_only_session_is_sent_to_the_otp_step_everywhere(world: World) -> None:
    client = password_only("coordinator")
    for path in ["/", "/dossiers/", "/users/", "/accounts/tokens/", "/admin/", "/audit/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"{OTP}?next="), path
    response = client.get(f"/dossiers/{world.dossier.public_id}/")
    assert response["Location"] == f"{OTP}?next=%2Fdossiers%2F{world.dossier.public_id}%2F"
    # Writes are refused the same way, before the view runs.
    before = AuditEvent.objects.count()
    response = client.post(
        "/organisations/", {"name": "West Office", "short_name": "WEST", "kind": "party"}
    )
    assert response["Location"].startswith(OTP)
    assert AuditEvent.objects.count() == before
    # What stays open: the step itself, logging out, the language switch, static files.
    assert client.get(OTP).status_code == 200
    assert client.get("/static/intermediary/app.css").status_code == 200
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/dossiers/"})
    assert response.status_code == 302
    assert response["Location"] == "/dossiers/"
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/dossiers/")["Location"].startswith("/accounts/login/")


def test_password_only_session_is_refused_by_the_api(world: World) -> None:
    client = password_only("coordinator")
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert api_error(response) == {
        "code": "unauthenticated",
        "message": "Authentication required.",
        "fields": {},
    }
    assert client.get("/api/v1/dossiers").status_code == 401
    # Verified, the same session works.
    assert client.post(OTP, {"code": totp_code(world.users["coordinator"])}).status_code == 302
    assert client.get("/api/v1/me").status_code == 200


def test_bearer_tokens_keep_working(world: World) -> None:
    """A token is a credential of its own, created by a verified user."""
    _token, plaintext = api_token_create(actor=world.users["north_observer"], name="ci")
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert Client().get("/api/v1/me", headers=headers).status_code == 200
    # Even alongside a password-only session cookie, the token decides.
    client = password_only("north_observer")
    assert client.get("/api/v1/me", headers=headers).status_code == 200


# --- The sign-in step ---------------------------------------------------------------------------


def test_right_totp_code_verifies_once(world: World) -> None:
    user = world.users["north_negotiator"]
    device = TOTPDevice.objects.get(user=user)
    client = password_only("north_negotiator")
    password_session = client.session.session_key
    code = code_now(device)
    response = client.post(OTP, {"code": code, "next": "/dossiers/"})
    assert response.status_code == 302
    assert response["Location"] == "/dossiers/"
    assert client.session.session_key != password_session  # a new key for the new privilege
    assert client.get("/dossiers/").status_code == 200
    event = AuditEvent.objects.filter(action="auth.otp_verify").latest("seq")
    assert event.object_id == str(user.public_id)
    # The same code cannot be replayed in another session.
    other = password_only("north_negotiator")
    assert b"This code is not valid." in other.post(OTP, {"code": code}).content
    assert other.get("/dossiers/")["Location"].startswith(OTP)


def test_the_next_target_must_be_ours(world: World) -> None:
    client = password_only("north_observer")
    response = client.post(
        OTP, {"code": totp_code(world.users["north_observer"]), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/dossiers/"


def test_wrong_code_is_refused_logged_and_throttled(world: World) -> None:
    user = world.users["south_observer"]
    client = password_only("south_observer")
    response = client.post(OTP, {"code": "000000"})
    assert response.status_code == 200
    assert b"This code is not valid." in response.content
    assert client.get("/dossiers/")["Location"].startswith(OTP)
    assert AccessDenial.objects.filter(action="otp_verify", object_ref=str(user.public_id)).exists()
    # Right away, even the right code is not checked: django-otp's back-off.
    response = client.post(OTP, {"code": totp_code(user)})
    assert b"Too many wrong codes" in response.content
    assert AccessDenial.objects.filter(action="otp_verify_throttled").exists()
    assert client.get("/dossiers/")["Location"].startswith(OTP)
    unthrottle(user)
    assert client.post(OTP, {"code": totp_code(user)}).status_code == 302
    assert client.get("/dossiers/").status_code == 200
    assert TOTPDevice.objects.get(user=user).throttling_failure_count == 0


def test_a_recovery_code_works_once_and_is_throttled_too(world: World) -> None:
    user = world.users["delegate"]
    codes = otp_recovery_codes_regenerate(actor=user)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    client = password_only("delegate")
    # Typed by hand: case and spaces do not matter.
    typed = f"{codes[0][:4].upper()} {codes[0][4:]}"
    response = client.post(OTP, {"code": typed})
    assert response.status_code == 302
    assert client.get("/dossiers/").status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9
    event = AuditEvent.objects.filter(action="auth.otp_verify").latest("seq")
    assert event.object_id == str(user.public_id)
    # Used once: refused the second time.
    again = password_only("delegate")
    assert b"This code is not valid." in again.post(OTP, {"code": codes[0]}).content
    # Guessing recovery codes meets the same back-off as TOTP codes.
    assert b"Too many wrong codes" in again.post(OTP, {"code": codes[1]}).content
    assert StaticDevice.objects.get(user=user).throttling_failure_count >= 1
    unthrottle(user)
    assert again.post(OTP, {"code": codes[1]}).status_code == 302


# --- Enrolment ----------------------------------------------------------------------------------


def _new_user(world: World, username: str = "new.delegate") -> User:
    return user_create(
        actor=SYSTEM,
        username=username,
        password=PASSWORD,
        organisation=world.orgs["NIC"],
        roles=["field_delegate"],
    )


def test_enrolment_shows_qr_uri_and_secret_then_recovery_codes_once(world: World) -> None:
    user = _new_user(world)
    enrolment_code = enrolment_code_issue(actor=world.users["coordinator"], user=user)
    client = password_only(user.username)
    response = client.get("/dossiers/")
    assert response["Location"] == f"{ENROL}?next=%2Fdossiers%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Set up an authenticator" in page.content
    assert b"Enrolment code" in page.content
    # The button, with the enrolment code, starts the enrolment (POST), then the page shows
    # it (post/redirect/get).
    started = client.post(ENROL_START, {"next": "/dossiers/", "enrolment_code": enrolment_code})
    assert started.status_code == 302
    assert started["Location"] == f"{ENROL}?next=%2Fdossiers%2F"
    page = client.get(started["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert "<svg" in body
    assert "otpauth://totp/intermediary%3Anew.delegate?secret=" in body
    assert "issuer=intermediary" in body
    secret = body.split("data-otp-secret>")[1].split("<")[0].replace(" ", "")
    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    # The strict CSP stays as it was (the QR code is an inline <svg>, no image fetched).
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert "unsafe-inline" not in page["Content-Security-Policy"]
    # A second visit, even a second press of the button, keeps the same pending secret (the
    # app may already hold it).
    client.get(ENROL)
    client.post(ENROL_START)
    assert secret.replace(" ", "") in client.get(ENROL).content.decode().replace(" ", "")
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(action="user.otp_enrolment_start").count() == 1

    wrong = client.post(ENROL, {"code": "000000"})
    assert b"This code is not valid." in wrong.content
    assert AccessDenial.objects.filter(action="otp_enrol").exists()
    assert client.get("/dossiers/")["Location"].startswith(ENROL)
    unthrottle(user)

    done = client.post(ENROL, {"code": code_now(device), "next": "/dossiers/"})
    assert done.status_code == 200
    codes = [
        line.split(">")[1].split("<")[0]
        for line in done.content.decode().split("<code data-recovery-code")[1:]
    ]
    assert len(codes) == 10
    assert client.get("/dossiers/").status_code == 200  # enrolling verified the session
    device.refresh_from_db()
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=user).count() == 10
    # Shown once: the enrolment page now only says it is done.
    response = client.get(ENROL)
    assert response["Location"] == "/accounts/two-factor/"
    assert not any(code.encode() in client.get("/accounts/two-factor/").content for code in codes)
    # Audited, without the secret or a code anywhere in the event.
    event = AuditEvent.objects.get(action="user.otp_enrol")
    stored = json.dumps(
        {f.name: str(getattr(event, f.name)) for f in AuditEvent._meta.concrete_fields}
    )
    assert device.key not in stored
    assert secret not in stored
    assert not any(code in stored for code in codes)
    # Next sign-in asks for the code; a recovery code from the page also works.
    later = password_only(user.username)
    assert later.get("/dossiers/")["Location"].startswith(OTP)
    assert later.post(OTP, {"code": codes[3]}).status_code == 302


def test_opening_the_enrolment_page_writes_nothing(world: World) -> None:
    """A GET (a link preview, a prefetch, a reload) creates no device and logs no event."""
    user = _new_user(world)
    enrolment_code = enrolment_code_issue(actor=world.users["coordinator"], user=user)
    client = password_only(user.username)
    events, denials = AuditEvent.objects.count(), AccessDenial.objects.count()
    for _ in range(2):
        page = client.get(ENROL)
        assert page.status_code == 200
        assert b"Set up an authenticator" in page.content
        assert b"data-otp-secret" not in page.content
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.count() == events
    assert AccessDenial.objects.count() == denials
    # Only the button's POST starts it, audited once, without the secret.
    assert client.post(ENROL_START, {"enrolment_code": enrolment_code}).status_code == 302
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    event = AuditEvent.objects.get(action="user.otp_enrolment_start")
    assert AuditEvent.objects.count() == events + 1
    assert event.object_id == str(user.public_id)
    assert device.key not in json.dumps(
        {f.name: str(getattr(event, f.name)) for f in AuditEvent._meta.concrete_fields}
    )
    # The start is a POST only.
    assert client.get(ENROL_START).status_code == 405


def test_confirming_before_starting_asks_to_start(world: World) -> None:
    user = _new_user(world)
    client = password_only(user.username)
    response = client.post(ENROL, {"code": "123456"})
    assert response.status_code == 200
    assert b"Start the enrolment again." in response.content
    assert b"Set up an authenticator" in response.content
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert client.get("/dossiers/")["Location"].startswith(ENROL)


def test_a_password_alone_cannot_replace_an_enrolled_authenticator(world: World) -> None:
    client = password_only("coordinator")
    response = client.get(ENROL)
    assert response["Location"] == OTP
    response = client.post(ENROL, {"code": "123456"})
    assert response["Location"] == OTP
    response = client.post(ENROL_START)
    assert response["Location"] == OTP
    assert TOTPDevice.objects.filter(user=world.users["coordinator"]).count() == 1
    assert not AuditEvent.objects.filter(action="user.otp_enrolment_start").exists()


# --- Recovery codes and reset -------------------------------------------------------------------


def test_user_regenerates_recovery_codes(world: World) -> None:
    user = world.users["forensic"]
    old = otp_recovery_codes_regenerate(actor=user)
    client = world.client("forensic")
    page = client.get("/accounts/two-factor/")
    assert b"10 recovery codes left." in page.content
    response = client.post("/accounts/two-factor/recovery-codes/")
    assert response.status_code == 200
    new = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(new) == 10
    assert not new & set(old)
    assert all(code.encode() in response.content for code in new)
    assert (
        AuditEvent.objects.filter(
            action="user.otp_recovery_codes", object_id=str(user.public_id)
        ).count()
        == 2
    )
    other = password_only("forensic")
    assert b"This code is not valid." in other.post(OTP, {"code": old[0]}).content


def test_coordinator_resets_a_users_second_factor(world: World) -> None:
    target = world.users["north_observer"]
    otp_recovery_codes_regenerate(actor=target)
    target_session = world.client("north_observer")
    assert target_session.get("/dossiers/").status_code == 200
    coordinator = world.client("coordinator")
    page = coordinator.get(f"/users/{target.public_id}/").content
    assert b"Reset two-factor sign-in" in page
    response = coordinator.post(f"/users/{target.public_id}/two-factor/reset/")
    # The same step issues the enrolment code the user needs to set it up again, shown once.
    assert response.status_code == 200
    assert b"data-enrolment-code" in response.content
    assert AuditEvent.objects.filter(
        action="user.enrolment_code_issue", object_id=str(target.public_id)
    ).exists()
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert not StaticDevice.objects.filter(user=target).exists()
    event = AuditEvent.objects.get(action="user.otp_reset")
    assert event.object_id == str(target.public_id)
    assert event.actor_id == str(world.users["coordinator"].public_id)
    # The target's live session is no longer verified: it must enrol again.
    assert target_session.get("/dossiers/")["Location"].startswith(ENROL)
    assert password_only("north_observer").get("/dossiers/")["Location"].startswith(ENROL)


@pytest.mark.parametrize("persona", ["north_negotiator", "delegate", "auditor"])
def test_only_coordinators_reset_and_others_get_404(world: World, persona: str) -> None:
    target = world.users["south_observer"]
    response = world.client(persona).post(f"/users/{target.public_id}/two-factor/reset/")
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=target).exists()
    assert not AuditEvent.objects.filter(action="user.otp_reset").exists()
    assert AccessDenial.objects.filter(path=f"/users/{target.public_id}/two-factor/reset/").exists()


# --- One's own status in the API ---------------------------------------------------------------


def test_the_api_tells_a_user_their_own_second_factor_status(world: World) -> None:
    user = world.users["south_negotiator"]
    client = world.client("south_negotiator")
    assert client.get(STATUS_API).json() == {
        "enrolled": True,
        "recovery_codes_left": 0,
        "required": True,
    }
    codes = otp_recovery_codes_regenerate(actor=user)
    assert client.get(STATUS_API).json()["recovery_codes_left"] == 10
    assert password_only("south_negotiator").post(OTP, {"code": codes[0]}).status_code == 302
    response = client.get(STATUS_API)
    assert response.json()["recovery_codes_left"] == 9
    # Never a secret, a code or a device id.
    device = TOTPDevice.objects.get(user=user)
    body = response.content.decode()
    assert device.key not in body
    assert not any(code in body for code in codes)
    assert device.persistent_id not in body
    # The same status the page shows.
    assert b"9 recovery codes left." in client.get("/accounts/two-factor/").content


def test_the_api_status_of_a_user_without_an_authenticator(world: World, settings: Any) -> None:
    settings.INTERMEDIARY_REQUIRE_2FA = False
    user = _new_user(world)
    _token, plaintext = api_token_create(actor=user, name="script")
    response = Client().get(STATUS_API, headers={"Authorization": f"Bearer {plaintext}"})
    assert response.json() == {"enrolled": False, "recovery_codes_left": 0, "required": False}
    # A password-only session, when the second factor is required, gets the usual 401.
    settings.INTERMEDIARY_REQUIRE_2FA = True
    assert password_only(user.username).get(STATUS_API).status_code == 401


def test_the_access_module_lets_nobody_read_another_users_second_factor(world: World) -> None:
    from intermediary.access.policy import Perm, can

    coordinator = world.users["coordinator"]
    assert can(coordinator, Perm.SECOND_FACTOR_VIEW, coordinator)
    assert not can(coordinator, Perm.SECOND_FACTOR_VIEW, world.users["north_observer"])
    assert not can(world.users["north_observer"], Perm.SECOND_FACTOR_VIEW, coordinator)


# --- The demo's optional mode and the setting ---------------------------------------------------


def test_optional_mode_lets_unenrolled_users_in_but_asks_the_enrolled(
    world: World, settings: Any
) -> None:
    settings.INTERMEDIARY_REQUIRE_2FA = False
    user = _new_user(world)
    client = password_only(user.username)
    assert client.get("/dossiers/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    assert b"optional here" in client.get("/accounts/two-factor/").content
    assert client.get(ENROL).status_code == 200  # may enrol from the account page
    # Someone who enrolled is asked for the code all the same.
    enrolled = password_only("coordinator")
    assert enrolled.get("/dossiers/")["Location"].startswith(OTP)
    assert enrolled.get("/api/v1/me").status_code == 401


@pytest.mark.slow
def test_the_setting_refuses_a_word_it_does_not_know(tmp_path: Path) -> None:
    result = _run_check(
        {"INTERMEDIARY_REQUIRE_2FA": "flase", "INTERMEDIARY_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "INTERMEDIARY_REQUIRE_2FA" in result.stderr


@pytest.mark.slow
def test_check_deploy_warns_when_production_turns_the_second_factor_off(tmp_path: Path) -> None:
    result = _run_check(
        {
            "INTERMEDIARY_MODE": "production",
            "SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-value-0123456789",
            "ALLOWED_HOSTS": "intermediary.example.org",
            "INTERMEDIARY_VAR_DIR": str(tmp_path),
            "INTERMEDIARY_REQUIRE_2FA": "false",
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode != 0
    assert "intermediary.W001" in result.stdout + result.stderr
