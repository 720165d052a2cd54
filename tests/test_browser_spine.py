"""In a real browser: log in, open a dossier, switch to Arabic and get a right-to-left page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.browser import login
from tests.conftest import PASSWORD, World

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_open_dossier_and_switch_to_arabic(
    world: World, live_server: Any, browser_page: Page
) -> None:
    page = browser_page
    login(page, live_server.url, "north_negotiator", PASSWORD)
    assert page.get_by_role("heading", name="Dossiers").is_visible()

    page.get_by_role("link", name=world.dossier.reference).click()
    assert page.get_by_text("South Authority").is_visible()
    assert page.locator("html").get_attribute("dir") == "ltr"

    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    html = page.locator("html")
    assert html.get_attribute("lang") == "ar"
    assert html.get_attribute("dir") == "rtl"
    # The layout really flips: the brand sits at the right edge in RTL.
    box = page.locator(".brand").bounding_box()
    assert box is not None
    assert box["x"] > page.viewport_size["width"] / 2  # type: ignore[index]


def test_wrong_password_in_the_browser(world: World, live_server: Any, browser_page: Page) -> None:
    login(browser_page, live_server.url, "north_negotiator", "wrong-password")
    assert browser_page.get_by_role("alert").inner_text() == "Wrong username or password."
