"""API error contract: stable JSON shape, right status, nothing changed, nothing leaked."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from intermediary.accounts.services import api_token_create, api_token_revoke, user_set_active
from intermediary.audit.models import AuditEvent
from intermediary.dossiers.models import Dossier
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _error(response: object) -> dict[str, object]:
    body = json.loads(response.content)  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]  # type: ignore[no-any-return]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_unauthenticated_request_gets_401_json() -> None:
    response = Client().get("/api/v1/dossiers")
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthenticated"


def test_malformed_json_body_is_422_and_changes_nothing(world: World) -> None:
    client = world.client("coordinator")
    before = (Dossier.objects.count(), AuditEvent.objects.count())
    response = client.post("/api/v1/dossiers", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert _error(response)["code"] == "bad_request"
    assert (Dossier.objects.count(), AuditEvent.objects.count()) == before


def test_schema_violation_names_the_field(world: World) -> None:
    response = world.client("coordinator").post(
        "/api/v1/dossiers",
        {"title": "x", "parties": "not-a-list"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "parties" in _error(response)["fields"]  # type: ignore[operator]


def test_service_rule_violation_names_the_field(world: World) -> None:
    response = world.client("coordinator").post(
        "/api/v1/dossiers",
        {"title": "One party only", "parties": [str(world.orgs["NORTH"].public_id)]},
        content_type="application/json",
    )
    assert response.status_code == 422
    error = _error(response)
    assert error["fields"] == {"parties": ["A dossier needs at least two parties."]}


def test_hidden_and_missing_dossiers_answer_identically(world: World) -> None:
    client = world.client("east_negotiator")
    hidden = client.get(f"/api/v1/dossiers/{world.dossier.public_id}")
    missing = client.get(f"/api/v1/dossiers/{uuid.uuid4()}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_malformed_id_is_not_a_server_error(world: World) -> None:
    response = world.client("coordinator").get("/api/v1/dossiers/not-a-uuid")
    assert response.status_code == 422
    assert "dossier_id" in _error(response)["fields"]  # type: ignore[operator]


def test_unknown_api_path_is_json_404(world: World) -> None:
    response = world.client("coordinator").get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_bearer_token_authenticates_and_revocation_takes_effect(world: World) -> None:
    token, plaintext = api_token_create(actor=world.users["north_observer"], name="script")
    client = Client()
    assert (
        client.get("/api/v1/me", headers=_bearer(plaintext)).json()["username"] == "north_observer"
    )
    api_token_revoke(actor=world.users["north_observer"], token=token)
    response = client.get("/api/v1/me", headers=_bearer(plaintext))
    assert response.status_code == 401


def test_token_of_deactivated_user_is_refused(world: World) -> None:
    _token, plaintext = api_token_create(actor=world.users["north_observer"], name="script")
    user_set_active(
        actor=world.users["coordinator"], user=world.users["north_observer"], active=False
    )
    assert Client().get("/api/v1/me", headers=_bearer(plaintext)).status_code == 401


def test_garbage_token_is_401(world: World) -> None:
    assert Client().get("/api/v1/me", headers=_bearer("imt_deadbeef_nope")).status_code == 401
    assert Client().get("/api/v1/me", headers=_bearer("x" * 5000)).status_code == 401


def test_token_is_stored_only_as_a_hash(world: World) -> None:
    token, plaintext = api_token_create(actor=world.users["coordinator"], name="x")
    token.refresh_from_db()
    assert plaintext not in {token.token_hash, token.prefix, token.name}
    assert len(token.token_hash) == 64


def test_session_writes_need_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["coordinator"])
    from tests.conftest import _stamp_session

    _stamp_session(client)
    before = AuditEvent.objects.count()
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert _error(response)["code"] == "forbidden"
    assert AuditEvent.objects.count() == before
