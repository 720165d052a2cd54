"""Matrix cases for the spine: accounts, dossiers, audit, API, core pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.authz.cases import DOSSIER_PARTIES, EVERY_USER, INTERMEDIARY_STAFF, Case, allow

if TYPE_CHECKING:
    from tests.conftest import World


def _dossier(world: World) -> dict[str, Any]:
    return {"public_id": world.dossier.public_id}


def _api_dossier(world: World) -> dict[str, Any]:
    return {"dossier_id": world.dossier.public_id}


def _coordinator_pid(world: World) -> dict[str, Any]:
    return {"public_id": world.users["north_observer"].public_id}


def _own_token(world: World) -> Any:
    """Every persona gets a token of its own; the case targets the coordinator's."""
    from intermediary.accounts.services import api_token_create

    token, _plain = api_token_create(actor=world.users["coordinator"], name="matrix")
    world.extra["token"] = token
    return token


def _token(world: World) -> dict[str, Any]:
    return {"public_id": world.extra["token"].public_id}


def _api_token(world: World) -> dict[str, Any]:
    return {"token_id": world.extra["token"].public_id}


SEES_DOSSIER = (*INTERMEDIARY_STAFF, *DOSSIER_PARTIES)
# Those who see the dossier but may not manage it get 403 (the dossier is no secret to them).
CANNOT_MANAGE = allow(403, "delegate", "forensic", *DOSSIER_PARTIES)

CASES = [
    # core
    Case("core-home", expect=allow(302, *EVERY_USER)),
    Case("core-healthz", expect=allow(200, "anonymous", *EVERY_USER)),
    Case(
        "set_language",
        "POST",
        data=lambda w: {"language": "ar", "next": "/"},
        expect=allow(302, "anonymous", *EVERY_USER),
    ),
    Case("accounts-login", expect={"anonymous": 200, **allow(302, *EVERY_USER)}),
    Case("accounts-logout", "POST", expect=allow(302, "anonymous", *EVERY_USER)),
    Case("accounts-password", expect=allow(200, *EVERY_USER)),
    Case(
        "accounts-password",
        "POST",
        data=lambda w: {
            "old_password": "test-pass-phrase-2026",
            "new_password1": "another-long-phrase-9",
            "new_password2": "another-long-phrase-9",
        },
        expect=allow(302, *EVERY_USER),
    ),
    # tokens: every user manages their own; another user's token does not exist for them
    Case("accounts-tokens", expect=allow(200, *EVERY_USER)),
    Case(
        "accounts-token-revoke",
        "POST",
        params=_token,
        setup=_own_token,
        expect=allow(302, "coordinator"),
    ),
    # coordinators manage organisations and users
    Case("accounts-organisations", expect=allow(200, "coordinator")),
    Case(
        "accounts-organisations",
        "POST",
        data=lambda w: {"name": "West Office", "short_name": "WEST", "kind": "party"},
        expect=allow(302, "coordinator"),
    ),
    Case("accounts-users", expect=allow(200, "coordinator")),
    Case("accounts-user-detail", params=_coordinator_pid, expect=allow(200, "coordinator")),
    Case(
        "accounts-user-active",
        "POST",
        params=_coordinator_pid,
        data=lambda w: {"active": "0"},
        expect=allow(302, "coordinator"),
    ),
    # dossiers
    Case("dossiers-list", expect=allow(200, *EVERY_USER)),
    Case("dossiers-create", expect=allow(200, "coordinator")),
    Case("dossiers-detail", params=_dossier, expect=allow(200, *SEES_DOSSIER)),
    Case(
        "dossiers-add-party",
        "POST",
        params=_dossier,
        data=lambda w: {"organisation": w.orgs["EAST"].public_id},
        expect={**allow(302, "coordinator"), **CANNOT_MANAGE},
    ),
    Case(
        "dossiers-assign-member",
        "POST",
        params=_dossier,
        data=lambda w: {"user": w.users["delegate_unassigned"].public_id},
        expect={**allow(302, "coordinator"), **CANNOT_MANAGE},
    ),
    Case(
        "dossiers-set-status",
        "POST",
        params=_dossier,
        data=lambda w: {"status": "closed"},
        expect={**allow(302, "coordinator"), **CANNOT_MANAGE},
    ),
    # audit: auditors only
    Case("audit-events", expect=allow(200, "auditor")),
    Case("audit-verify", expect=allow(200, "auditor")),
    Case("audit-denials", expect=allow(200, "auditor")),
    # API
    Case("/api/v1/me", expect=allow(200, *EVERY_USER)),
    Case("/api/v1/organisations", expect=allow(200, *EVERY_USER)),
    Case(
        "/api/v1/organisations",
        "POST",
        data=lambda w: {"name": "West Office", "short_name": "WEST", "kind": "party"},
        expect=allow(201, "coordinator"),
    ),
    Case("/api/v1/users", expect=allow(200, "coordinator")),
    Case(
        "/api/v1/users",
        "POST",
        data=lambda w: {
            "username": "new.observer",
            "password": "a-long-pass-phrase-1",
            "organisation": str(w.orgs["NORTH"].public_id),
            "roles": ["observer"],
        },
        expect=allow(201, "coordinator"),
    ),
    Case("/api/v1/tokens", expect=allow(200, *EVERY_USER)),
    Case("/api/v1/tokens", "POST", data=lambda w: {"name": "ci"}, expect=allow(201, *EVERY_USER)),
    Case(
        "/api/v1/tokens/{token_id}",
        "DELETE",
        params=_api_token,
        setup=_own_token,
        expect=allow(204, "coordinator"),
    ),
    Case("/api/v1/dossiers", expect=allow(200, *EVERY_USER)),
    Case(
        "/api/v1/dossiers",
        "POST",
        data=lambda w: {
            "title": "Second exchange",
            "parties": [str(w.orgs["NORTH"].public_id), str(w.orgs["EAST"].public_id)],
        },
        expect=allow(201, "coordinator"),
    ),
    Case("/api/v1/dossiers/{dossier_id}", params=_api_dossier, expect=allow(200, *SEES_DOSSIER)),
    Case(
        "/api/v1/dossiers/{dossier_id}/parties",
        "POST",
        params=_api_dossier,
        data=lambda w: {"organisation": str(w.orgs["EAST"].public_id)},
        expect={**allow(201, "coordinator"), **CANNOT_MANAGE},
    ),
    Case(
        "/api/v1/dossiers/{dossier_id}/team",
        params=_api_dossier,
        expect=allow(200, *SEES_DOSSIER),
    ),
    Case(
        "/api/v1/dossiers/{dossier_id}/status",
        "POST",
        params=_api_dossier,
        data=lambda w: {"status": "closed"},
        expect={**allow(200, "coordinator"), **CANNOT_MANAGE},
    ),
    Case("/api/v1/audit/events", expect=allow(200, "auditor")),
    Case("/api/v1/audit/verify", expect=allow(200, "auditor")),
]
