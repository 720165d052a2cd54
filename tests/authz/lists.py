"""Matrix cases for lists: parties see their own lists; review, candidates, runs and reports
are the intermediary's (coordinators and assigned field delegates); reports reach a party
only once disclosed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.authz.cases import DOSSIER_PARTIES, INTERMEDIARY_STAFF, Case, allow

if TYPE_CHECKING:
    from tests.conftest import World

SEES_DOSSIER = (*INTERMEDIARY_STAFF, *DOSSIER_PARTIES)
REVIEWERS = ("coordinator", "delegate")
SUBMITTERS = ("coordinator", "delegate", "north_negotiator", "south_negotiator")
SEES_SOUTH_LIST = (*REVIEWERS, "south_negotiator", "south_observer")
# See the dossier, may not submit in it (403: the object is visible, the act is not theirs).
CANNOT_SUBMIT = ("forensic", "north_observer", "south_observer")


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode()


def south_list(world: World) -> Any:
    """A South sought list with one possible duplicate pair and a finished run (no Splink:
    the matrix tests access, not matching)."""
    from intermediary.lists.freshness import current_mark
    from intermediary.lists.models import MatchCandidate, ReconciliationRun
    from intermediary.lists.services import list_submit

    submitted = list_submit(
        actor=world.users["south_negotiator"],
        dossier=world.dossier,
        kind="sought",
        data=_csv([["full_name"], ["Yusuf Haddad"], ["Youssef Haddad"]]),
        filename="s.csv",
    )
    first, second = submitted.entries.order_by("row_number")
    run = ReconciliationRun.objects.create(
        submitted_list=submitted,
        threshold=0.5,
        status="done",
        progress=100,
        **current_mark(submitted).as_fields(),
    )
    candidate = MatchCandidate.objects.create(
        entry=second, other_entry=first, run=run, probability=0.9, weights={"name": 5.0}
    )
    world.extra.update(list=submitted, candidate=candidate, entry=first)
    return submitted


def with_person(world: World) -> None:
    """South's list plus a registry person of the dossier to add as a manual candidate."""
    from tests.registry.factories import make_person

    south_list(world)
    world.extra["person"] = make_person(world, "NORTH")


def with_north_held(world: World) -> None:
    """South's list plus a North held list, whose entry a reviewer may add by hand."""
    from intermediary.lists.services import list_submit

    south_list(world)
    held = list_submit(
        actor=world.users["north_negotiator"],
        dossier=world.dossier,
        kind="held",
        data=_csv([["full_name"], ["Youssef Haddad"]]),
        filename="n.csv",
    )
    world.extra["other_entry"] = held.entries.get()


def with_repeated_row(world: World) -> None:
    """South's list plus a second South list whose third row repeats its first: a reviewer
    may add the earlier row by hand as a possible duplicate (the matcher did not pair them)."""
    from intermediary.lists.services import list_submit

    south_list(world)
    repeated = list_submit(
        actor=world.users["south_negotiator"],
        dossier=world.dossier,
        kind="sought",
        data=_csv([["full_name"], ["Karim Nasser"], ["Layla Odeh"], ["Karim Nassar"]]),
        filename="r.csv",
    )
    first, _, third = repeated.entries.order_by("row_number")
    world.extra.update(entry=third, other_entry=first)


def signed_off(world: World) -> None:
    """South's list with its first entry signed off as searched without a match."""
    from intermediary.lists.services import entry_sign_off

    south_list(world)
    entry_sign_off(
        actor=world.users["coordinator"], entry=world.extra["entry"], note="searched: nobody"
    )


def renewable(world: World) -> None:
    """South's first entry signed off, then a registry person added (the sign-off predates
    new data) and the list reconciled again without finding anyone for it: renewable."""
    from intermediary.lists.freshness import current_mark
    from intermediary.lists.models import ReconciliationRun
    from tests.registry.factories import make_person

    signed_off(world)
    make_person(world, "NORTH")
    submitted = world.extra["list"]
    ReconciliationRun.objects.create(
        submitted_list=submitted,
        threshold=0.5,
        status="done",
        progress=100,
        **current_mark(submitted).as_fields(),
    )


def _renewal(world: World) -> dict[str, Any]:
    return {"note": "searched again after the import", "entries": [world.extra["entry"].public_id]}


def disclosed_to_north(world: World) -> None:
    from intermediary.lists.services import report_disclose

    submitted = south_list(world)
    report_disclose(
        actor=world.users["coordinator"],
        submitted_list=submitted,
        recipient=world.orgs["NORTH"],
        fields=["outcome_counts"],
    )


def _dossier(world: World) -> dict[str, Any]:
    return {"public_id": world.dossier.public_id}


def _api_dossier(world: World) -> dict[str, Any]:
    return {"dossier_id": world.dossier.public_id}


def _list(world: World) -> dict[str, Any]:
    return {"public_id": world.extra["list"].public_id}


def _api_list(world: World) -> dict[str, Any]:
    return {"list_id": world.extra["list"].public_id}


def _candidate(world: World) -> dict[str, Any]:
    return {"public_id": world.extra["candidate"].public_id}


def _api_candidate(world: World) -> dict[str, Any]:
    return {"candidate_id": world.extra["candidate"].public_id}


def _entry(world: World) -> dict[str, Any]:
    return {"public_id": world.extra["entry"].public_id}


def _api_entry(world: World) -> dict[str, Any]:
    return {"entry_id": world.extra["entry"].public_id}


def _note(world: World) -> dict[str, Any]:
    return {"note": "searched the registry by name and year: nobody"}


def _person(world: World) -> dict[str, Any]:
    return {"person": world.extra["person"].public_id}


def _other_entry(world: World) -> dict[str, Any]:
    return {"other_entry": world.extra["other_entry"].public_id}


def _upload(world: World) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "kind": "held",
        "party": world.orgs["SOUTH"].public_id,
        "file": SimpleUploadedFile("held.csv", _csv([["full_name"], ["Karim Nasser"]])),
    }


def south_draft(world: World) -> None:
    """An upload South's negotiator has not confirmed yet (the preview)."""
    from intermediary.lists.services import list_draft_create

    world.extra["draft"] = list_draft_create(
        actor=world.users["south_negotiator"],
        dossier=world.dossier,
        kind="sought",
        data=_csv([["full_name"], ["Karim Nasser"]]),
        filename="draft.csv",
    )


def coordinator_draft(world: World) -> None:
    """An upload the coordinator made on North's behalf and has not confirmed yet."""
    from intermediary.lists.services import list_draft_create

    world.extra["draft"] = list_draft_create(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        kind="held",
        data=_csv([["full_name"], ["Karim Nasser"]]),
        filename="draft.csv",
        party=world.orgs["NORTH"],
    )


def _draft(world: World) -> dict[str, Any]:
    return {"public_id": world.extra["draft"].public_id}


def _ui(route: str, method: str = "GET", **kwargs: Any) -> Case:
    return Case(route, method, params=_list, setup=south_list, **kwargs)


def _api(route: str, method: str = "GET", **kwargs: Any) -> Case:
    return Case(route, method, params=_api_list, setup=south_list, **kwargs)


CASES = [
    Case("lists-dossier", params=_dossier, expect=allow(200, *SEES_DOSSIER)),
    Case(
        "lists-submit",
        params=_dossier,
        expect={**allow(200, *SUBMITTERS), **allow(403, *CANNOT_SUBMIT)},
    ),
    Case(
        "lists-submit",
        "POST",
        params=_dossier,
        data=_upload,
        expect={**allow(302, *SUBMITTERS), **allow(403, *CANNOT_SUBMIT)},
    ),
    # An upload awaiting confirmation is its uploader's alone: everyone else, colleagues of
    # the same organisation and the intermediary included, gets the 404 of a missing page.
    Case("lists-draft", params=_draft, setup=south_draft, expect={"south_negotiator": 200}),
    Case("lists-draft", params=_draft, setup=coordinator_draft, expect={"coordinator": 200}),
    Case(
        "lists-draft-submit",
        "POST",
        params=_draft,
        setup=south_draft,
        expect={"south_negotiator": 302},
    ),
    Case(
        "lists-draft-submit",
        "POST",
        params=_draft,
        setup=coordinator_draft,
        expect={"coordinator": 302},
    ),
    Case(
        "lists-draft-cancel",
        "POST",
        params=_draft,
        setup=south_draft,
        expect={"south_negotiator": 302},
    ),
    _ui("lists-detail", expect=allow(200, *SEES_SOUTH_LIST)),
    # The file as submitted: the intermediary team and South's own users; North never.
    _ui("lists-file", expect=allow(200, *SEES_SOUTH_LIST)),
    _ui("lists-progress", expect=allow(200, *REVIEWERS)),
    _ui(
        "lists-reconcile",
        "POST",
        data=lambda w: {"threshold": "0.5"},
        expect=allow(302, *REVIEWERS),
    ),
    _ui("lists-review", expect=allow(200, *REVIEWERS)),
    _ui("lists-report", expect=allow(200, *REVIEWERS)),
    Case(
        "lists-report",
        params=_list,
        setup=disclosed_to_north,
        expect=allow(200, *REVIEWERS, "north_negotiator", "north_observer"),
    ),
    _ui("lists-report-csv", expect=allow(200, *REVIEWERS)),
    # Renewing many sign-offs: the intermediary's reviewers only; a party, even South for
    # its own list, gets the 404 of a missing list.
    Case("lists-renewals", params=_list, setup=renewable, expect=allow(200, *REVIEWERS)),
    Case(
        "lists-renewals",
        "POST",
        params=_list,
        setup=renewable,
        data=_renewal,
        expect=allow(302, *REVIEWERS),
    ),
    _ui(
        "lists-disclose",
        "POST",
        data=lambda w: {"recipient": w.orgs["SOUTH"].public_id, "what": ["outcome_counts"]},
        expect={"coordinator": 302, "delegate": 403},
    ),
    Case("lists-candidate", params=_candidate, setup=south_list, expect=allow(200, *REVIEWERS)),
    Case(
        "lists-decide",
        "POST",
        params=_candidate,
        setup=south_list,
        data=lambda w: {"decision": "rejected"},
        expect=allow(302, *REVIEWERS),
    ),
    # One entry's review: candidates, the reviewer's own search, the sign-off. A party sees
    # its own list's entries, never their review (404, like the other side's lists).
    Case("lists-entry", params=_entry, setup=south_list, expect=allow(200, *REVIEWERS)),
    Case(
        "lists-entry-sign-off",
        "POST",
        params=_entry,
        setup=south_list,
        data=_note,
        expect=allow(302, *REVIEWERS),
    ),
    Case(
        "lists-entry-sign-off-withdraw",
        "POST",
        params=_entry,
        setup=signed_off,
        data=_note,
        expect=allow(302, *REVIEWERS),
    ),
    Case(
        "lists-entry-candidate-add",
        "POST",
        params=_entry,
        setup=with_person,
        data=_person,
        expect=allow(302, *REVIEWERS),
    ),
    Case(
        "lists-entry-candidate-add",
        "POST",
        params=_entry,
        setup=with_north_held,
        data=_other_entry,
        expect=allow(302, *REVIEWERS),
    ),
    Case(
        "lists-entry-candidate-add",
        "POST",
        params=_entry,
        setup=with_repeated_row,
        data=_other_entry,
        expect=allow(302, *REVIEWERS),
    ),
    # API
    Case(
        "/api/v1/dossiers/{dossier_id}/lists", params=_api_dossier, expect=allow(200, *SEES_DOSSIER)
    ),
    Case(
        "/api/v1/entries/{entry_id}/sign-offs",
        params=_api_entry,
        setup=signed_off,
        expect=allow(200, *REVIEWERS),
    ),
    Case(
        "/api/v1/entries/{entry_id}/sign-off",
        "POST",
        params=_api_entry,
        setup=south_list,
        data=_note,
        expect=allow(201, *REVIEWERS),
    ),
    Case(
        "/api/v1/entries/{entry_id}/sign-off/withdrawal",
        "POST",
        params=_api_entry,
        setup=signed_off,
        data=_note,
        expect=allow(201, *REVIEWERS),
    ),
    Case(
        "/api/v1/entries/{entry_id}/person-search",
        params=_api_entry,
        setup=with_person,
        expect=allow(200, *REVIEWERS),
    ),
    Case(
        "/api/v1/entries/{entry_id}/candidates",
        "POST",
        params=_api_entry,
        setup=with_person,
        data=_person,
        expect=allow(201, *REVIEWERS),
    ),
    Case(
        "/api/v1/entries/{entry_id}/candidates",
        "POST",
        params=_api_entry,
        setup=with_north_held,
        data=_other_entry,
        expect=allow(201, *REVIEWERS),
    ),
    Case(
        "/api/v1/entries/{entry_id}/other-side-search",
        params=_api_entry,
        setup=with_north_held,
        expect=allow(200, *REVIEWERS),
    ),
    # A reviewer's search of the list's earlier rows, and adding one as a possible duplicate.
    Case(
        "/api/v1/entries/{entry_id}/earlier-rows-search",
        params=_api_entry,
        setup=with_repeated_row,
        expect=allow(200, *REVIEWERS),
    ),
    Case(
        "/api/v1/entries/{entry_id}/candidates",
        "POST",
        params=_api_entry,
        setup=with_repeated_row,
        data=_other_entry,
        expect=allow(201, *REVIEWERS),
    ),
    # The matrix posts JSON, so permitted callers get 422 (no multipart file); the point is
    # that nobody else gets past the access checks.
    Case(
        "/api/v1/dossiers/{dossier_id}/lists",
        "POST",
        params=_api_dossier,
        data=lambda w: {"kind": "held"},
        expect={**allow(422, *SUBMITTERS), **allow(403, *CANNOT_SUBMIT)},
    ),
    # The dry run of a submission: the same access checks, nothing kept.
    Case(
        "/api/v1/dossiers/{dossier_id}/lists/preview",
        "POST",
        params=_api_dossier,
        data=lambda w: {"kind": "held"},
        expect={**allow(422, *SUBMITTERS), **allow(403, *CANNOT_SUBMIT)},
    ),
    _api("/api/v1/lists/{list_id}", expect=allow(200, *SEES_SOUTH_LIST)),
    _api("/api/v1/lists/{list_id}/entries", expect=allow(200, *SEES_SOUTH_LIST)),
    _api("/api/v1/lists/{list_id}/file", expect=allow(200, *SEES_SOUTH_LIST)),
    _api("/api/v1/lists/{list_id}/reconciliation", expect=allow(200, *REVIEWERS)),
    _api(
        "/api/v1/lists/{list_id}/reconciliation",
        "POST",
        data=lambda w: {"threshold": 0.5},
        expect=allow(202, *REVIEWERS),
    ),
    _api("/api/v1/lists/{list_id}/candidates", expect=allow(200, *REVIEWERS)),
    Case(
        "/api/v1/lists/{list_id}/sign-off-renewals",
        params=_api_list,
        setup=renewable,
        expect=allow(200, *REVIEWERS),
    ),
    Case(
        "/api/v1/lists/{list_id}/sign-off-renewals",
        "POST",
        params=_api_list,
        setup=renewable,
        data=_renewal,
        expect=allow(201, *REVIEWERS),
    ),
    _api("/api/v1/lists/{list_id}/report", expect=allow(200, *REVIEWERS)),
    Case(
        "/api/v1/lists/{list_id}/report",
        params=_api_list,
        setup=disclosed_to_north,
        expect=allow(200, *REVIEWERS, "north_negotiator", "north_observer"),
    ),
    _api(
        "/api/v1/lists/{list_id}/disclosures",
        "POST",
        data=lambda w: {"recipient": str(w.orgs["SOUTH"].public_id), "fields": ["outcome_counts"]},
        expect={"coordinator": 201, "delegate": 403},
    ),
    Case(
        "/api/v1/candidates/{candidate_id}/decision",
        "POST",
        params=_api_candidate,
        setup=south_list,
        data=lambda w: {"decision": "confirmed"},
        expect=allow(200, *REVIEWERS),
    ),
]
