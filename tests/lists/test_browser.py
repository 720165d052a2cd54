"""In a real browser: a coordinator opens the review of a sought list, looks at a candidate
side by side, and confirms it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from intermediary.lists.models import SubmittedList
from tests.browser import login
from tests.conftest import PASSWORD, World
from tests.lists.conftest import Registry

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_reviews_and_confirms_a_candidate(
    world: World,
    registry: Registry,
    reconciled: SubmittedList,
    live_server: Any,
    browser_page: Page,
) -> None:
    page = browser_page
    login(page, live_server.url, "coordinator", PASSWORD)
    page.goto(f"{live_server.url}/lists/{reconciled.public_id}/")
    assert page.get_by_text("Reconciliation: Done").is_visible()
    page.get_by_role("link", name="Review candidates").click()
    page.get_by_role("link", name="Registry: يوسف عبد الرحمن").first.click()

    # Side by side: the entry as South wrote it, the registry person with all names.
    table = page.locator("table.side-by-side")
    assert table.get_by_text("Youssef Abdulrahman").is_visible()
    assert table.locator('bdi[dir="auto"]', has_text="يوسف عبد الرحمن").count() >= 2
    assert page.locator("table.explanation").get_by_text("Date of birth").is_visible()

    page.get_by_label("Reviewer note (intermediary only)").fill("Same father's name, same date")
    page.get_by_role("button", name="Confirm match").click()
    page.wait_for_load_state()
    assert page.locator("#current-decision").inner_text() == "Confirmed: same person"
    assert page.get_by_text("Decision recorded.").is_visible()

    # Read back through the page, not the ORM: inside Playwright's event loop the ORM would
    # open a second connection that outlives the test (PostgreSQL then cannot drop the db).
    history = page.locator("section.card ul").last.inner_text()
    assert "coordinator" in history
    assert "Same father's name, same date" in history
