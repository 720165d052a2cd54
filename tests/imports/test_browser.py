"""In a real browser: a coordinator uploads a list with errors, reads the report, uploads the
fixed list and sees it imported; and a queued import's progress bar turns into its outcome."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connections

from intermediary.imports.models import PersonImport
from intermediary.imports.services import person_import_run, person_import_upload
from intermediary.registry.models import Person
from tests.browser import login
from tests.conftest import PASSWORD, World
from tests.imports.helpers import GOOD_ROWS, csv_bytes

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _async_unsafe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's sync API runs an event loop in this thread; the ORM calls of the test and
    of the live server are synchronous. Scoped to each test, so it never leaks elsewhere."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


BAD_ROWS = [
    GOOD_ROWS[0],
    [*GOOD_ROWS[1][:2], "2008-02-30", *GOOD_ROWS[1][3:]],  # 30 February
    [*GOOD_ROWS[2][:4], "WEST", *GOOD_ROWS[2][5:]],  # no such party
]


def _upload(page: Page, name: str, content: bytes) -> None:
    page.get_by_label("File (CSV or XLSX)").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_load_state()


def test_upload_with_errors_read_report_fix_and_import(
    world: World, live_server: Any, browser_page: Page
) -> None:
    page = browser_page
    login(page, live_server.url, "coordinator", PASSWORD)
    page.goto(f"{live_server.url}/dossiers/{world.dossier.public_id}/")
    page.get_by_role("link", name="Imports of persons (CSV, XLSX)").click()
    assert page.get_by_role("heading", name="Upload a list of persons").is_visible()

    _upload(page, "north-list.csv", csv_bytes(BAD_ROWS))
    assert "The file has 2 errors. Nothing was imported" in page.locator("#outcome").inner_text()
    rows = page.locator("#errors tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td").all_inner_texts() == [
        "3",
        "date_of_birth",
        "2008-02-30 is not a date that exists.",
        "invalid_date",
    ]
    assert rows.nth(1).locator("td").all_inner_texts()[:3] == [
        "4",
        "holding_party",
        "No organisation has the short name 'WEST'.",
    ]
    assert Person.objects.count() == 0

    page.get_by_role("link", name="Back to the imports of this dossier").click()
    _upload(page, "north-list-fixed.csv", csv_bytes(GOOD_ROWS))
    assert page.locator("#outcome").inner_text() == "3 persons imported."
    assert Person.objects.count() == 3

    page.get_by_role("link", name="Back to the imports of this dossier").click()
    history = page.locator("table tbody tr")
    assert history.count() == 2
    assert "Imported" in history.nth(0).inner_text()
    assert "Rejected" in history.nth(1).inner_text()
    fixed = PersonImport.objects.get(filename="north-list-fixed.csv")
    assert page.locator(f"code[title='{fixed.sha256}']").is_visible()


def test_progress_bar_polls_until_the_job_is_done(
    world: World, live_server: Any, browser_page: Page
) -> None:
    job = person_import_upload(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        filename="q.csv",
        content=csv_bytes(),
    )
    page = browser_page
    login(page, live_server.url, "coordinator", PASSWORD)
    page.goto(f"{live_server.url}/imports/{job.public_id}/")
    assert page.locator("progress").is_visible()
    assert "Waiting for the background worker" in page.locator("#progress").inner_text()

    def work() -> None:
        time.sleep(1.5)  # let the page poll at least once while queued
        try:
            person_import_run(job=PersonImport.objects.get(pk=job.pk))
        finally:
            connections.close_all()  # this thread's own connection, or teardown finds it open

    worker = threading.Thread(target=work)
    worker.start()
    page.locator("#outcome").wait_for(timeout=20_000)
    worker.join()
    assert page.locator("#outcome").inner_text() == "3 persons imported."
    assert page.locator("progress").count() == 0
