"""Matrix cases for imports and the person export.

Imports are intermediary work: staff who see the dossier read the history and reports and may
upload (REGISTRY_WRITE); a party sees the dossier, so its upload is refused with 403, while
the import pages themselves do not exist for it (404). The export is for every user with
registry pages (staff and parties): each gets only the persons and fields it may see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.authz.cases import DOSSIER_PARTIES, EVERY_USER, INTERMEDIARY_STAFF, Case, allow

if TYPE_CHECKING:
    from tests.conftest import World

REGISTRY_USERS = tuple(p for p in EVERY_USER if p != "auditor")
CSV = b"name_latin,date_of_birth,holding_party\r\nMatrix Person,1990-01-01,NORTH\r\n"


def _dossier(world: World) -> dict[str, Any]:
    return {"public_id": world.dossier.public_id}


def _api_dossier(world: World) -> dict[str, Any]:
    return {"dossier_id": world.dossier.public_id}


def _upload(world: World) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("matrix.csv", CSV, "text/csv"), "encoding": ""}


def _an_import(world: World) -> Any:
    """A queued import of the coordinator's (the DB task backend leaves it queued)."""
    from intermediary.imports.services import person_import_upload

    job = person_import_upload(
        actor=world.users["coordinator"], dossier=world.dossier, filename="m.csv", content=CSV
    )
    world.extra["import"] = job
    return job


def _import(world: World) -> dict[str, Any]:
    return {"public_id": world.extra["import"].public_id}


def _api_import(world: World) -> dict[str, Any]:
    return {"import_id": world.extra["import"].public_id}


STAFF = allow(200, *INTERMEDIARY_STAFF)

CASES = [
    Case("imports-list", params=_dossier, expect=STAFF),
    Case(
        "imports-upload",
        "POST",
        params=_dossier,
        data=_upload,
        expect={**allow(302, *INTERMEDIARY_STAFF), **allow(403, *DOSSIER_PARTIES)},
    ),
    Case("imports-detail", params=_import, setup=_an_import, expect=STAFF),
    Case("imports-progress", params=_import, setup=_an_import, expect=STAFF),
    Case("imports-errors-csv", params=_import, setup=_an_import, expect=STAFF),
    Case("imports-file", params=_import, setup=_an_import, expect=STAFF),
    Case("imports-persons-export", expect=allow(200, *REGISTRY_USERS)),
    # API. Without a file the upload answers 422 to those who may upload (the check comes
    # after access, so the status still tells who may): 403 for parties, 404 for the rest.
    Case(
        "/api/v1/dossiers/{dossier_id}/imports",
        "POST",
        params=_api_dossier,
        expect={**allow(422, *INTERMEDIARY_STAFF), **allow(403, *DOSSIER_PARTIES)},
    ),
    Case("/api/v1/dossiers/{dossier_id}/imports", params=_api_dossier, expect=STAFF),
    Case("/api/v1/imports/{import_id}", params=_api_import, setup=_an_import, expect=STAFF),
    Case("/api/v1/imports/{import_id}/file", params=_api_import, setup=_an_import, expect=STAFF),
    Case(
        "/api/v1/imports/{import_id}/errors",
        params=_api_import,
        setup=_an_import,
        expect=STAFF,
    ),
    Case("/api/v1/exports/persons", expect=allow(200, *REGISTRY_USERS)),
]
