"""Matrix cases for the registry: persons, names, timeline, remains, figures (UI and API)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from tests.authz.cases import DOSSIER_PARTIES, EVERY_USER, INTERMEDIARY_STAFF, Case, allow

if TYPE_CHECKING:
    from tests.conftest import World

# Auditors read the log and nothing else; every other user has a (scoped) registry.
REGISTRY_USERS = tuple(p for p in EVERY_USER if p != "auditor")
NORTH = ("north_negotiator", "north_observer")
REMAINS_STAFF = ("coordinator", "forensic")
SEES_DOSSIER = (*INTERMEDIARY_STAFF, *DOSSIER_PARTIES)


def _person(world: World) -> Any:
    """A person held by North in the world's dossier."""
    from tests.registry.factories import make_person

    world.extra["person"] = make_person(world, "NORTH")
    return world.extra["person"]


def _case(world: World) -> Any:
    from intermediary.registry.services import remains_case_create

    _person(world)
    world.extra["case"] = remains_case_create(
        actor=world.users["coordinator"], dossier=world.dossier, holding_party=world.orgs["SOUTH"]
    )
    return world.extra["case"]


def _pid(world: World) -> dict[str, Any]:
    return {"public_id": world.extra["person"].public_id}


def _variant(world: World) -> dict[str, Any]:
    """The person's second, non-primary name (a Latin variant): may be corrected or removed."""
    name = world.extra["person"].names.get(is_primary=False)
    return {"public_id": world.extra["person"].public_id, "name_id": name.public_id}


def _api_pid(world: World) -> dict[str, Any]:
    return {"person_id": world.extra["person"].public_id}


def _api_variant(world: World) -> dict[str, Any]:
    name = world.extra["person"].names.get(is_primary=False)
    return {"person_id": world.extra["person"].public_id, "name_id": name.public_id}


def _cid(world: World) -> dict[str, Any]:
    return {"public_id": world.extra["case"].public_id}


def _api_cid(world: World) -> dict[str, Any]:
    return {"case_id": world.extra["case"].public_id}


def _today(world: World) -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _an_hour_ago(world: World) -> str:
    from django.utils import timezone

    return (timezone.now() - timedelta(hours=1)).isoformat()


def _new_person_form(world: World) -> dict[str, Any]:
    return {
        "dossier": str(world.dossier.public_id),
        "holding_party": str(world.orgs["NORTH"].public_id),
        "name-full_text": "Omar Haddad",
    }


def _new_person_api(world: World) -> dict[str, Any]:
    return {
        "dossier": str(world.dossier.public_id),
        "holding_party": str(world.orgs["NORTH"].public_id),
        "names": [{"full_text": "عمر حداد"}],
    }


def _identify(world: World) -> dict[str, Any]:
    return {
        "status": "identified",
        "person": str(world.extra["person"].public_id),
        "identified_by": "Dr. A. Example",
        "method": "dna",
        "identified_on": _today(world),
    }


WRITE_PERSON = {**allow(302, *INTERMEDIARY_STAFF), **allow(403, *NORTH)}
WRITE_PERSON_API = {**allow(201, *INTERMEDIARY_STAFF), **allow(403, *NORTH)}
# Remains writes: the dossier is visible to all its staff and parties, the right is narrower.
CREATE_REMAINS_API = {
    **allow(201, *REMAINS_STAFF),
    **allow(403, "delegate", *DOSSIER_PARTIES),
}

CASES = [
    # persons
    Case("registry-persons", expect=allow(200, *REGISTRY_USERS)),
    Case("registry-person-create", expect=allow(200, *INTERMEDIARY_STAFF)),
    Case(
        "registry-person-create",
        "POST",
        data=_new_person_form,
        expect=allow(302, *INTERMEDIARY_STAFF),
    ),
    Case(
        "registry-person-detail",
        params=_pid,
        setup=_person,
        expect=allow(200, *INTERMEDIARY_STAFF, *NORTH),
    ),
    Case(
        "registry-name-add",
        "POST",
        params=_pid,
        setup=_person,
        data=lambda w: {"name-full_text": "Omar al-Haddad"},
        expect=WRITE_PERSON,
    ),
    Case(
        "registry-person-edit",
        params=_pid,
        setup=_person,
        expect={**allow(200, *INTERMEDIARY_STAFF), **allow(403, *NORTH)},
    ),
    Case(
        "registry-person-edit",
        "POST",
        params=_pid,
        setup=_person,
        data=lambda w: {"holding_party": str(w.orgs["NORTH"].public_id), "rank": "Private"},
        expect=WRITE_PERSON,
    ),
    Case(
        "registry-name-edit",
        params=_variant,
        setup=_person,
        expect={**allow(200, *INTERMEDIARY_STAFF), **allow(403, *NORTH)},
    ),
    Case(
        "registry-name-edit",
        "POST",
        params=_variant,
        setup=_person,
        data=lambda w: {"full_text": "Ahmad Hasan"},
        expect=WRITE_PERSON,
    ),
    Case(
        "registry-name-remove",
        "POST",
        params=_variant,
        setup=_person,
        expect=WRITE_PERSON,
    ),
    Case(
        "registry-custody-event-add",
        "POST",
        params=_pid,
        setup=_person,
        data=lambda w: {"kind": "visited", "date": _today(w)},
        expect=WRITE_PERSON,
    ),
    # remains
    Case("registry-remains", expect=allow(200, *REGISTRY_USERS)),
    Case("registry-remains-create", expect=allow(200, *REMAINS_STAFF)),
    Case(
        "registry-remains-create",
        "POST",
        data=lambda w: {"dossier": str(w.dossier.public_id), "recovery_place": "Ridge"},
        expect=allow(302, *REMAINS_STAFF),
    ),
    Case("registry-remains-detail", params=_cid, setup=_case, expect=allow(200, *REMAINS_STAFF)),
    Case(
        "registry-remains-event-add",
        "POST",
        params=_cid,
        setup=_case,
        data=lambda w: {"kind": "received", "at": _an_hour_ago(w)[:16]},
        expect=allow(302, *REMAINS_STAFF),
    ),
    Case(
        "registry-remains-identify",
        "POST",
        params=_cid,
        setup=_case,
        data=_identify,
        expect=allow(302, *REMAINS_STAFF),
    ),
    # figures
    Case("registry-figures", expect=allow(200, *REGISTRY_USERS)),
    Case("registry-figures-csv", expect=allow(200, *REGISTRY_USERS)),
    # API
    Case("/api/v1/registry/persons", expect=allow(200, *REGISTRY_USERS)),
    Case(
        "/api/v1/registry/persons",
        "POST",
        data=_new_person_api,
        expect={**allow(201, *INTERMEDIARY_STAFF), **allow(403, *DOSSIER_PARTIES)},
    ),
    Case(
        "/api/v1/registry/persons/{person_id}",
        params=_api_pid,
        setup=_person,
        expect=allow(200, *INTERMEDIARY_STAFF, *NORTH),
    ),
    Case(
        "/api/v1/registry/persons/{person_id}",
        "PATCH",
        params=_api_pid,
        setup=_person,
        data=lambda w: {"rank": "Private"},
        expect={**allow(200, *INTERMEDIARY_STAFF), **allow(403, *NORTH)},
    ),
    Case(
        "/api/v1/registry/persons/{person_id}/names",
        "POST",
        params=_api_pid,
        setup=_person,
        data=lambda w: {"full_text": "Omar al-Haddad"},
        expect=WRITE_PERSON_API,
    ),
    Case(
        "/api/v1/registry/persons/{person_id}/names/{name_id}",
        "PUT",
        params=_api_variant,
        setup=_person,
        data=lambda w: {"full_text": "Ahmad Hasan", "source": "list B"},
        expect={**allow(200, *INTERMEDIARY_STAFF), **allow(403, *NORTH)},
    ),
    Case(
        "/api/v1/registry/persons/{person_id}/names/{name_id}",
        "DELETE",
        params=_api_variant,
        setup=_person,
        expect={**allow(204, *INTERMEDIARY_STAFF), **allow(403, *NORTH)},
    ),
    Case(
        "/api/v1/registry/persons/{person_id}/events",
        "POST",
        params=_api_pid,
        setup=_person,
        data=lambda w: {"kind": "visited", "date": _today(w)},
        expect=WRITE_PERSON_API,
    ),
    Case("/api/v1/registry/remains", expect=allow(200, *REGISTRY_USERS)),
    Case(
        "/api/v1/registry/remains",
        "POST",
        data=lambda w: {"dossier": str(w.dossier.public_id)},
        expect=CREATE_REMAINS_API,
    ),
    Case(
        "/api/v1/registry/remains/{case_id}",
        params=_api_cid,
        setup=_case,
        expect=allow(200, *REMAINS_STAFF),
    ),
    Case(
        "/api/v1/registry/remains/{case_id}/events",
        "POST",
        params=_api_cid,
        setup=_case,
        data=lambda w: {"kind": "received", "at": _an_hour_ago(w)},
        expect=allow(201, *REMAINS_STAFF),
    ),
    Case(
        "/api/v1/registry/remains/{case_id}/identify",
        "POST",
        params=_api_cid,
        setup=_case,
        data=_identify,
        expect=allow(200, *REMAINS_STAFF),
    ),
    Case("/api/v1/registry/figures", expect=allow(200, *REGISTRY_USERS)),
]
