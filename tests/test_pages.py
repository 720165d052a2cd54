"""What each page shows to whom (beyond status codes: the content itself)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_dossier_page_shows_parties_but_not_the_team_to_parties(world: World) -> None:
    url = reverse("dossiers-detail", kwargs={"public_id": world.dossier.public_id})
    staff_page = world.client("coordinator").get(url).content.decode()
    party_page = world.client("north_observer").get(url).content.decode()
    for page in (staff_page, party_page):
        assert "North Authority" in page
        assert "South Authority" in page
    assert "delegate" in staff_page
    assert "Intermediary team" not in party_page
    assert "Add party" not in party_page


def test_dossier_list_only_lists_visible_dossiers(world: World) -> None:
    listed = world.client("north_observer").get("/dossiers/").content.decode()
    assert world.dossier.reference in listed
    assert (
        world.dossier.reference
        not in world.client("east_negotiator").get("/dossiers/").content.decode()
    )


def test_navigation_offers_only_what_the_role_may_use(world: World) -> None:
    party = world.client("north_negotiator").get("/dossiers/").content.decode()
    assert "Audit log" not in party
    assert "Users" not in party
    auditor = world.client("auditor").get("/audit/").content.decode()
    assert "Audit log" in auditor
    assert "Organisations" not in auditor


def test_coordinator_opens_a_dossier_through_the_form(world: World) -> None:
    client = world.client("coordinator")
    response = client.post(
        reverse("dossiers-create"),
        {
            "title": "Remains return",
            "parties": [world.orgs["NORTH"].public_id, world.orgs["EAST"].public_id],
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Remains return" in page
    assert "East Council" in page


def test_form_errors_from_services_are_shown(world: World) -> None:
    response = world.client("coordinator").post(
        reverse("dossiers-create"), {"title": "x", "parties": [world.orgs["NORTH"].public_id]}
    )
    assert response.status_code == 200
    assert "A dossier needs at least two parties." in response.content.decode()


def test_audit_log_page_lists_events_and_loads_more_with_htmx(world: World) -> None:
    client = world.client("auditor")
    page = client.get("/audit/").content.decode()
    assert "dossier.create" in page
    fragment = client.get("/audit/?page=1", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert "dossier.create" in fragment


def test_arabic_interface_is_right_to_left(world: World) -> None:
    client = world.client("north_observer")
    client.post("/i18n/setlang/", {"language": "ar", "next": "/dossiers/"})
    page = client.get("/dossiers/").content.decode()
    assert 'lang="ar"' in page
    assert 'dir="rtl"' in page


def test_admin_is_read_only_for_coordinators(world: World) -> None:
    client = world.client("coordinator")
    assert client.get("/admin/dossiers/dossier/").status_code == 200
    change = client.get(f"/admin/dossiers/dossier/{world.dossier.pk}/change/")
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert client.post(f"/admin/dossiers/dossier/{world.dossier.pk}/delete/").status_code == 403


def test_security_headers_and_no_caching_of_signed_in_pages(world: World) -> None:
    response = world.client("north_observer").get("/dossiers/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "no-store, private"
    assert response["X-Frame-Options"] == "DENY"


def test_api_docs_load_nothing_from_outside(world: World) -> None:
    page = world.client("anonymous").get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "cdn." not in page
    assert "https://" not in page


@pytest.mark.parametrize(
    "path", ["/static/intermediary/app.css", "/static/django_htmx/htmx-2.min.js"]
)
def test_the_server_itself_serves_the_stylesheet_and_htmx(path: str) -> None:
    """What `intermediary serve` answers (WhiteNoise), not the test server's static handler."""
    from django.test import Client

    response = Client().get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)  # type: ignore[attr-defined]
