"""In a real browser: a new user signs in, is sent to enrolment, starts it with the button and
the enrolment code a coordinator issued (a wrong one is refused first), scans (reads) the QR
page, confirms with a code, keeps the recovery codes, and reaches the dossiers; the strict CSP
blocks nothing on the way."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from intermediary.access.policy import SYSTEM
from intermediary.accounts.models import EnrolmentCode
from intermediary.accounts.services import enrolment_code_issue, user_create
from tests.conftest import PASSWORD, World

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enrol_an_authenticator_in_the_browser(
    world: World, live_server: Any, browser_page: Page
) -> None:
    user = user_create(
        actor=SYSTEM,
        username="new.negotiator",
        password=PASSWORD,
        organisation=world.orgs["NORTH"],
        roles=["negotiator"],
    )
    enrolment_code = enrolment_code_issue(actor=world.users["coordinator"], user=user)
    page = browser_page
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        console.append(message.text)

    page.on("console", on_console)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()

    assert "/accounts/two-factor/enrol/" in page.url
    assert page.get_by_role("heading", name="Set up two-factor sign-in").is_visible()
    # Opening the page created nothing: the button does (a POST with the CSRF token).
    assert not TOTPDevice.objects.filter(user=user).exists()
    # Without the right enrolment code nothing starts.
    page.get_by_label("Enrolment code").fill("AAAA-BBBB-CCCC-DDDD")
    page.get_by_role("button", name="Set up an authenticator").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text() == "This enrolment code is not valid."
    assert not TOTPDevice.objects.filter(user=user).exists()
    # django-otp's back-off after the wrong code: let it elapse, as a user waiting would.
    EnrolmentCode.objects.filter(user=user).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
    )
    page.get_by_label("Enrolment code").fill(enrolment_code)
    page.get_by_role("button", name="Set up an authenticator").click()
    page.wait_for_load_state()
    assert "/accounts/two-factor/enrol/?next=" in page.url
    qr = page.locator(".qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert page.get_by_role("navigation", name="Main").count() == 0  # nothing to browse yet

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.get_by_label("Code", exact=True).fill(f"{code:06d}")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", name="Recovery codes").is_visible()
    assert page.locator("[data-recovery-code]").count() == 10
    page.get_by_role("link", name="Continue").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Dossiers").is_visible()
    assert not EnrolmentCode.objects.filter(user=user).exists()  # consumed
    # Nothing refused by the CSP: not the QR code, not the forms, not htmx (configured in
    # base.html not to add its indicator <style>).
    refused = [text for text in console if "Content Security Policy" in text]
    assert not refused, refused
