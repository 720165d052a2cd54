"""The account pages' form handling: what is flashed, where it redirects, what re-renders."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from intermediary.accounts.models import Organisation, User
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.django_db


def _messages(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_changing_the_password_keeps_the_session(world: World) -> None:
    client = world.client("north_observer")
    response = client.post(
        reverse("accounts-password"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-pass-phrase-2026",
            "new_password2": "a-new-pass-phrase-2026",
        },
    )
    assert response["Location"] == reverse("accounts-password")
    assert _messages(response) == [("success", "Password changed.")]
    assert client.get(reverse("dossiers-list")).status_code == 200


def test_a_mistyped_new_password_re_renders_without_a_message(world: World) -> None:
    response = world.client("north_observer").post(
        reverse("accounts-password"),
        {"old_password": PASSWORD, "new_password1": "one-pass-2026", "new_password2": "other"},
    )
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    assert _messages(response) == []


def test_creating_an_organisation_flashes_its_name(world: World) -> None:
    response = world.client("coordinator").post(
        reverse("accounts-organisations"),
        {"name": "West Committee", "short_name": "WEST", "kind": "party"},
    )
    assert response["Location"] == reverse("accounts-organisations")
    assert _messages(response) == [("success", "Organisation West Committee created.")]
    assert Organisation.objects.filter(short_name="WEST").exists()


def test_an_invalid_organisation_re_renders_with_the_input(world: World) -> None:
    response = world.client("coordinator").post(
        reverse("accounts-organisations"), {"name": "No Kind", "short_name": "NK"}
    )
    assert response.status_code == 200
    assert 'value="No Kind"' in response.content.decode()
    assert "kind" in response.context["form"].errors


def test_creating_a_user_flashes_the_username(world: World) -> None:
    response = world.client("coordinator").post(
        reverse("accounts-users"),
        {
            "username": "west.observer",
            "organisation": world.orgs["EAST"].public_id,
            "roles": ["observer"],
            "password": "initial-pass-2026",
        },
    )
    assert response["Location"] == reverse("accounts-users")
    assert _messages(response) == [("success", "User west.observer created.")]


def test_a_role_the_organisation_cannot_have_is_shown_on_the_form(world: World) -> None:
    response = world.client("coordinator").post(
        reverse("accounts-users"),
        {
            "username": "wrong.role",
            "organisation": world.orgs["EAST"].public_id,
            "roles": ["coordinator"],
            "password": "initial-pass-2026",
        },
    )
    assert response.status_code == 200
    assert "does not exist for this kind of organisation" in str(
        response.context["form"].errors["roles"]
    )
    assert not User.objects.filter(username="wrong.role").exists()


def test_saving_roles_and_refusing_to_deactivate_oneself(world: World) -> None:
    client = world.client("coordinator")
    target = world.users["north_observer"]
    detail = reverse("accounts-user-detail", kwargs={"public_id": target.public_id})
    response = client.post(detail, {"roles": ["negotiator"]})
    assert response["Location"] == detail
    assert _messages(response) == [("success", "Roles saved.")]

    own = world.users["coordinator"].public_id
    response = world.client("coordinator").post(
        reverse("accounts-user-active", kwargs={"public_id": own})
    )
    assert response["Location"] == reverse("accounts-user-detail", kwargs={"public_id": own})
    assert _messages(response) == [("error", "You cannot deactivate your own account.")]
