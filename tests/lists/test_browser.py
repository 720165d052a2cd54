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


@pytest.fixture
def stale_sign_offs(world: World) -> SubmittedList:
    """Two sought entries signed off, a registry person imported after (both sign-offs now
    predate new data), and the list reconciled again without finding anyone for them."""
    from intermediary.lists.services import entry_sign_off
    from tests.lists.conftest import done_run, submit
    from tests.registry.factories import make_person

    submitted = submit(
        world, [["reference", "full_name"], ["S-1", "Karim Nasser"], ["S-2", "Leila Haddad"]]
    )
    done_run(submitted)
    for entry in submitted.entries.all():
        entry_sign_off(actor=world.users["delegate"], entry=entry, note="searched: nobody")
    make_person(world, "NORTH")
    done_run(submitted)
    return submitted


def test_reviewer_renews_the_ticked_sign_offs(
    world: World, stale_sign_offs: SubmittedList, live_server: Any, browser_page: Page
) -> None:
    page = browser_page
    login(page, live_server.url, "delegate", PASSWORD)
    page.goto(f"{live_server.url}/lists/{stale_sign_offs.public_id}/review/")
    page.get_by_role("link", name="Renew sign-offs that predate new data").click()
    assert page.get_by_text("2 entries the fresh search found nobody for").is_visible()

    # Leila is left out: only what the reviewer ticked is renewed.
    page.get_by_label("Leila Haddad").uncheck()
    page.get_by_label("What was searched again (intermediary only)").fill("searched again")
    page.get_by_role("button", name="Renew the ticked sign-offs").click()
    page.wait_for_load_state()
    assert page.get_by_text("1 sign-off renewed.").is_visible()
    assert page.get_by_text("1 entry the fresh search found nobody for").is_visible()
    assert page.locator("#renewable ~ form").get_by_text("Leila Haddad").is_visible()


def test_negotiator_uploads_checks_the_preview_and_submits(
    world: World, live_server: Any, browser_page: Page, tmp_path: Any
) -> None:
    from tests.lists.conftest import csv_bytes

    upload = tmp_path / "sought.csv"
    upload.write_bytes(
        csv_bytes(
            [
                ["reference", "full_name", "date_of_birth"],
                ["S-1", "يوسف عبد الرحمن", "03/04/1990"],
                ["S-2", "מרים חדאד", "1985"],
                ["S-3", "Samir Khoury", ""],
            ]
        )
    )
    page = browser_page
    login(page, live_server.url, "south_negotiator", PASSWORD)
    page.goto(f"{live_server.url}/dossiers/{world.dossier.public_id}/lists/")
    page.get_by_role("link", name="Submit a list").click()
    page.get_by_label("Kind of list").select_option("sought")
    page.get_by_label("File (CSV or XLSX)").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_load_state()

    # The preview: what was read, nothing submitted yet.
    assert page.get_by_role("heading", name="Check the list before submitting").is_visible()
    rows = page.locator("#draft-rows")
    for name in ("يوسف عبد الرحمن", "מרים חדאד", "Samir Khoury"):
        assert rows.locator('bdi[dir="auto"]', has_text=name).is_visible()
    assert rows.get_by_text("1990-04-03").is_visible()
    assert page.locator("#draft-entries").inner_text() == "3"
    previewed = page.locator("#draft-sha256").inner_text()

    page.get_by_role("button", name="Submit this list").click()
    page.wait_for_load_state()
    assert page.get_by_text("List received: 3 entries.").is_visible()
    assert page.locator("#list-sha256").inner_text() == previewed
