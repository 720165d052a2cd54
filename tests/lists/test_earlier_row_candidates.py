"""A reviewer searches the earlier rows of an entry's own list and adds one as a possible
duplicate the matcher missed: stored like the matcher's within-list pairs (on the later row,
pointing to the earlier one), audited, and counted as "duplicate" once confirmed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from intermediary.access.policy import PermissionDenied
from intermediary.audit.canonical import digest
from intermediary.audit.models import AuditEvent
from intermediary.lists.models import ListEntry, MatchCandidate, SubmittedList
from intermediary.lists.outcomes import list_report
from intermediary.lists.services import candidate_add, candidate_decide, list_submit
from tests.conftest import World
from tests.lists.conftest import done_run, submit

pytestmark = pytest.mark.django_db

# Row 4 names row 2's person again in another spelling; the matcher is not run here.
SOUTH_SOUGHT = [
    ["reference", "full_name", "date_of_birth"],
    ["S-1", "Karim Nasser", "1980"],
    ["S-2", "Layla Odeh", "1992-03-04"],
    ["S-3", "Kárim NASSAR", "1980"],
]


@dataclass
class Rows:
    sought: SubmittedList
    karim: ListEntry  # row 2
    layla: ListEntry  # row 3
    again: ListEntry  # row 4: Karim again
    second_list: ListEntry  # South's second sought list (same kind, same party): not this list
    held_karim: ListEntry  # North's held list: the other side, not an earlier row
    elsewhere: ListEntry  # a list of another dossier, which the delegate does not work


@pytest.fixture
def rows(world: World) -> Rows:
    from intermediary.dossiers.services import dossier_create

    sought = submit(world, SOUTH_SOUGHT)
    second = submit(world, [["full_name", "date_of_birth"], ["Karim Nasser", "1980"]])
    held = submit(world, [["full_name"], ["Karim Nasser"]], kind="held", persona="north_negotiator")
    other = dossier_create(
        actor=world.users["coordinator"],
        title="Another exchange",
        parties=[world.orgs["NORTH"], world.orgs["SOUTH"]],
    )
    elsewhere = list_submit(
        actor=world.users["coordinator"],
        dossier=other,
        kind="sought",
        data=b"full_name\nKarim Nasser\n",
        filename="elsewhere.csv",
        party=world.orgs["SOUTH"],
    )
    karim, layla, again = sought.entries.order_by("row_number")
    return Rows(
        sought,
        karim,
        layla,
        again,
        second.entries.get(),
        held.entries.get(),
        elsewhere.entries.get(),
    )


def _post_json(world: World, persona: str, url: str, body: dict[str, Any]) -> Any:
    return world.client(persona).post(url, json.dumps(body), content_type="application/json")


def _add_url(entry: ListEntry) -> str:
    return f"/api/v1/entries/{entry.public_id}/candidates"


def _search(world: World, persona: str, entry: ListEntry, **query: str) -> Any:
    url = f"/api/v1/entries/{entry.public_id}/earlier-rows-search"
    return world.client(persona).get(url, query)


def _written() -> tuple[int, int]:
    return MatchCandidate.objects.count(), AuditEvent.objects.filter(
        action__startswith="candidate."
    ).count()


def test_the_search_covers_only_the_earlier_rows_of_the_list(world: World, rows: Rows) -> None:
    for persona in ("coordinator", "delegate"):
        found = _search(world, persona, rows.again, name="karim nasser")
        assert found.status_code == 200, found.content
        # Not row 4 itself, not South's second list, not North's held list.
        assert [hit["id"] for hit in found.json()] == [str(rows.karim.public_id)], persona
        hit = found.json()[0]
        assert (hit["list"], hit["row"], hit["already_candidate"]) == (
            str(rows.sought.public_id),
            2,
            False,
        )
    assert [h["row"] for h in _search(world, "delegate", rows.again, dob="1992").json()] == [3]
    # From row 2 nothing comes before it; the later row 4 is not offered.
    assert _search(world, "delegate", rows.karim, name="karim").json() == []
    assert _search(world, "delegate", rows.again).json() == []  # nothing asked
    assert _search(world, "delegate", rows.again, dob="04/1992").status_code == 422


def test_an_earlier_row_added_by_hand_makes_a_duplicate(world: World, rows: Rows) -> None:
    before = AuditEvent.objects.count()
    response = _post_json(
        world, "delegate", _add_url(rows.again), {"other_entry": str(rows.karim.public_id)}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["source"], body["target_kind"], body["other_entry"], body["entry_row"]) == (
        "manual",
        "entry",
        str(rows.karim.public_id),
        4,
    )
    assert (body["probability"], body["reason"], body["added_by"]) == (
        None,
        "added by reviewer",
        "delegate",
    )
    # Stored exactly like the matcher's within-list pair: on the later row, no run, no score.
    candidate = MatchCandidate.objects.get(public_id=body["id"])
    assert (candidate.entry, candidate.other_entry, candidate.run, candidate.person) == (
        rows.again,
        rows.karim,
        None,
        None,
    )
    # One event (beside the client's login), naming only hashes of what was added.
    events = [e for e in AuditEvent.objects.order_by("seq")[before:] if e.action != "auth.login"]
    assert [e.action for e in events] == ["candidate.add"]
    assert (events[0].object_id, events[0].actor_id) == (
        body["id"],
        str(world.users["delegate"].public_id),
    )
    assert events[0].payload_hash == digest(
        {
            "entry": rows.again.public_id,
            "list": rows.sought.public_id,
            "source": "manual",
            "other_entry": rows.karim.public_id,
            "other_list": rows.sought.public_id,
        }
    )
    assert _search(world, "delegate", rows.again, name="karim").json()[0]["already_candidate"]

    outcomes = {r.entry.row_number: r.outcome for r in list_report(rows.sought).rows}
    assert outcomes[4] == "unknown"  # awaiting review, like a matcher's candidate
    decided = _post_json(
        world, "coordinator", f"/api/v1/candidates/{body['id']}/decision", {"decision": "confirmed"}
    )
    assert decided.status_code == 200, decided.content
    report = world.client("coordinator").get(f"/api/v1/lists/{rows.sought.public_id}/report")
    by_row = {r["row"]: r for r in report.json()["entries"]}
    assert (by_row[4]["outcome"], by_row[4]["note"]) == ("duplicate", "duplicate of row 2")
    # The first mention keeps its own outcome: only the repeat is the duplicate.
    assert by_row[2]["outcome"] != "duplicate"
    assert report.json()["counts"]["duplicate"] == 1
    csv_body = world.client("coordinator").get(
        reverse("lists-report-csv", args=[rows.sought.public_id])
    )
    assert f"entry:{rows.karim.public_id},,0,manual," in csv_body.content.decode()


@pytest.mark.parametrize(
    ("entry_name", "target_name", "message"),
    [
        ("karim", "again", "earlier row of this list"),  # a later row
        ("again", "again", "earlier row of this list"),  # the entry itself
        ("again", "second_list", "not on a list of the other side"),  # same kind, other list
    ],
)
def test_rows_that_are_not_earlier_on_the_list_are_refused(
    world: World, rows: Rows, entry_name: str, target_name: str, message: str
) -> None:
    entry: ListEntry = getattr(rows, entry_name)
    target: ListEntry = getattr(rows, target_name)
    before = _written()
    with pytest.raises(ValidationError) as caught:
        candidate_add(actor=world.users["coordinator"], entry=entry, other_entry=target)
    assert "other_entry" in caught.value.message_dict
    response = _post_json(
        world, "coordinator", _add_url(entry), {"other_entry": str(target.public_id)}
    )
    assert response.status_code == 422
    assert message in json.dumps(response.json()["error"]["fields"]["other_entry"])
    assert _written() == before


def test_a_pair_already_a_candidate_is_refused(world: World, rows: Rows) -> None:
    """Whether the matcher found the pair or a reviewer added it before."""
    run = done_run(rows.sought)
    MatchCandidate.objects.create(
        entry=rows.again, other_entry=rows.karim, run=run, probability=0.8, weights={"name": 3.0}
    )
    before = _written()
    again = _post_json(
        world, "delegate", _add_url(rows.again), {"other_entry": str(rows.karim.public_id)}
    )
    assert again.status_code == 422
    assert "already a candidate" in json.dumps(again.json()["error"]["fields"]["other_entry"])
    assert _written() == before
    candidate_add(actor=world.users["delegate"], entry=rows.again, other_entry=rows.layla)
    with pytest.raises(ValidationError) as caught:
        candidate_add(actor=world.users["coordinator"], entry=rows.again, other_entry=rows.layla)
    assert caught.value.message_dict["other_entry"][0].startswith("This person is already")


def test_parties_and_outsiders_get_404(world: World, rows: Rows) -> None:
    body = {"other_entry": str(rows.karim.public_id)}
    page = reverse("lists-entry", args=[rows.again.public_id])
    before = _written()
    for persona in ("south_negotiator", "south_observer", "north_negotiator"):
        assert _post_json(world, persona, _add_url(rows.again), body).status_code == 404
        assert _search(world, persona, rows.again, name="karim").status_code == 404
        assert world.client(persona).get(page, {"earlier-name": "karim"}).status_code == 404
    with pytest.raises(PermissionDenied):
        candidate_add(
            actor=world.users["south_negotiator"], entry=rows.again, other_entry=rows.karim
        )
    # An entry the delegate cannot see (another dossier) does not exist for them.
    gone = {"other_entry": str(rows.elsewhere.public_id)}
    assert _post_json(world, "delegate", _add_url(rows.again), gone).status_code == 404
    assert _written() == before


def test_malformed_input_names_the_field(world: World, rows: Rows) -> None:
    before = _written()
    bad = _post_json(world, "delegate", _add_url(rows.again), {"other_entry": "row-2"})
    assert bad.status_code == 422
    assert "other_entry" in bad.json()["error"]["fields"]
    paged = _search(world, "delegate", rows.again, name="karim", page="two")
    assert paged.status_code == 422
    assert "page" in paged.json()["error"]["fields"]
    assert _written() == before


def test_the_entry_page_searches_earlier_rows_and_adds(world: World, rows: Rows) -> None:
    client = world.client("coordinator")
    page_url = reverse("lists-entry", args=[rows.again.public_id])
    html = client.get(page_url, {"earlier-name": "karim"}).content.decode()
    assert 'id="earlier-rows-search"' in html
    assert f'name="other_entry" value="{rows.karim.public_id}"' in html
    assert f'value="{rows.second_list.public_id}"' not in html
    assert 'id="other-side-search"' not in html  # the other side was not searched
    # htmx swaps the section alone.
    fragment = client.get(
        page_url,
        {"earlier-name": "karim"},
        headers={"HX-Request": "true", "HX-Target": "earlier-rows"},
    ).content.decode()
    assert fragment.startswith('<section class="card" id="earlier-rows">')
    assert f'value="{rows.karim.public_id}"' in fragment
    assert "<html" not in fragment
    assert "Search the registry" not in fragment

    response = client.post(
        reverse("lists-entry-candidate-add", args=[rows.again.public_id]),
        {"other_entry": rows.karim.public_id},
    )
    candidate = MatchCandidate.objects.get(entry=rows.again)
    assert response["Location"] == reverse("lists-candidate", args=[candidate.public_id])
    assert (candidate.other_entry, candidate.source) == (rows.karim, "manual")
    detail = client.get(response["Location"]).content.decode()
    assert "a search of this list's earlier rows" in detail
    html = client.get(page_url, {"earlier-name": "karim"}).content.decode()
    assert "already a candidate" in html
    # A later row refused on the page: a message, nothing written.
    refused = client.post(
        reverse("lists-entry-candidate-add", args=[rows.karim.public_id]),
        {"other_entry": rows.again.public_id},
        follow=True,
    )
    assert "earlier row of this list" in refused.content.decode()
    assert not MatchCandidate.objects.filter(entry=rows.karim).exists()


def test_a_rerun_keeps_the_duplicate_added_by_hand(world: World, rows: Rows) -> None:
    from intermediary.lists.reconcile import Found, store

    manual = candidate_add(
        actor=world.users["coordinator"], entry=rows.again, other_entry=rows.karim
    )
    candidate_decide(actor=world.users["coordinator"], candidate=manual, decision="confirmed")
    found = {(rows.again.pk, ("e", rows.karim.pk)): Found(0.91, {"name": 4.0})}
    store(done_run(rows.sought), found)
    manual.refresh_from_db()
    assert (manual.source, manual.probability, manual.decision) == ("manual", None, "confirmed")
    assert MatchCandidate.objects.filter(entry=rows.again).count() == 1
