"""A reviewer searches the other side's lists by hand and adds the entry the matcher missed as
a candidate: the same lists the reconciliation compares with (opposite kind, another party,
same dossier), audited, and counted in the outcomes like the matcher's own candidates."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from intermediary.access.policy import PermissionDenied
from intermediary.audit.models import AuditEvent
from intermediary.lists.models import EntrySignOff, ListEntry, MatchCandidate, SubmittedList
from intermediary.lists.outcomes import list_report
from intermediary.lists.services import (
    candidate_add,
    candidate_decide,
    entry_sign_off,
    list_submit,
)
from tests.conftest import World
from tests.lists.conftest import done_run, submit

pytestmark = pytest.mark.django_db

SOUTH_SOUGHT = [
    ["reference", "full_name", "date_of_birth"],
    ["S-1", "Karim Nasser", "1980"],
    ["S-2", "Layla Odeh", "1992-03-04"],
]
# North's held list spells them otherwise; the matcher is not run in these tests at all.
NORTH_HELD = [
    ["full_name", "other_names", "date_of_birth"],
    ["Kárim NASSER", "كريم ناصر", "1980"],
    ["Layla Oudeh", "", "1992"],
]


@dataclass
class Lists:
    sought: SubmittedList  # South seeks
    held: SubmittedList  # North holds
    karim: ListEntry  # South's row 2
    layla: ListEntry  # South's row 3
    held_karim: ListEntry  # North's row 2
    held_layla: ListEntry  # North's row 3
    north_sought: ListEntry  # North's own sought list: same kind, not the other side
    south_held: ListEntry  # South's own held list: its own party, not the other side
    elsewhere: ListEntry  # North's held list in another dossier


def _rows(submitted: SubmittedList) -> list[ListEntry]:
    return list(submitted.entries.order_by("row_number"))


@pytest.fixture
def lists(world: World) -> Lists:
    from intermediary.dossiers.services import dossier_create

    sought = submit(world, SOUTH_SOUGHT)
    held = submit(world, NORTH_HELD, kind="held", persona="north_negotiator")
    north_sought = submit(world, [["full_name"], ["Karim Nasser"]], persona="north_negotiator")
    south_held = submit(world, [["full_name"], ["Karim Nasser "]], kind="held")
    other = dossier_create(
        actor=world.users["coordinator"],
        title="Another exchange",
        parties=[world.orgs["NORTH"], world.orgs["SOUTH"]],
    )
    elsewhere = list_submit(
        actor=world.users["coordinator"],
        dossier=other,
        kind="held",
        data=b"full_name\nKarim Nasser\n",
        filename="elsewhere.csv",
        party=world.orgs["NORTH"],
    )
    karim, layla = _rows(sought)
    held_karim, held_layla = _rows(held)
    return Lists(
        sought,
        held,
        karim,
        layla,
        held_karim,
        held_layla,
        north_sought.entries.get(),
        south_held.entries.get(),
        elsewhere.entries.get(),
    )


def _post_json(world: World, persona: str, url: str, body: dict[str, Any]) -> Any:
    return world.client(persona).post(url, json.dumps(body), content_type="application/json")


def _search(world: World, persona: str, entry: ListEntry, **query: str) -> Any:
    return world.client(persona).get(f"/api/v1/entries/{entry.public_id}/other-side-search", query)


def _written() -> tuple[int, int]:
    return MatchCandidate.objects.count(), AuditEvent.objects.filter(
        action__startswith="candidate."
    ).count()


def test_the_search_covers_exactly_the_lists_the_reconciliation_compares(
    world: World, lists: Lists
) -> None:
    for persona in ("coordinator", "delegate"):
        found = _search(world, persona, lists.karim, name="karim nasser")
        assert found.status_code == 200
        # Accents and case folded; North's own sought list, South's own held list and the
        # other dossier's list are not the other side of this list.
        assert [hit["id"] for hit in found.json()] == [str(lists.held_karim.public_id)], persona
        hit = found.json()[0]
        assert (hit["list"], hit["list_kind"], hit["party"], hit["row"]) == (
            str(lists.held.public_id),
            "held",
            "NORTH",
            2,
        )
        assert hit["already_candidate"] is False
    # Another name the entry gives, in another script, with Arabic letter variants folded.
    assert [h["row"] for h in _search(world, "delegate", lists.karim, name="كريم").json()] == [2]
    assert [h["row"] for h in _search(world, "delegate", lists.layla, dob="1992").json()] == [3]
    assert _search(world, "delegate", lists.karim).json() == []  # nothing asked
    assert _search(world, "delegate", lists.karim, dob="04/1992").status_code == 422
    # From the held list, the other side is South's sought list.
    back = _search(world, "coordinator", lists.held_layla, name="layla")
    assert [h["id"] for h in back.json()] == [str(lists.layla.public_id)]


def test_an_entry_added_by_hand_counts_like_the_matchers(world: World, lists: Lists) -> None:
    url = f"/api/v1/entries/{lists.karim.public_id}/candidates"
    response = _post_json(world, "delegate", url, {"other_entry": str(lists.held_karim.public_id)})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["source"], body["target_kind"], body["other_entry"], body["person"]) == (
        "manual",
        "entry",
        str(lists.held_karim.public_id),
        None,
    )
    assert (body["probability"], body["reason"], body["added_by"]) == (
        None,
        "added by reviewer",
        "delegate",
    )
    event = AuditEvent.objects.get(action="candidate.add")
    assert (event.object_id, event.actor_id) == (body["id"], str(world.users["delegate"].public_id))
    assert _search(world, "delegate", lists.karim, name="karim").json()[0]["already_candidate"]

    candidate = MatchCandidate.objects.get(public_id=body["id"])
    # Awaiting a decision, it keeps the entry unknown, as a matcher's candidate would.
    assert list_report(lists.sought).rows[0].outcome == "unknown"
    candidate_decide(actor=world.users["coordinator"], candidate=candidate, decision="confirmed")
    row = list_report(lists.sought).rows[0]
    assert (row.outcome, row.match) == ("acknowledged_held", candidate)
    csv_body = world.client("coordinator").get(
        reverse("lists-report-csv", args=[lists.sought.public_id])
    )
    assert f"entry:{lists.held_karim.public_id},,0,manual," in csv_body.content.decode()
    page = world.client("coordinator").get(reverse("lists-candidate", args=[candidate.public_id]))
    assert "a search of the other side's lists" in page.content.decode()


def test_added_from_the_held_list_it_acknowledges_the_sought_entry(
    world: World, lists: Lists
) -> None:
    candidate = candidate_add(
        actor=world.users["coordinator"], entry=lists.held_layla, other_entry=lists.layla
    )
    candidate_decide(actor=world.users["coordinator"], candidate=candidate, decision="confirmed")
    outcomes = {r.entry.row_number: r.outcome for r in list_report(lists.sought).rows}
    assert outcomes == {2: "unknown", 3: "acknowledged_held"}


def test_a_confirmed_entry_added_by_hand_withdraws_the_sign_off(world: World, lists: Lists) -> None:
    coordinator = world.users["coordinator"]
    done_run(lists.sought)
    entry_sign_off(actor=coordinator, entry=lists.karim, note="searched the registry: nobody")
    assert list_report(lists.sought).rows[0].outcome == "not_acknowledged"
    candidate = candidate_add(actor=coordinator, entry=lists.karim, other_entry=lists.held_karim)
    assert list_report(lists.sought).rows[0].outcome == "unknown"  # suspended, not withdrawn
    candidate_decide(actor=coordinator, candidate=candidate, decision="confirmed")
    latest = EntrySignOff.objects.filter(entry=lists.karim).order_by("-at", "-pk").first()
    assert latest is not None
    assert (latest.action, "Superseded by a confirmed match" in latest.note) == ("withdrawn", True)


@pytest.mark.parametrize(
    "target",
    ["north_sought", "south_held", "elsewhere"],
)
def test_entries_not_on_the_other_side_are_refused(world: World, lists: Lists, target: str) -> None:
    """Same kind, the list's own party, another dossier: the coordinator sees them all, and
    each is refused (422) with nothing written. (A row of the list itself is a possible
    duplicate: test_earlier_row_candidates.)"""
    other: ListEntry = getattr(lists, target)
    before = _written()
    with pytest.raises(ValidationError) as caught:
        candidate_add(actor=world.users["coordinator"], entry=lists.karim, other_entry=other)
    assert "other_entry" in caught.value.message_dict
    url = f"/api/v1/entries/{lists.karim.public_id}/candidates"
    response = _post_json(world, "coordinator", url, {"other_entry": str(other.public_id)})
    assert response.status_code == 422
    assert "not on a list of the other side" in json.dumps(response.json())
    assert _written() == before


def test_bad_requests_write_nothing(world: World, lists: Lists) -> None:
    url = f"/api/v1/entries/{lists.karim.public_id}/candidates"
    before = _written()
    # The delegate does not work the other dossier: its entry does not exist for them.
    gone = _post_json(world, "delegate", url, {"other_entry": str(lists.elsewhere.public_id)})
    assert gone.status_code == 404
    both = {"other_entry": str(lists.held_karim.public_id), "person": str(lists.karim.public_id)}
    assert _post_json(world, "delegate", url, both).status_code == 422
    assert _post_json(world, "delegate", url, {}).status_code == 422
    with pytest.raises(ValidationError):
        candidate_add(actor=world.users["delegate"], entry=lists.karim)
    # Parties never add candidates, even to their own list, and never reach the search.
    with pytest.raises(PermissionDenied):
        candidate_add(
            actor=world.users["south_negotiator"], entry=lists.karim, other_entry=lists.held_karim
        )
    for persona in ("south_negotiator", "north_negotiator"):
        body = {"other_entry": str(lists.held_karim.public_id)}
        assert _post_json(world, persona, url, body).status_code == 404
        assert _search(world, persona, lists.karim, name="karim").status_code == 404
    assert _written() == before
    # The same entry twice.
    candidate_add(actor=world.users["delegate"], entry=lists.karim, other_entry=lists.held_karim)
    again = _post_json(world, "delegate", url, {"other_entry": str(lists.held_karim.public_id)})
    assert again.status_code == 422
    assert "already a candidate" in json.dumps(again.json())


def test_the_entry_page_searches_the_other_side_and_adds(world: World, lists: Lists) -> None:
    client = world.client("coordinator")
    page_url = reverse("lists-entry", args=[lists.karim.public_id])
    html = client.get(page_url, {"other-name": "nasser"}).content.decode()
    assert 'id="other-side-search"' in html
    assert "Kárim NASSER" in html
    assert f'name="other_entry" value="{lists.held_karim.public_id}"' in html
    assert 'id="manual-search"' not in html  # the registry search was not asked
    response = client.post(
        reverse("lists-entry-candidate-add", args=[lists.karim.public_id]),
        {"other_entry": lists.held_karim.public_id},
    )
    candidate = MatchCandidate.objects.get(entry=lists.karim)
    assert response.status_code == 302
    assert response["Location"] == reverse("lists-candidate", args=[candidate.public_id])
    assert candidate.other_entry == lists.held_karim
    html = client.get(page_url, {"other-name": "nasser"}).content.decode()
    assert "already a candidate" in html


def test_a_rerun_keeps_the_entry_added_by_hand(world: World, lists: Lists) -> None:
    from intermediary.lists.reconcile import Found, store

    manual = candidate_add(
        actor=world.users["coordinator"], entry=lists.karim, other_entry=lists.held_karim
    )
    # The matcher now finds the same pair: the reviewer's candidate stays theirs, unscored.
    found = {(lists.karim.pk, ("e", lists.held_karim.pk)): Found(0.93, {"name": 4.0})}
    store(done_run(lists.sought), found)
    manual.refresh_from_db()
    assert (manual.source, manual.probability, manual.run) == ("manual", None, None)
    assert MatchCandidate.objects.filter(entry=lists.karim).count() == 1
