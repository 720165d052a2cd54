"""Playwright with Debian's Chromium, shared by every browser test (a pytest plugin module).

CI sets INTERMEDIARY_REQUIRE_BROWSER=1 so a missing browser fails instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = os.environ.get("INTERMEDIARY_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _require_browser() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("INTERMEDIARY_REQUIRE_BROWSER") == "1":
        pytest.fail(f"Chromium is required here but missing at {CHROMIUM}")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture
def browser_page(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Page]:
    """A fresh page in headless Chromium; ``live_server.url`` serves the app."""
    _require_browser()
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (fixtures, assertions) are still synchronous and safe.
    # Restored after the test: left set, it would leak into `check --deploy` subprocesses.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True
        )
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
            # The test body's ORM calls, made while Playwright's sync API runs, leave a
            # connection that Django's own teardown does not close (it then finds the test
            # database "accessed by other users" and cannot drop it): close it here.
            from django.db import connections

            connections.close_all()


def login(page: Page, base_url: str, username: str, password: str) -> None:
    """Log in through the real forms: the password, then (when asked) the second factor with
    the code the persona's authenticator shows now."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if "/accounts/otp/" in page.url:
        from intermediary.accounts.models import User
        from tests.conftest import totp_code

        page.get_by_label("Code", exact=True).fill(totp_code(User.objects.get(username=username)))
        page.get_by_role("button", name="Verify").click()
        page.wait_for_load_state()
