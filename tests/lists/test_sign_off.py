"""No entry is "not acknowledged" on the matcher's silence: a reviewer searches (the registry
search, or the matcher's candidates) and signs off, with a note, audited and revisable; a
reviewer can add the person the matcher missed and confirm them. Parties see none of it.

These tests build the finished run directly (no Splink): what they check is the workflow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from intermediary.access.policy import PermissionDenied
from intermediary.audit.models import AuditEvent
from intermediary.dossiers.models import Dossier
from intermediary.lists.models import (
    EntrySignOff,
    ListEntry,
    MatchCandidate,
    ReconciliationRun,
    SubmittedList,
)
from intermediary.lists.outcomes import NEEDS_SIGN_OFF, list_report
from intermediary.lists.services import (
    candidate_add,
    candidate_decide,
    entry_sign_off,
    entry_sign_off_withdraw,
    report_disclose,
)
from intermediary.registry.inputs import NameInput
from intermediary.registry.models import Person
from tests.conftest import World
from tests.lists.conftest import done_run, submit
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db

NOTE = "searched the registry by name, father's name and year of birth: nobody"
ROWS = [
    ["reference", "full_name", "date_of_birth", "sex"],
    ["S-1", "Karim Nasser", "1980", "m"],
    ["S-2", "Layla Odeh", "1992-03-04", "f"],
    ["S-3", "Rami Saleh", "1975", "m"],
]


@dataclass
class Setup:
    submitted: SubmittedList
    karim: ListEntry  # row 2: North holds him as "Karim Nassar" (year only); no candidate
    layla: ListEntry  # row 3: nobody holds her
    rami: ListEntry  # row 4: has a matcher candidate awaiting a decision
    held: Person  # Karim Nassar, North, this dossier
    run: ReconciliationRun
    other_dossier: Dossier
    elsewhere: Person  # a "Karim Nasser" in another dossier (the delegate is not assigned)


def _done_run(submitted: SubmittedList) -> ReconciliationRun:
    return done_run(submitted)


def _other_dossier(world: World) -> Dossier:
    from intermediary.dossiers.services import dossier_create

    return dossier_create(
        actor=world.users["coordinator"],
        title="Another exchange",
        parties=[world.orgs["NORTH"], world.orgs["SOUTH"]],
    )


@pytest.fixture
def setup(world: World) -> Setup:
    from intermediary.registry.services import person_create
    from tests.registry.factories import person_input

    submitted = submit(world, ROWS)
    karim, layla, rami = submitted.entries.order_by("row_number")
    held = make_person(
        world, names=[NameInput(full_text="Karim Nassar", is_primary=True)], birth_year=1980
    )
    decoy = make_person(world, names=[NameInput(full_text="Rami Salih", is_primary=True)])
    run = _done_run(submitted)  # after the registry persons: the run read them
    MatchCandidate.objects.create(entry=rami, person=decoy, run=run, probability=0.7)
    other = _other_dossier(world)
    elsewhere = person_create(
        actor=world.users["coordinator"],
        dossier=other,
        data=person_input(world, names=[NameInput(full_text="Karim Nasser", is_primary=True)]),
    )
    return Setup(submitted, karim, layla, rami, held, run, other, elsewhere)


def _outcomes(submitted: SubmittedList) -> dict[int, str]:
    return {row.entry.row_number: row.outcome.value for row in list_report(submitted).rows}


def _written() -> tuple[int, int, int]:
    """Sign-offs, candidates, and audit events of this workflow (logins are audited too)."""
    ours = AuditEvent.objects.filter(action__startswith="entry.") | AuditEvent.objects.filter(
        action__startswith="candidate."
    )
    return EntrySignOff.objects.count(), MatchCandidate.objects.count(), ours.count()


def _post_json(world: World, persona: str, url: str, body: dict[str, Any]) -> Any:
    return world.client(persona).post(url, json.dumps(body), content_type="application/json")


# --- Sign-off ----------------------------------------------------------------------------------


def test_no_candidate_stays_unknown_until_a_reviewer_signs_off(world: World, setup: Setup) -> None:
    rows = {row.entry.row_number: row for row in list_report(setup.submitted).rows}
    assert rows[2].outcome == "unknown"
    assert rows[2].note == str(NEEDS_SIGN_OFF)
    assert rows[2].note == "no candidate found: needs a reviewer's search and sign-off"
    assert rows[2].needs_sign_off
    assert (rows[4].outcome, rows[4].note, rows[4].needs_sign_off) == (
        "unknown",
        "awaiting review",
        False,
    )
    assert not any(row.outcome == "not_acknowledged" for row in rows.values())

    signed = entry_sign_off(actor=world.users["delegate"], entry=setup.layla, note=f"  {NOTE} ")
    assert (signed.action, signed.note, signed.by) == ("signed", NOTE, world.users["delegate"])
    assert _outcomes(setup.submitted) == {2: "unknown", 3: "not_acknowledged", 4: "unknown"}
    event = AuditEvent.objects.get(action="entry.sign_off")
    assert event.object_id == str(setup.layla.public_id)
    assert (event.actor_id, event.object_type) == (
        str(world.users["delegate"].public_id),
        "lists.entry",
    )


@pytest.mark.parametrize(
    "persona",
    [
        "south_observer",
        "south_negotiator",
        "north_observer",
        "forensic",
        "auditor",
        "delegate_unassigned",
    ],
)
def test_only_reviewers_sign_off(world: World, setup: Setup, persona: str) -> None:
    before = _written()
    with pytest.raises(PermissionDenied):
        entry_sign_off(actor=world.users[persona], entry=setup.layla, note=NOTE)
    url = f"/api/v1/entries/{setup.layla.public_id}/sign-off"
    assert _post_json(world, persona, url, {"note": NOTE}).status_code == 404
    page = reverse("lists-entry-sign-off", args=[setup.layla.public_id])
    assert world.client(persona).post(page, {"note": NOTE}).status_code == 404
    assert _written() == before
    assert not AuditEvent.objects.filter(action="entry.sign_off").exists()


@pytest.mark.parametrize("note", ["", "   \n "])
def test_a_sign_off_needs_a_note(world: World, setup: Setup, note: str) -> None:
    before = _written()
    with pytest.raises(ValidationError) as caught:
        entry_sign_off(actor=world.users["coordinator"], entry=setup.layla, note=note)
    assert "note" in caught.value.message_dict
    response = _post_json(
        world, "coordinator", f"/api/v1/entries/{setup.layla.public_id}/sign-off", {"note": note}
    )
    assert response.status_code == 422
    assert "note" in response.json()["error"]["fields"]
    page = world.client("coordinator").post(
        reverse("lists-entry-sign-off", args=[setup.layla.public_id]), {"note": note}, follow=True
    )
    assert "This field is required." in page.content.decode()
    assert _written() == before


def test_sign_off_is_refused_while_a_candidate_awaits_a_decision(
    world: World, setup: Setup
) -> None:
    with pytest.raises(ValidationError, match="awaiting review"):
        entry_sign_off(actor=world.users["coordinator"], entry=setup.rami, note=NOTE)
    candidate = MatchCandidate.objects.get(entry=setup.rami)
    candidate_decide(actor=world.users["coordinator"], candidate=candidate, decision="rejected")
    assert _outcomes(setup.submitted)[4] == "unknown"  # every candidate rejected: still no
    entry_sign_off(actor=world.users["coordinator"], entry=setup.rami, note=NOTE)
    assert _outcomes(setup.submitted)[4] == "not_acknowledged"


def test_sign_off_is_refused_before_reconciliation_and_on_held_lists(world: World) -> None:
    sought = submit(world, ROWS)
    entry = sought.entries.first()
    assert entry is not None
    with pytest.raises(ValidationError, match="Reconcile the list"):
        entry_sign_off(actor=world.users["coordinator"], entry=entry, note=NOTE)
    held = submit(world, [["full_name"], ["Omar Saleh"]], kind="held", persona="north_negotiator")
    _done_run(held)
    held_entry = held.entries.get()
    with pytest.raises(ValidationError, match="sought"):
        entry_sign_off(actor=world.users["coordinator"], entry=held_entry, note=NOTE)
    assert not EntrySignOff.objects.exists()


def test_a_sign_off_is_revisable_and_its_history_kept(world: World, setup: Setup) -> None:
    coordinator, delegate = world.users["coordinator"], world.users["delegate"]
    entry_sign_off(actor=coordinator, entry=setup.layla, note=NOTE)
    with pytest.raises(ValidationError, match="already signed off"):
        entry_sign_off(actor=delegate, entry=setup.layla, note=NOTE)
    with pytest.raises(ValidationError):
        entry_sign_off_withdraw(actor=delegate, entry=setup.layla, note="")
    entry_sign_off_withdraw(
        actor=delegate, entry=setup.layla, note="South sent a second spelling: Laila Oudeh"
    )
    assert _outcomes(setup.submitted)[3] == "unknown"
    assert list_report(setup.submitted).rows[1].needs_sign_off
    with pytest.raises(ValidationError, match="no sign-off to withdraw"):
        entry_sign_off_withdraw(actor=delegate, entry=setup.layla, note="again")
    entry_sign_off(actor=delegate, entry=setup.layla, note="searched both spellings: nobody")
    assert _outcomes(setup.submitted)[3] == "not_acknowledged"

    history = list(setup.layla.sign_offs.order_by("at", "pk"))
    assert [(h.action, h.by.username) for h in history] == [
        ("signed", "coordinator"),
        ("withdrawn", "delegate"),
        ("signed", "delegate"),
    ]
    actions = list(
        AuditEvent.objects.filter(object_id=str(setup.layla.public_id))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["entry.sign_off", "entry.sign_off_withdraw", "entry.sign_off"]
    api = world.client("delegate").get(f"/api/v1/entries/{setup.layla.public_id}/sign-offs")
    assert [row["action"] for row in api.json()] == ["signed", "withdrawn", "signed"]


def test_a_confirmed_match_overrides_and_withdraws_the_sign_off(world: World, setup: Setup) -> None:
    coordinator = world.users["coordinator"]
    entry_sign_off(actor=coordinator, entry=setup.karim, note=NOTE)
    assert _outcomes(setup.submitted)[2] == "not_acknowledged"
    candidate = candidate_add(actor=coordinator, entry=setup.karim, person=setup.held)
    # A candidate awaiting a decision suspends the sign-off: it may be the person.
    assert _outcomes(setup.submitted)[2] == "unknown"
    candidate_decide(actor=coordinator, candidate=candidate, decision="confirmed")
    assert _outcomes(setup.submitted)[2] == "acknowledged_held"
    latest = setup.karim.sign_offs.order_by("-at", "-pk").first()
    assert latest is not None
    assert latest.action == "withdrawn"
    assert "Superseded by a confirmed match" in latest.note
    # Rejecting the match later does not revive the old sign-off: searched afresh or unknown.
    candidate_decide(actor=coordinator, candidate=candidate, decision="rejected")
    row = list_report(setup.submitted).rows[0]
    assert (row.outcome, row.needs_sign_off) == ("unknown", True)


def test_a_confirmed_duplicate_row_does_not_block_the_earlier_rows_sign_off(
    world: World, setup: Setup
) -> None:
    coordinator = world.users["coordinator"]
    entry_sign_off(actor=coordinator, entry=setup.karim, note=NOTE)
    duplicate = MatchCandidate.objects.create(
        entry=setup.layla, other_entry=setup.karim, run=setup.run, probability=0.8
    )
    candidate_decide(actor=coordinator, candidate=duplicate, decision="confirmed")
    # The earlier row keeps its sign-off; the later row is the duplicate.
    assert _outcomes(setup.submitted) == {2: "not_acknowledged", 3: "duplicate", 4: "unknown"}
    entry_sign_off_withdraw(actor=coordinator, entry=setup.karim, note="a second look")
    entry_sign_off(actor=coordinator, entry=setup.karim, note=NOTE)  # not blocked by the row


# --- Manual candidates -------------------------------------------------------------------------


def test_the_reviewers_search_finds_only_this_dossiers_visible_persons(
    world: World, setup: Setup
) -> None:
    for persona in ("coordinator", "delegate"):
        client = world.client(persona)
        url = f"/api/v1/entries/{setup.karim.public_id}/person-search"
        found = client.get(url, {"name": "karim"}).json()
        assert [hit["id"] for hit in found] == [str(setup.held.public_id)], persona
        assert found[0]["already_candidate"] is False
        assert client.get(url, {"dob": "1980"}).json()[0]["id"] == str(setup.held.public_id)
        assert client.get(url).json() == []  # nothing asked, nothing listed
        assert client.get(url, {"dob": "12/1980"}).status_code == 422
        page = client.get(reverse("lists-entry", args=[setup.karim.public_id]), {"name": "Karim"})
        html = page.content.decode()
        assert "Karim Nassar" in html
        assert str(setup.elsewhere.public_id) not in html
        assert "Add as candidate" in html


def test_a_manual_candidate_confirmed_gives_acknowledged_held(world: World, setup: Setup) -> None:
    client = world.client("delegate")
    response = _post_json(
        world,
        "delegate",
        f"/api/v1/entries/{setup.karim.public_id}/candidates",
        {"person": str(setup.held.public_id)},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["source"], body["probability"], body["reason"]) == (
        "manual",
        None,
        "added by reviewer",
    )
    assert (body["explanation"], body["added_by"], body["decision"]) == ([], "delegate", "pending")
    candidate = MatchCandidate.objects.get(public_id=body["id"])
    assert (candidate.run, candidate.probability, candidate.added_by) == (
        None,
        None,
        world.users["delegate"],
    )
    event = AuditEvent.objects.get(action="candidate.add")
    assert event.object_id == body["id"]

    page = client.get(reverse("lists-candidate", args=[candidate.public_id])).content.decode()
    assert "added by reviewer" in page
    decided = _post_json(
        world,
        "delegate",
        f"/api/v1/candidates/{candidate.public_id}/decision",
        {"decision": "confirmed", "note": "same year, same father's name on the ICRC card"},
    )
    assert decided.status_code == 200
    assert _outcomes(setup.submitted)[2] == "acknowledged_held"
    report = client.get(f"/api/v1/lists/{setup.submitted.public_id}/report").json()
    row = report["entries"][0]
    assert (row["outcome"], row["match"]) == ("acknowledged_held", body["id"])
    assert "probability" not in row  # no score: the report omits empty keys
    csv_body = client.get(reverse("lists-report-csv", args=[setup.submitted.public_id]))
    assert f"person:{setup.held.public_id},,0,manual," in csv_body.content.decode()


def test_adding_from_the_page_leads_to_the_candidate(world: World, setup: Setup) -> None:
    response = world.client("coordinator").post(
        reverse("lists-entry-candidate-add", args=[setup.karim.public_id]),
        {"person": setup.held.public_id},
    )
    candidate = MatchCandidate.objects.get(entry=setup.karim)
    assert response.status_code == 302
    assert response["Location"] == reverse("lists-candidate", args=[candidate.public_id])


def test_bad_manual_candidates_are_refused_and_write_nothing(world: World, setup: Setup) -> None:
    url = f"/api/v1/entries/{setup.karim.public_id}/candidates"
    before = _written()
    # A person of another dossier: the coordinator sees it, but it is not this registry.
    response = _post_json(world, "coordinator", url, {"person": str(setup.elsewhere.public_id)})
    assert response.status_code == 422
    assert "not in the registry of the list's dossier" in response.json()["error"]["message"] + str(
        response.json()["error"]["fields"]
    )
    with pytest.raises(ValidationError):
        candidate_add(actor=world.users["coordinator"], entry=setup.karim, person=setup.elsewhere)
    # The delegate does not even see it: the same 404 as for a person that does not exist.
    response = _post_json(world, "delegate", url, {"person": str(setup.elsewhere.public_id)})
    assert response.status_code == 404
    # Not a person id at all.
    assert _post_json(world, "delegate", url, {"person": "nonsense"}).status_code == 422
    assert _written() == before
    assert not AuditEvent.objects.filter(action="candidate.add").exists()
    # The same person twice.
    candidate_add(actor=world.users["coordinator"], entry=setup.karim, person=setup.held)
    again = _post_json(world, "coordinator", url, {"person": str(setup.held.public_id)})
    assert again.status_code == 422
    assert "already a candidate" in json.dumps(again.json())
    assert MatchCandidate.objects.filter(entry=setup.karim).count() == 1


def test_an_entry_of_another_dossier_is_refused_and_nothing_written(
    world: World, setup: Setup
) -> None:
    """The delegate works this dossier only: an entry of another dossier does not exist."""
    from intermediary.lists.services import list_submit

    foreign_list = list_submit(
        actor=world.users["coordinator"],
        dossier=setup.other_dossier,
        kind="sought",
        data=b"full_name\nKarim Nasser\n",
        filename="other.csv",
        party=world.orgs["SOUTH"],
    )
    _done_run(foreign_list)
    foreign = foreign_list.entries.get()
    before = _written()
    with pytest.raises(PermissionDenied):
        entry_sign_off(actor=world.users["delegate"], entry=foreign, note=NOTE)
    with pytest.raises(PermissionDenied):
        candidate_add(actor=world.users["delegate"], entry=foreign, person=setup.held)
    for path, body in (
        ("sign-off", {"note": NOTE}),
        ("candidates", {"person": str(setup.elsewhere.public_id)}),
    ):
        url = f"/api/v1/entries/{foreign.public_id}/{path}"
        assert _post_json(world, "delegate", url, body).status_code == 404
    # The coordinator works both, but a person of this dossier is not the other's registry.
    with pytest.raises(ValidationError):
        candidate_add(actor=world.users["coordinator"], entry=foreign, person=setup.held)
    assert _written() == before


def test_a_rerun_keeps_the_reviewers_candidates(world: World, setup: Setup) -> None:
    from intermediary.lists.reconcile import store

    manual = candidate_add(actor=world.users["coordinator"], entry=setup.karim, person=setup.held)
    store(_done_run_again(setup), {})  # the matcher finds nothing this time
    assert MatchCandidate.objects.filter(pk=manual.pk, source="manual").exists()
    assert not MatchCandidate.objects.filter(entry=setup.rami).exists()  # pending, not found


def _done_run_again(setup: Setup) -> ReconciliationRun:
    return _done_run(setup.submitted)


# --- Parties -----------------------------------------------------------------------------------

PARTIES = ["south_negotiator", "south_observer", "north_negotiator", "north_observer"]


def test_parties_never_see_sign_offs_or_manual_candidates(world: World, setup: Setup) -> None:
    coordinator = world.users["coordinator"]
    secret = "SECRET-SIGN-OFF-NOTE: phoned the Northern prison registrar"
    entry_sign_off(actor=coordinator, entry=setup.layla, note=secret)
    manual = candidate_add(actor=coordinator, entry=setup.karim, person=setup.held)
    candidate_decide(
        actor=coordinator, candidate=manual, decision="confirmed", note="SECRET-DECISION"
    )
    for org in ("SOUTH", "NORTH"):
        report_disclose(
            actor=coordinator,
            submitted_list=setup.submitted,
            recipient=world.orgs[org],
            fields=["outcome_counts", "outcome_per_entry"],
        )
    pid = setup.submitted.public_id
    urls = [
        reverse("lists-detail", args=[pid]),
        reverse("lists-report", args=[pid]),
        reverse("lists-report-csv", args=[pid]),
        reverse("lists-review", args=[pid]),
        reverse("lists-entry", args=[setup.layla.public_id]),
        reverse("lists-entry", args=[setup.karim.public_id]),
        reverse("lists-candidate", args=[manual.public_id]),
        f"/api/v1/lists/{pid}",
        f"/api/v1/lists/{pid}/entries",
        f"/api/v1/lists/{pid}/report",
        f"/api/v1/lists/{pid}/candidates",
        f"/api/v1/entries/{setup.layla.public_id}/sign-offs",
        f"/api/v1/entries/{setup.karim.public_id}/person-search?name=karim",
    ]
    forbidden = [
        secret,
        "SECRET",
        "registrar",
        "signed off",
        "Signed off",
        "sign_off",
        "added by reviewer",
        "manual",
        "coordinator",
        str(manual.public_id),
        str(setup.held.public_id),
        "Karim Nassar",
    ]
    # The intermediary does see them: the words below are reachable, parties just never get them.
    staff = world.client("coordinator")
    assert secret in staff.get(urls[4]).content.decode()
    assert "manual" in staff.get(urls[2]).content.decode()
    assert "added by reviewer" in staff.get(urls[6]).content.decode()
    seen_reports = 0
    for persona in PARTIES:
        client = world.client(persona)
        for url in urls:
            response = client.get(url)
            body = response.content.decode().replace(url.split("?")[0], "")
            for word in forbidden:
                assert word not in body, (persona, url, word)
            if url.endswith("/report") and response.status_code == 200:
                seen_reports += 1
                outcomes = [row["outcome"] for row in response.json()["entries"]]
                assert outcomes == ["acknowledged_held", "not_acknowledged", "unknown"]
    assert seen_reports == len(PARTIES)


# --- Pages -------------------------------------------------------------------------------------


def test_review_and_report_point_at_the_entries_awaiting_sign_off(
    world: World, setup: Setup
) -> None:
    client = world.client("delegate")
    review = client.get(reverse("lists-review", args=[setup.submitted.public_id]))
    html = review.content.decode()
    assert 'id="awaiting-sign-off"' in html
    for entry in (setup.karim, setup.layla):
        assert reverse("lists-entry", args=[entry.public_id]) in html
    awaiting = review.context["awaiting_sign_off"]
    assert [row.entry.row_number for row in awaiting] == [2, 3]
    report = client.get(reverse("lists-report", args=[setup.submitted.public_id]))
    assert "2 entries have no candidate and stay unknown" in report.content.decode()
    assert "no candidate found: needs a reviewer&#x27;s search and sign-off" in (
        report.content.decode()
    )


def test_the_entry_page_signs_off_and_withdraws(world: World, setup: Setup) -> None:
    client = world.client("coordinator")
    url = reverse("lists-entry", args=[setup.layla.public_id])
    page = client.get(url).content.decode()
    assert 'data-outcome="unknown"' in page
    assert "Sign off: searched, no match" in page
    done = client.post(
        reverse("lists-entry-sign-off", args=[setup.layla.public_id]), {"note": NOTE}, follow=True
    )
    html = done.content.decode()
    assert "Signed off: searched, no match." in html
    assert 'data-outcome="not_acknowledged"' in html
    assert 'id="sign-off-standing"' in html
    assert "Withdraw the sign-off" in html
    client.post(
        reverse("lists-entry-sign-off-withdraw", args=[setup.layla.public_id]),
        {"note": "new information from the family"},
    )
    html = client.get(url).content.decode()
    assert 'data-outcome="unknown"' in html
    assert "new information from the family" in html  # the history
    assert escape(NOTE) in html


def test_a_bad_date_in_the_search_is_shown_on_the_form(world: World, setup: Setup) -> None:
    page = world.client("coordinator").get(
        reverse("lists-entry", args=[setup.karim.public_id]), {"dob": "1980/05"}
    )
    assert page.status_code == 200
    assert "YYYY, YYYY-MM or YYYY-MM-DD" in page.content.decode()
    assert page.context["search"] is None


def test_the_held_list_entry_page_offers_no_sign_off(world: World, setup: Setup) -> None:
    held = submit(world, [["full_name"], ["Omar Saleh"]], kind="held", persona="north_negotiator")
    entry = held.entries.get()
    html = world.client("coordinator").get(reverse("lists-entry", args=[entry.public_id]))
    assert "Sign-off: searched, no match" not in html.content.decode()
