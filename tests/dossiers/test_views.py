"""The dossier pages' form handling: what is flashed, where it redirects, what re-renders."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from intermediary.dossiers.models import DossierParty
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _messages(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def _detail(world: World) -> str:
    return reverse("dossiers-detail", kwargs={"public_id": world.dossier.public_id})


def _post(world: World, name: str, data: dict[str, Any]) -> Any:
    url = reverse(name, kwargs={"public_id": world.dossier.public_id})
    return world.client("coordinator").post(url, data)


def test_opening_a_dossier_flashes_its_reference_and_redirects(world: World) -> None:
    parties = [world.orgs["NORTH"].public_id, world.orgs["EAST"].public_id]
    response = world.client("coordinator").post(
        reverse("dossiers-create"), {"title": "Second exchange", "parties": parties}
    )
    assert response.status_code == 302
    [(level, text)] = _messages(response)
    assert level == "success"
    assert text.startswith("Dossier DOS-")
    assert text.endswith(" opened.")


def test_an_invalid_dossier_form_re_renders_with_the_input_and_no_message(world: World) -> None:
    response = world.client("coordinator").post(reverse("dossiers-create"), {"title": "Kept"})
    assert response.status_code == 200
    assert 'value="Kept"' in response.content.decode()
    assert response.context["form"].errors["parties"] == ["This field is required."]
    assert _messages(response) == []


def test_adding_a_party_flashes_success(world: World) -> None:
    response = _post(world, "dossiers-add-party", {"organisation": world.orgs["EAST"].public_id})
    assert response["Location"] == _detail(world)
    assert _messages(response) == [("success", "Party added.")]
    assert DossierParty.objects.filter(dossier=world.dossier).count() == 3


def test_a_refused_party_is_flashed_with_the_field_label(world: World) -> None:
    response = _post(world, "dossiers-add-party", {"organisation": world.orgs["NORTH"].public_id})
    assert response["Location"] == _detail(world)
    assert _messages(response) == [("error", "Party: This party is already in the dossier.")]


def test_assigning_staff_flashes_success_and_refusals(world: World) -> None:
    user = world.users["delegate_unassigned"].public_id
    response = _post(world, "dossiers-assign-member", {"user": user})
    assert _messages(response) == [("success", "Staff member assigned.")]  # a new client each
    response = _post(world, "dossiers-assign-member", {"user": user})
    assert response["Location"] == _detail(world)
    [(level, text)] = _messages(response)
    assert level == "error"
    assert text.startswith("Staff member: ")


def test_status_changes_flash_success_and_service_refusals(world: World) -> None:
    response = _post(world, "dossiers-set-status", {"status": "closed"})
    assert _messages(response) == [("success", "Status changed.")]
    response = _post(world, "dossiers-set-status", {"status": "no-such-status"})
    assert response["Location"] == _detail(world)
    assert _messages(response) == [("error", "Unknown status.")]
