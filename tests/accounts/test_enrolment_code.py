"""The enrolment code: where the second factor is required, a password alone (perhaps stolen)
cannot bind an authenticator; the single-use code a coordinator hands over out of band is
needed as well. Issue, show once, hash, expiry, throttling, consumption, and who may issue."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from intermediary.access.policy import SYSTEM
from intermediary.accounts import services
from intermediary.accounts.models import EnrolmentCode, User
from intermediary.accounts.services import enrolment_code_issue, otp_reset, user_create
from intermediary.audit.models import AccessDenial, AuditEvent
from intermediary.cli import main
from tests.accounts.test_two_factor import code_now, password_only
from tests.conftest import PASSWORD, World
from tests.test_settings import _run_check

pytestmark = pytest.mark.django_db

ENROL = "/accounts/two-factor/enrol/"
ENROL_START = "/accounts/two-factor/enrol/start/"


def _new_user(world: World, username: str = "new.observer") -> User:
    """A user as a coordinator creates them: a password, no authenticator yet."""
    return user_create(
        actor=SYSTEM,
        username=username,
        password=PASSWORD,
        organisation=world.orgs["NORTH"],
        roles=["observer"],
    )


def _issue(world: World, user: User) -> str:
    return enrolment_code_issue(actor=world.users["coordinator"], user=user)


def _denials(user: User, action: str) -> int:
    return AccessDenial.objects.filter(action=action, object_ref=str(user.public_id)).count()


def _start(client: Client, code: str | None) -> Any:
    data = (
        {"next": "/dossiers/"} if code is None else {"next": "/dossiers/", "enrolment_code": code}
    )
    return client.post(ENROL_START, data)


def _enrol(client: Client, user: User, code: str) -> Any:
    """Start with ``code`` and confirm with the app's current code; the confirmation response."""
    assert _start(client, code).status_code == 302
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return client.post(ENROL, {"code": code_now(device), "next": "/dossiers/"})


def _unthrottle(user: User) -> None:
    """Let the back-off after a wrong enrolment code elapse."""
    EnrolmentCode.objects.filter(user=user).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
    )


# --- Refusals -----------------------------------------------------------------------------------


def test_without_a_code_no_authenticator_is_started(world: World) -> None:
    user = _new_user(world)
    _issue(world, user)
    client = password_only(user.username)
    page = client.get(ENROL)
    assert b'name="enrolment_code"' in page.content
    response = _start(client, None)
    assert response.status_code == 200
    assert b"Enter the enrolment code a coordinator gave you." in response.content
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert _denials(user, "otp_enrolment_code") == 1
    assert not AuditEvent.objects.filter(action="user.otp_enrolment_start").exists()
    # The session is still held at enrolment, and confirming anything is refused.
    assert client.get("/dossiers/")["Location"].startswith(ENROL)
    assert b"Start the enrolment again." in client.post(ENROL, {"code": "123456"}).content
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_a_user_without_any_code_is_refused(world: World) -> None:
    user = _new_user(world)
    client = password_only(user.username)
    response = _start(client, "AAAA-BBBB-CCCC-DDDD")
    assert b"This enrolment code is not valid." in response.content
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert _denials(user, "otp_enrolment_code") == 1


def test_a_wrong_code_is_refused_logged_and_throttled(world: World) -> None:
    user = _new_user(world)
    code = _issue(world, user)
    client = password_only(user.username)
    response = _start(client, "AAAA-BBBB-CCCC-DDDD")
    assert b"This enrolment code is not valid." in response.content
    assert _denials(user, "otp_enrolment_code") == 1
    assert EnrolmentCode.objects.get(user=user).throttling_failure_count == 1
    # Right away, even the right code is not checked: django-otp's back-off.
    response = _start(client, code)
    assert b"Too many wrong codes" in response.content
    assert _denials(user, "otp_enrolment_code_throttled") == 1
    assert not TOTPDevice.objects.filter(user=user).exists()
    _unthrottle(user)
    assert _start(client, code).status_code == 302
    assert TOTPDevice.objects.filter(user=user, confirmed=False).count() == 1
    assert EnrolmentCode.objects.get(user=user).throttling_failure_count == 0


def test_an_expired_code_is_refused(world: World) -> None:
    user = _new_user(world)
    code = _issue(world, user)
    EnrolmentCode.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(minutes=1))
    client = password_only(user.username)
    response = _start(client, code)
    assert b"This enrolment code has expired." in response.content
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert _denials(user, "otp_enrolment_code_expired") == 1


def test_a_code_that_expires_after_the_start_cannot_confirm(world: World) -> None:
    user = _new_user(world)
    code = _issue(world, user)
    client = password_only(user.username)
    assert _start(client, code).status_code == 302
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    EnrolmentCode.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post(ENROL, {"code": code_now(device)})
    assert b"This enrolment code has expired." in response.content
    device.refresh_from_db()
    assert not device.confirmed
    assert _denials(user, "otp_enrolment_code_expired") == 1
    # The page offers a fresh start, which the expired code cannot make.
    assert b"data-otp-secret" not in response.content
    assert b'name="enrolment_code"' in response.content
    assert b"has expired" in _start(client, code).content
    # A new code from a coordinator does.
    assert _enrol(client, user, _issue(world, user)).status_code == 200
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1


def test_a_pending_authenticator_without_a_code_cannot_be_confirmed(world: World) -> None:
    """One left from before (or started where the code was not needed) stays unconfirmable."""
    user = _new_user(world)
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    step = services.otp_enrolment_confirm(
        actor=user, code=code_now(device), started_device=device.persistent_id
    )
    assert not step.ok
    assert step.refused == "code_missing"
    device.refresh_from_db()
    assert not device.confirmed
    assert _denials(user, "otp_enrolment_code") == 1


def test_another_password_session_never_sees_nor_confirms_the_pending_secret(
    world: World,
) -> None:
    """A thief signed in with the password while the user enrols learns nothing."""
    user = _new_user(world)
    code = _issue(world, user)
    owner = password_only(user.username)
    assert _start(owner, code).status_code == 302
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert b"data-otp-secret" in owner.get(ENROL).content
    thief = password_only(user.username)
    page = thief.get(ENROL)
    assert b"data-otp-secret" not in page.content
    assert device.config_url.encode() not in page.content
    response = thief.post(ENROL, {"code": code_now(device)})
    assert b"Start the enrolment again." in response.content
    device.refresh_from_db()
    assert not device.confirmed
    # Pressing the button without the code starts nothing and leaves the owner's alone.
    assert b"Enter the enrolment code" in _start(thief, "").content
    assert TOTPDevice.objects.get(user=user, confirmed=False).pk == device.pk


# --- Success, consumption, replacement ----------------------------------------------------------


def test_the_right_code_enrols_once_and_is_consumed(world: World) -> None:
    user = _new_user(world)
    code = _issue(world, user)
    client = password_only(user.username)
    # Typed by hand: case, spaces and dashes do not matter.
    typed = code.lower().replace("-", " ")
    done = _enrol(client, user, typed)
    assert done.status_code == 200
    assert b"data-recovery-code" in done.content
    assert client.get("/dossiers/").status_code == 200
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert not EnrolmentCode.objects.filter(user=user).exists()
    # Used once: after a reset without a new code, the old one no longer starts anything.
    otp_reset(actor=world.users["coordinator"], user=user)
    again = password_only(user.username)
    response = _start(again, code)
    assert b"This enrolment code is not valid." in response.content
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_a_new_code_replaces_the_old_one_and_its_pending_authenticator(world: World) -> None:
    user = _new_user(world)
    old = _issue(world, user)
    client = password_only(user.username)
    assert _start(client, old).status_code == 302
    pending = TOTPDevice.objects.get(user=user, confirmed=False)
    new = _issue(world, user)
    assert new != old
    assert EnrolmentCode.objects.filter(user=user).count() == 1
    assert not TOTPDevice.objects.filter(pk=pending.pk).exists()
    assert b"Start the enrolment again." in client.post(ENROL, {"code": code_now(pending)}).content
    assert b"This enrolment code is not valid." in _start(client, old).content
    _unthrottle(user)
    assert _enrol(client, user, new).status_code == 200
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_no_code_for_a_user_already_enrolled(world: World) -> None:
    target = world.users["north_observer"]
    client = world.client("coordinator")
    response = client.post(f"/users/{target.public_id}/two-factor/enrolment-code/")
    assert response.status_code == 302
    assert not EnrolmentCode.objects.filter(user=target).exists()
    assert b"reset it first" in client.get(response["Location"]).content


# --- The coordinator's side ---------------------------------------------------------------------


def test_the_coordinator_sees_the_code_once(world: World) -> None:
    user = _new_user(world)
    client = world.client("coordinator")
    assert b"Issue an enrolment code" in client.get(f"/users/{user.public_id}/").content
    response = client.post(f"/users/{user.public_id}/two-factor/enrolment-code/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    code = body.split("data-enrolment-code>")[1].split("<")[0]
    assert len(code.replace("-", "")) == 16
    # The user's page says a code is waiting; the code itself is never shown again.
    page = client.get(f"/users/{user.public_id}/").content.decode()
    assert "data-enrolment-code-waiting" in page
    assert code not in page
    assert code.replace("-", "") not in page
    # And it works for the user.
    assert _enrol(password_only(user.username), user, code).status_code == 200


def test_a_reset_issues_a_fresh_code_that_enrols(world: World) -> None:
    target = world.users["south_observer"]
    response = world.client("coordinator").post(f"/users/{target.public_id}/two-factor/reset/")
    assert response.status_code == 200
    code = response.content.decode().split("data-enrolment-code>")[1].split("<")[0]
    client = password_only("south_observer")
    assert client.get("/dossiers/")["Location"].startswith(ENROL)
    assert _enrol(client, target, code).status_code == 200
    assert client.get("/dossiers/").status_code == 200


def test_the_code_is_stored_only_as_a_hash(world: World) -> None:
    user = _new_user(world)
    code = _issue(world, user)
    row = EnrolmentCode.objects.get(user=user)
    plain = code.replace("-", "")
    assert row.code_hash == hashlib.sha256(plain.encode()).hexdigest()
    stored = json.dumps({f.name: str(getattr(row, f.attname)) for f in row._meta.concrete_fields})
    assert plain not in stored
    assert code not in stored
    assert plain.lower() not in stored.lower()


def test_audit_events_and_logs_never_hold_the_code(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    payloads: list[dict[str, Any]] = []
    from intermediary.audit.services import audit_append as original

    def recording(**kwargs: Any) -> Any:
        payloads.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr("intermediary.accounts.services.audit_append", recording)
    caplog.set_level(logging.DEBUG)
    user = _new_user(world)
    client = world.client("coordinator")
    response = client.post(f"/users/{user.public_id}/two-factor/enrolment-code/")
    code = response.content.decode().split("data-enrolment-code>")[1].split("<")[0]
    assert _enrol(password_only(user.username), user, code).status_code == 200
    actions = [p["action"] for p in payloads]
    assert "user.enrolment_code_issue" in actions
    assert "user.otp_enrolment_start" in actions
    assert "user.otp_enrol" in actions
    enrol = next(p for p in payloads if p["action"] == "user.otp_enrol")
    assert enrol["payload"]["enrolment_code_consumed"] is True
    plain = code.replace("-", "")
    digest = hashlib.sha256(plain.encode()).hexdigest()
    written = json.dumps(payloads, default=str)
    for secret in (code, plain, digest):
        assert secret not in written
        assert secret not in caplog.text
    events = json.dumps(
        [
            {f.name: str(getattr(e, f.name)) for f in AuditEvent._meta.concrete_fields}
            for e in AuditEvent.objects.all()
        ]
    )
    assert plain not in events
    assert code not in events
    denials = json.dumps(list(AccessDenial.objects.values()), default=str)
    assert plain not in denials


@pytest.mark.parametrize("persona", ["delegate", "auditor", "north_negotiator", "north_observer"])
def test_only_coordinators_issue_codes(world: World, persona: str) -> None:
    target = _new_user(world)
    path = f"/users/{target.public_id}/two-factor/enrolment-code/"
    response = world.client(persona).post(path)
    assert response.status_code == 404
    assert not EnrolmentCode.objects.filter(user=target).exists()
    assert not AuditEvent.objects.filter(action="user.enrolment_code_issue").exists()
    assert AccessDenial.objects.filter(path=path).exists()


def test_a_user_who_does_not_exist_is_404_for_a_coordinator(world: World) -> None:
    path = "/users/00000000-0000-4000-8000-000000000000/two-factor/enrolment-code/"
    assert world.client("coordinator").post(path).status_code == 404


def test_the_service_refuses_a_non_coordinator(world: World) -> None:
    from intermediary.access.policy import PermissionDenied

    target = _new_user(world)
    with pytest.raises(PermissionDenied):
        enrolment_code_issue(actor=world.users["delegate"], user=target)
    with pytest.raises(PermissionDenied):
        enrolment_code_issue(actor=target, user=target)
    assert not EnrolmentCode.objects.filter(user=target).exists()


# --- Optional mode (the demo) -------------------------------------------------------------------


def test_optional_mode_enrols_without_a_code(world: World, settings: Any) -> None:
    settings.INTERMEDIARY_REQUIRE_2FA = False
    user = _new_user(world)
    client = password_only(user.username)
    page = client.get(ENROL)
    assert b'name="enrolment_code"' not in page.content
    done = _enrol(client, user, "")
    assert done.status_code == 200
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert not AccessDenial.objects.filter(action__startswith="otp_enrolment_code").exists()
    # A reset there issues no code (none is needed).
    response = world.client("coordinator").post(f"/users/{user.public_id}/two-factor/reset/")
    assert response.status_code == 302
    assert not EnrolmentCode.objects.filter(user=user).exists()


# --- The first coordinator and the operator's command -------------------------------------------


def test_bootstrap_prints_the_first_coordinators_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INTERMEDIARY_BOOTSTRAP_PASSWORD", "a-long-bootstrap-pass-1")
    assert main(["bootstrap", "--name", "Relief", "--short-name", "RO", "--username", "ro"]) == 0
    out = capsys.readouterr().out
    code = out.split("hours): ")[1].split()[0]
    user = User.objects.get(username="ro")
    assert (
        EnrolmentCode.objects.get(user=user).code_hash
        == hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    )
    step = services.otp_enrolment_start(actor=user, enrolment_code=code)
    assert step.ok


def test_the_operator_issues_a_code_from_the_command_line(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    user = _new_user(world)
    assert main(["enrolment-code", user.username]) == 0
    code = capsys.readouterr().out.split("hours): ")[1].split()[0]
    assert services.otp_enrolment_start(actor=user, enrolment_code=code).ok
    assert main(["enrolment-code", "nobody.here"]) == 2
    assert main(["enrolment-code", "coordinator"]) == 2  # already enrolled: reset first
    assert "reset it first" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("value", ["72h", "0", "-5", "721", "seventy"])
def test_the_validity_setting_refuses_what_it_does_not_know(tmp_path: Path, value: str) -> None:
    result = _run_check(
        {"INTERMEDIARY_ENROLMENT_CODE_HOURS": value, "INTERMEDIARY_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "INTERMEDIARY_ENROLMENT_CODE_HOURS" in result.stderr


@pytest.mark.slow
def test_the_validity_setting_takes_hours(tmp_path: Path) -> None:
    result = _run_check(
        {"INTERMEDIARY_ENROLMENT_CODE_HOURS": "24", "INTERMEDIARY_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr
