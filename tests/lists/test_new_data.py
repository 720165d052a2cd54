"""New data after a search: a run and a sign-off record what they covered; registry persons or
other-side lists added since prompt "reconcile again", and a "searched, no match" sign-off
that predates them no longer makes the entry "not acknowledged" (unknown until a reviewer
reconciles, searches and renews it). A new run's candidate for a signed-off entry puts it
back in the review queue."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from intermediary.audit.models import AuditEvent
from intermediary.lists.freshness import current_mark, list_freshness
from intermediary.lists.models import MatchCandidate, SubmittedList
from intermediary.lists.outcomes import list_report
from intermediary.lists.services import (
    candidate_decide,
    entry_sign_off,
    reconciliation_start,
    report_disclose,
)
from intermediary.registry.inputs import NameInput
from tests.conftest import World
from tests.lists.conftest import Registry, done_run, submit
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db

NOTE = "searched the registry by name and year of birth, and North's held list: nobody"
ROWS = [
    ["reference", "full_name", "date_of_birth", "sex"],
    ["S-1", "Karim Nasser", "1980", "m"],
    ["S-2", "Layla Odeh", "1992-03-04", "f"],
]
PROMPT = 'id="new-data"'
STALE_MARK = 'data-mark="sign-off-predates-new-data"'


def _reconciled_without_splink(world: World) -> SubmittedList:
    """South's sought list, a registry person, and a finished run that read them."""
    submitted = submit(world, ROWS)
    make_person(world, names=[NameInput(full_text="Omar Saleh", is_primary=True)])
    done_run(submitted)
    return submitted


def _page(world: World, persona: str, name: str, public_id: object) -> str:
    response = world.client(persona).get(reverse(name, args=[public_id]))
    assert response.status_code == 200
    return str(response.content.decode())


def _api_list(world: World, persona: str, submitted: SubmittedList) -> dict[str, object]:
    response = world.client(persona).get(f"/api/v1/lists/{submitted.public_id}")
    body: dict[str, object] = response.json()
    return body


def test_a_run_records_what_it_read(
    world: World, reconciled: SubmittedList, registry: Registry
) -> None:
    run = reconciled.runs.get()
    # Three registry persons with two names each; no held list of North yet.
    assert (run.seen_persons, run.seen_person_names, run.seen_lists) == (3, 6, 0)
    assert not list_freshness(reconciled).reconcile_again


def test_new_registry_persons_prompt_a_new_reconciliation(world: World) -> None:
    submitted = _reconciled_without_splink(world)
    pid = submitted.public_id
    for name in ("lists-detail", "lists-review", "lists-report"):
        assert PROMPT not in _page(world, "delegate", name, pid), name
    assert _api_list(world, "delegate", submitted)["new_data"] is None

    make_person(world, names=[NameInput(full_text="Layla Oudeh", is_primary=True)])
    for name in ("lists-detail", "lists-review", "lists-report"):
        html = _page(world, "delegate", name, pid)
        assert PROMPT in html, name
        assert "New data since the last search: reconcile again." in html
        assert (
            "registry persons: 1; names of registry persons: 1; lists of the other side: 0"
        ) in html
    entry = submitted.entries.first()
    assert entry is not None
    assert PROMPT in _page(world, "coordinator", "lists-entry", entry.public_id)
    assert _api_list(world, "delegate", submitted)["new_data"] == {
        "persons": 1,
        "person_names": 1,
        "lists": 0,
        "corrections": 0,
    }
    report = world.client("delegate").get(f"/api/v1/lists/{pid}/report").json()
    assert report["new_data"] == {"persons": 1, "person_names": 1, "lists": 0, "corrections": 0}
    # The registry's growth is the intermediary's business, not the party's.
    assert PROMPT not in _page(world, "south_negotiator", "lists-detail", pid)
    assert _api_list(world, "south_negotiator", submitted)["new_data"] is None

    done_run(submitted)  # reconciled again: it read the new person
    assert PROMPT not in _page(world, "delegate", "lists-detail", pid)
    assert _api_list(world, "delegate", submitted)["new_data"] is None


def test_what_counts_as_new_data(world: World) -> None:
    """A name added to a person and a list of the other side count; a list of the same kind,
    the party's own list or another dossier's list do not (the run does not read them)."""
    from intermediary.dossiers.services import dossier_create
    from intermediary.lists.services import list_submit
    from intermediary.registry.services import name_add

    submitted = _reconciled_without_splink(world)
    north_held = _reconciled_north_held(world)
    submit(world, [["full_name"], ["Rami Saleh"]], persona="north_negotiator")  # same kind
    submit(world, [["full_name"], ["Rami Salih"]], kind="held")  # South's own
    other = dossier_create(
        actor=world.users["coordinator"],
        title="Another exchange",
        parties=[world.orgs["NORTH"], world.orgs["SOUTH"]],
    )
    list_submit(
        actor=world.users["coordinator"],
        dossier=other,
        kind="held",
        data=b"full_name\nKarim Nasser\n",
        filename="elsewhere.csv",
        party=world.orgs["NORTH"],
    )
    fresh = list_freshness(submitted)
    assert (fresh.since_run.persons, fresh.since_run.person_names, fresh.since_run.lists) == (
        0,
        0,
        1,  # North's held list, submitted after the run
    )
    done_run(submitted)
    assert not list_freshness(submitted).reconcile_again
    person = make_person(world, names=[NameInput(full_text="Samir Khoury", is_primary=True)])
    done_run(submitted)
    name_add(
        actor=world.users["coordinator"],
        person=person,
        name=NameInput(full_text="سمير خوري"),
    )
    since = list_freshness(submitted).since_run
    assert (since.persons, since.person_names, since.lists, bool(since)) == (0, 1, 0, True)
    # North's held list is compared with South's sought lists only: South's held list,
    # submitted after North's run, is not among them.
    assert (list_freshness(north_held).since_run.lists, current_mark(north_held).lists) == (0, 1)


def _reconciled_north_held(world: World) -> SubmittedList:
    held = submit(world, [["full_name"], ["Karim Nassar"]], kind="held", persona="north_negotiator")
    done_run(held)
    return held


def test_a_sign_off_that_predates_new_data_is_unknown_again(world: World) -> None:
    submitted = _reconciled_without_splink(world)
    layla = submitted.entries.get(row_number=3)
    signed = entry_sign_off(actor=world.users["delegate"], entry=layla, note=NOTE)
    assert (signed.seen_persons, signed.seen_person_names, signed.seen_lists) == (1, 1, 0)
    assert list_report(submitted).rows[1].outcome == "not_acknowledged"
    report_disclose(
        actor=world.users["coordinator"],
        submitted_list=submitted,
        recipient=world.orgs["SOUTH"],
        fields=["outcome_counts", "outcome_per_entry"],
    )

    # North hands over its list of persons held: Layla may be on it, and nobody has looked.
    submit(world, [["full_name"], ["Laila Oudeh"]], kind="held", persona="north_negotiator")
    row = list_report(submitted).rows[1]
    assert (row.outcome, row.needs_sign_off, row.sign_off_predates_new_data) == (
        "unknown",
        True,
        True,
    )
    assert row.note.startswith("sign-off predates new data (signed off by delegate)")
    assert row.sign_off == signed  # suspended, not withdrawn: the history is untouched
    assert layla.sign_offs.count() == 1

    pid = submitted.public_id
    review = _page(world, "delegate", "lists-review", pid)
    assert STALE_MARK in review
    assert reverse("lists-entry", args=[layla.public_id]) in review
    report = _page(world, "coordinator", "lists-report", pid)
    assert 'id="sign-offs-predate-new-data"' in report
    assert "1 sign-off predates new data" in report
    assert STALE_MARK in report
    entry_page = _page(world, "coordinator", "lists-entry", layla.public_id)
    assert 'id="sign-off-predates"' in entry_page
    assert 'data-outcome="unknown"' in entry_page
    lines = list(
        csv.reader(
            io.StringIO(
                world.client("coordinator")
                .get(reverse("lists-report-csv", args=[pid]))
                .content.decode("utf-8-sig")
            )
        )
    )
    assert lines[0][-1] == "sign_off_predates_new_data"
    assert [line[-1] for line in lines[1:3]] == ["", "yes"]
    api = world.client("delegate").get(f"/api/v1/lists/{pid}/report").json()
    assert [(e["outcome"], e["sign_off_predates_new_data"]) for e in api["entries"]] == [
        ("unknown", False),
        ("unknown", True),
    ]
    # The party told of the outcome now reads "unknown", and nothing of why.
    party = world.client("south_negotiator").get(f"/api/v1/lists/{pid}/report").json()
    assert [e["outcome"] for e in party["entries"]] == ["unknown", "unknown"]
    assert "sign_off_predates_new_data" not in str(party)
    assert "new_data" not in party


def test_signing_off_waits_for_a_reconciliation_of_the_new_data(world: World) -> None:
    submitted = _reconciled_without_splink(world)
    karim, layla = submitted.entries.order_by("row_number")
    entry_sign_off(actor=world.users["coordinator"], entry=layla, note=NOTE)
    make_person(world, names=[NameInput(full_text="Nadia Farouk", is_primary=True)])
    events = AuditEvent.objects.filter(action="entry.sign_off").count()
    for entry in (karim, layla):  # a first sign-off and a renewal alike
        with pytest.raises(ValidationError, match="reconcile again before signing off") as caught:
            entry_sign_off(actor=world.users["coordinator"], entry=entry, note=NOTE)
        assert caught.value.error_dict["entry"][0].code == "stale"
        url = f"/api/v1/entries/{entry.public_id}/sign-off"
        response = world.client("delegate").post(
            url, {"note": NOTE}, content_type="application/json"
        )
        assert response.status_code == 422
    assert AuditEvent.objects.filter(action="entry.sign_off").count() == events

    done_run(submitted)
    renewed = entry_sign_off(actor=world.users["delegate"], entry=layla, note="searched again")
    assert list_report(submitted).rows[1].outcome == "not_acknowledged"
    assert [s.action for s in layla.sign_offs.order_by("at", "pk")] == ["signed", "signed"]
    assert renewed.seen_persons == 2
    with pytest.raises(ValidationError, match="already signed off"):
        entry_sign_off(actor=world.users["coordinator"], entry=layla, note=NOTE)
    assert AuditEvent.objects.filter(action="entry.sign_off").count() == events + 1


def test_a_new_candidate_for_a_signed_off_entry_goes_back_to_the_queue(
    world: World, reconciled: SubmittedList, registry: Registry
) -> None:
    """Row 4 (Nadia Farouk Odeh) is held by nobody: signed off. Then North's registry gains
    her; the next run finds her, and the entry is back in the reviewer's queue."""
    from intermediary.registry.services import person_create
    from tests.registry.factories import person_input

    coordinator = world.users["coordinator"]
    nadia = reconciled.entries.get(row_number=4)
    for candidate in MatchCandidate.objects.filter(entry=nadia, decision="pending"):
        candidate_decide(actor=coordinator, candidate=candidate, decision="rejected")
    entry_sign_off(actor=coordinator, entry=nadia, note=NOTE)
    assert list_report(reconciled).rows[2].outcome == "not_acknowledged"

    found = person_create(
        actor=coordinator,
        dossier=world.dossier,
        data=person_input(
            world,
            names=[NameInput(full_text="Nadia Farouk Odeh", is_primary=True)],
            birth_year=1999,
            birth_month=9,
            birth_day=9,
            sex="female",
            registered_on=date(2024, 2, 1),
        ),
    )
    pid = reconciled.public_id
    assert PROMPT in _page(world, "coordinator", "lists-detail", pid)
    run = reconciliation_start(actor=coordinator, submitted_list=reconciled)
    assert run.status == "done", run.error
    candidate = MatchCandidate.objects.get(entry=nadia, person=found)
    assert candidate.decision == "pending"

    row = list_report(reconciled).rows[2]
    assert (row.outcome, row.note, row.pending) == ("unknown", "awaiting review", 1)
    assert (row.sign_off_suspended, row.sign_off_predates_new_data) == (True, True)
    queue = world.client("coordinator").get(reverse("lists-review", args=[pid]), {"pending": "1"})
    html = queue.content.decode()
    assert PROMPT not in html  # the run read the new person
    assert reverse("lists-entry", args=[nadia.public_id]) in html
    assert 'data-mark="sign-off-suspended"' in html
    assert reverse("lists-candidate", args=[candidate.public_id]) in html

    # Not her after all: the old sign-off still predates the new person, so the entry waits
    # for a reviewer to search again and renew it.
    candidate_decide(actor=coordinator, candidate=candidate, decision="rejected")
    row = list_report(reconciled).rows[2]
    assert (row.outcome, row.needs_sign_off, row.sign_off_predates_new_data) == (
        "unknown",
        True,
        True,
    )
    entry_sign_off(actor=coordinator, entry=nadia, note="searched again, and the new person")
    assert list_report(reconciled).rows[2].outcome == "not_acknowledged"
