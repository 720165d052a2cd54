"""The dossier page's party buttons and the API's party endpoints: thin callers of the same
services, with the same answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from intermediary.dossiers.models import DossierParty
from tests.conftest import World
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db

REASON = "Suspended after the incident of 3 May"


def _messages(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def _url(world: World, name: str, party: str = "NORTH") -> str:
    kwargs = {"public_id": world.dossier.public_id, "organisation_id": world.orgs[party].public_id}
    return reverse(name, kwargs=kwargs)


def _detail(world: World) -> str:
    return reverse("dossiers-detail", kwargs={"public_id": world.dossier.public_id})


def _north(world: World) -> DossierParty:
    return DossierParty.objects.get(dossier=world.dossier, organisation=world.orgs["NORTH"])


def _api(world: World, party: str = "NORTH") -> str:
    org = world.orgs[party].public_id
    return f"/api/v1/dossiers/{world.dossier.public_id}/parties/{org}"


def test_withdrawing_from_the_page_needs_the_box_ticked(world: World) -> None:
    client = world.client("coordinator")
    response = client.post(_url(world, "dossiers-withdraw-party"), {"reason": REASON})
    assert response.status_code == 302
    assert _messages(response) == [("error", "I confirm: This field is required.")]
    assert not _north(world).is_withdrawn


def test_withdrawing_from_the_page_shows_when_by_whom_and_why(world: World) -> None:
    client = world.client("coordinator")
    response = client.post(
        _url(world, "dossiers-withdraw-party"), {"reason": REASON, "confirm": "on"}
    )
    assert response.status_code == 302
    assert response["Location"] == _detail(world)
    assert _messages(response) == [
        ("success", "Party withdrawn: its users no longer see this dossier.")
    ]
    link = _north(world)
    assert link.withdrawal_reason == REASON
    page = client.get(_detail(world)).content.decode()
    when = link.withdrawn_at.strftime("%Y-%m-%d") if link.withdrawn_at else "?"
    assert "withdrawn" in page
    assert when in page
    assert "by coordinator" in page
    assert REASON in page
    assert _url(world, "dossiers-reinstate-party") in page


def test_the_other_party_sees_the_withdrawal_but_not_who_or_why(world: World) -> None:
    world.client("coordinator").post(
        _url(world, "dossiers-withdraw-party"), {"reason": REASON, "confirm": "on"}
    )
    page = world.client("south_observer").get(_detail(world)).content.decode()
    assert "withdrawn" in page
    assert REASON not in page
    assert "coordinator" not in page
    assert _url(world, "dossiers-reinstate-party") not in page


def test_reinstating_from_the_page(world: World) -> None:
    client = world.client("coordinator")
    client.post(_url(world, "dossiers-withdraw-party"), {"reason": REASON, "confirm": "on"})
    response = client.post(
        _url(world, "dossiers-reinstate-party"), {"reason": "Talks resumed", "confirm": "on"}
    )
    # The withdrawal's message was never shown (no redirect followed): both are pending.
    assert _messages(response)[-1] == (
        "success",
        "Party reinstated: its users see this dossier again.",
    )
    assert not _north(world).is_withdrawn
    assert world.client("north_observer").get(_detail(world)).status_code == 200


def test_a_refused_removal_is_flashed_with_what_refers_to_the_party(world: World) -> None:
    make_person(world, "NORTH")
    response = world.client("coordinator").post(
        _url(world, "dossiers-remove-party"), {"confirm": "on"}
    )
    [(level, text)] = _messages(response)
    assert level == "error"
    assert "registry persons it holds: 1" in text
    assert _north(world)


def test_party_buttons_are_post_only(world: World) -> None:
    client = world.client("coordinator")
    for name in ("dossiers-remove-party", "dossiers-withdraw-party", "dossiers-reinstate-party"):
        assert client.get(_url(world, name)).status_code == 405


def test_an_organisation_that_is_no_party_of_the_dossier_is_not_found(world: World) -> None:
    response = world.client("coordinator").post(
        _url(world, "dossiers-withdraw-party", party="EAST"), {"reason": REASON, "confirm": "on"}
    )
    assert response.status_code == 404
    api = world.client("coordinator").post(
        f"{_api(world, 'EAST')}/withdraw", {"reason": REASON}, content_type="application/json"
    )
    assert api.status_code == 404


def test_api_withdraw_and_reinstate(world: World) -> None:
    client = world.client("coordinator")
    response = client.post(
        f"{_api(world)}/withdraw", {"reason": REASON}, content_type="application/json"
    )
    assert response.status_code == 200
    links = {p["organisation"]["short_name"]: p for p in response.json()["party_links"]}
    assert links["NORTH"]["withdrawal_reason"] == REASON
    assert links["NORTH"]["withdrawn_by"] == "coordinator"
    assert links["NORTH"]["withdrawn_at"] is not None
    assert links["SOUTH"]["withdrawn_at"] is None
    # Every linked party is still listed; the link says which one is withdrawn.
    assert {p["short_name"] for p in response.json()["parties"]} == {"NORTH", "SOUTH"}
    seen_by_south = world.client("south_negotiator").get(
        f"/api/v1/dossiers/{world.dossier.public_id}"
    )
    south_view = {p["organisation"]["short_name"]: p for p in seen_by_south.json()["party_links"]}
    assert south_view["NORTH"]["withdrawn_at"] is not None
    assert south_view["NORTH"]["withdrawn_by"] is None
    assert south_view["NORTH"]["withdrawal_reason"] is None
    again = client.post(
        f"{_api(world)}/withdraw", {"reason": REASON}, content_type="application/json"
    )
    assert again.status_code == 422
    back = client.post(
        f"{_api(world)}/reinstate", {"reason": "Talks resumed"}, content_type="application/json"
    )
    assert back.status_code == 200
    assert not _north(world).is_withdrawn


def test_api_withdraw_needs_a_reason(world: World) -> None:
    response = world.client("coordinator").post(
        f"{_api(world)}/withdraw", {"reason": " "}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"reason": ["Give the reason."]}


def test_api_remove_refused_names_the_references(world: World) -> None:
    make_person(world, "NORTH")
    response = world.client("coordinator").delete(_api(world))
    assert response.status_code == 422
    [message] = response.json()["error"]["fields"]["organisation"]
    assert "registry persons it holds: 1" in message
