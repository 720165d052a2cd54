"""In a real browser: a field delegate corrects a person's name into Arabic script and sees it
on the person's page; then corrects the person's rank."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.browser import login
from tests.conftest import PASSWORD, World
from tests.registry.factories import make_person

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORRECTED = "أحمد حسن الخطيب"


def test_correct_a_name_in_arabic_script_and_see_it_on_the_person_page(
    world: World, live_server: Any, browser_page: Page
) -> None:
    person = make_person(world)
    page = browser_page
    login(page, live_server.url, "delegate", PASSWORD)
    page.goto(f"{live_server.url}/registry/persons/{person.public_id}/")

    page.get_by_role("link", name="Correct Ahmad Hassan").click()
    assert page.get_by_role("heading", name="Correct a name: Ahmad Hassan").is_visible()
    page.get_by_label("Name as given").fill(CORRECTED)
    page.get_by_label("Given name").fill("أحمد")
    page.get_by_label("Family name").fill("الخطيب")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()

    assert page.get_by_role("status").inner_text() == "Name corrected."
    row = page.get_by_role("row").filter(has_text=CORRECTED)
    cells = row.locator("td").all_inner_texts()
    assert cells[:3] == [CORRECTED, "Arabic", "أحمد · الخطيب"]
    assert page.get_by_role("row").filter(has_text="Ahmad Hassan").count() == 0
    # The name sits in its own right-to-left isolate inside the left-to-right page.
    assert row.locator("bdi").first.get_attribute("dir") == "auto"

    page.get_by_role("link", name="Edit person").click()
    page.get_by_label("Rank").fill("Sergeant")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "Person updated."
    assert "Sergeant" in page.locator(".facts").first.inner_text()
