"""Matrix cases for taking a party off a dossier: removing one added by mistake, withdrawing
and reinstating one. Coordinators only; staff and parties who see the dossier get 403; and a
withdrawn party's users get 404 everywhere, exactly as for a dossier that does not exist."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.authz.cases import DOSSIER_PARTIES, INTERMEDIARY_STAFF, Case, allow

if TYPE_CHECKING:
    from tests.conftest import World

SEES_DOSSIER = (*INTERMEDIARY_STAFF, *DOSSIER_PARTIES)
CANNOT_MANAGE = allow(403, "delegate", "forensic", *DOSSIER_PARTIES)
NORTH = ("north_negotiator", "north_observer")
# With North withdrawn: North's users no longer see the dossier (404, the default).
CANNOT_MANAGE_NORTH_WITHDRAWN = allow(
    403, "delegate", "forensic", "south_negotiator", "south_observer"
)
REASON = {"reason": "Suspended from the talks", "confirm": "on"}


def add_west(world: World) -> Any:
    """A party added by mistake: in the dossier, with no user and nothing referring to it."""
    from intermediary.access.policy import SYSTEM
    from intermediary.accounts.choices import OrganisationKind
    from intermediary.accounts.services import organisation_create
    from intermediary.dossiers.services import dossier_add_party

    west = organisation_create(
        actor=SYSTEM, name="West League", short_name="WEST", kind=OrganisationKind.PARTY
    )
    world.extra["west"] = west
    return dossier_add_party(
        actor=world.users["coordinator"], dossier=world.dossier, organisation=west
    )


def withdraw_north(world: World) -> Any:
    from intermediary.dossiers.services import dossier_withdraw_party

    return dossier_withdraw_party(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        organisation=world.orgs["NORTH"],
        reason="Suspended from the talks",
    )


def _west(world: World) -> dict[str, Any]:
    return {"public_id": world.dossier.public_id, "organisation_id": world.extra["west"].public_id}


def _north(world: World) -> dict[str, Any]:
    return {"public_id": world.dossier.public_id, "organisation_id": world.orgs["NORTH"].public_id}


def _api_west(world: World) -> dict[str, Any]:
    return {"dossier_id": world.dossier.public_id, "organisation_id": world.extra["west"].public_id}


def _api_north(world: World) -> dict[str, Any]:
    return {"dossier_id": world.dossier.public_id, "organisation_id": world.orgs["NORTH"].public_id}


def _dossier(world: World) -> dict[str, Any]:
    return {"public_id": world.dossier.public_id}


def _api_dossier(world: World) -> dict[str, Any]:
    return {"dossier_id": world.dossier.public_id}


API = "/api/v1/dossiers/{dossier_id}/parties/{organisation_id}"

CASES = [
    Case(
        "dossiers-remove-party",
        "POST",
        params=_west,
        setup=add_west,
        data=lambda w: {"confirm": "on"},
        expect={**allow(302, "coordinator"), **CANNOT_MANAGE},
    ),
    Case(
        "dossiers-withdraw-party",
        "POST",
        params=_north,
        data=lambda w: REASON,
        expect={**allow(302, "coordinator"), **CANNOT_MANAGE},
    ),
    Case(
        "dossiers-reinstate-party",
        "POST",
        params=_north,
        setup=withdraw_north,
        data=lambda w: REASON,
        expect={**allow(302, "coordinator"), **CANNOT_MANAGE_NORTH_WITHDRAWN},
    ),
    # The withdrawn party's users: the dossier's page and the API answer 404 like a missing one.
    Case(
        "dossiers-detail",
        params=_dossier,
        setup=withdraw_north,
        expect=allow(200, *INTERMEDIARY_STAFF, "south_negotiator", "south_observer"),
    ),
    Case(
        "/api/v1/dossiers/{dossier_id}",
        params=_api_dossier,
        setup=withdraw_north,
        expect=allow(200, *INTERMEDIARY_STAFF, "south_negotiator", "south_observer"),
    ),
    Case(
        API,
        "DELETE",
        params=_api_west,
        setup=add_west,
        expect={**allow(200, "coordinator"), **CANNOT_MANAGE},
    ),
    Case(
        f"{API}/withdraw",
        "POST",
        params=_api_north,
        data=lambda w: {"reason": "Suspended from the talks"},
        expect={**allow(200, "coordinator"), **CANNOT_MANAGE},
    ),
    Case(
        f"{API}/reinstate",
        "POST",
        params=_api_north,
        setup=withdraw_north,
        data=lambda w: {"reason": "Back at the table"},
        expect={**allow(200, "coordinator"), **CANNOT_MANAGE_NORTH_WITHDRAWN},
    ),
]
