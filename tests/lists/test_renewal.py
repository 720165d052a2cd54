"""Renewing many "searched, no match" sign-offs at once (lists.renewal, services.sign_offs_renew):
only after the list was reconciled again, only for entries the fresh search found nobody for;
the others are held back for individual review and named, on the page and in the API."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from intermediary.audit.canonical import digest
from intermediary.audit.models import AuditEvent
from intermediary.audit.verify import verify_chain
from intermediary.lists.models import EntrySignOff, ListEntry, MatchCandidate, SubmittedList
from intermediary.lists.outcomes import list_report
from intermediary.lists.renewal import HELD_CANDIDATE, HELD_CORRECTED, renewal_plan
from intermediary.lists.services import entry_sign_off, sign_offs_renew
from intermediary.registry.inputs import NameInput
from intermediary.registry.models import Person
from intermediary.registry.services import person_update
from tests.conftest import World
from tests.lists.conftest import done_run, submit
from tests.registry.factories import make_person

pytestmark = pytest.mark.django_db

NOTE = "searched the registry by name and year of birth: nobody"
AGAIN = "searched again after the import of 20 November: nobody"
ROWS = [
    ["reference", "full_name", "date_of_birth", "sex"],
    ["S-1", "Karim Nasser", "1980-05-06", "m"],
    ["S-2", "Leila Haddad", "1992", "f"],
    ["S-3", "Samir Khoury", "1975", "m"],
]


def _person(world: World, name: str, year: int) -> Person:
    return make_person(world, names=[NameInput(full_text=name, is_primary=True)], birth_year=year)


def _signed_off(world: World) -> tuple[SubmittedList, dict[str, ListEntry]]:
    """Three sought entries signed off; Karim Naser (who could be Karim) in the registry."""
    submitted = submit(world, ROWS)
    world.extra["naser"] = _person(world, "Karim Naser", 1970)
    done_run(submitted)
    entries = {e.reference: e for e in submitted.entries.all()}
    for entry in entries.values():
        entry_sign_off(actor=world.users["delegate"], entry=entry, note=NOTE)
    return submitted, entries


def _stale_then_reconciled(world: World) -> tuple[SubmittedList, dict[str, ListEntry]]:
    """After the sign-offs: a person imported (every sign-off predates it), Karim Naser's date
    of birth corrected (he could be Karim), and a new run that found the new person as a
    candidate for Leila. Samir is the one the fresh search found nobody for."""
    submitted, entries = _signed_off(world)
    nour = _person(world, "Nour Saleh", 1992)
    person_update(
        actor=world.users["coordinator"],
        person=world.extra["naser"],
        changes={"birth_year": 1980, "birth_month": 5, "birth_day": 6},
    )
    run = done_run(submitted)
    MatchCandidate.objects.create(
        entry=entries["S-2"], person=nour, run=run, probability=0.62, weights={"name": 1.0}
    )
    return submitted, entries


def _refs(rows: list[Any]) -> list[str]:
    return [row.entry.reference for row in rows]


def test_the_plan_names_what_may_be_renewed_and_what_is_held_back(world: World) -> None:
    submitted, _ = _stale_then_reconciled(world)
    plan = renewal_plan(submitted)
    assert not plan.reconcile_first
    assert _refs(plan.renewable) == ["S-3"]
    held = {h.row.entry.reference: h for h in plan.held_back}
    assert held["S-1"].reasons == [HELD_CORRECTED]
    assert held["S-1"].corrected == [world.extra["naser"]]
    assert held["S-2"].reasons == [HELD_CANDIDATE]
    assert held["S-2"].pending == 1


def test_renewing_renews_only_what_the_fresh_search_cleared(world: World) -> None:
    submitted, entries = _stale_then_reconciled(world)
    chosen = [e.public_id for e in entries.values()]
    result = sign_offs_renew(
        actor=world.users["delegate"], submitted_list=submitted, entries=chosen, note=AGAIN
    )
    assert [row.entry.reference for row in result.renewed] == ["S-3"]
    assert sorted(h.row.entry.reference for h in result.held_back) == ["S-1", "S-2"]
    assert result.skipped == []
    outcomes = {row.entry.reference: row.outcome for row in list_report(submitted).rows}
    assert outcomes == {"S-1": "unknown", "S-2": "unknown", "S-3": "not_acknowledged"}
    renewed = EntrySignOff.objects.filter(entry=entries["S-3"]).order_by("-at", "-pk").first()
    assert renewed is not None
    assert (renewed.note, renewed.by, renewed.action) == (AGAIN, world.users["delegate"], "signed")
    # Held back entries keep their old sign-off, untouched.
    assert EntrySignOff.objects.filter(entry__in=[entries["S-1"], entries["S-2"]]).count() == 2
    # Nothing left to renew for Samir: asked again, it is skipped, and with nothing else to
    # renew the whole action is refused.
    with pytest.raises(ValidationError, match="None of the chosen entries"):
        sign_offs_renew(
            actor=world.users["delegate"],
            submitted_list=submitted,
            entries=[entries["S-3"].public_id],
            note=AGAIN,
        )


def test_a_renewal_is_audited_per_entry_and_as_a_whole(world: World) -> None:
    submitted, entries = _stale_then_reconciled(world)
    before = AuditEvent.objects.count()
    result = sign_offs_renew(
        actor=world.users["delegate"],
        submitted_list=submitted,
        entries=[e.public_id for e in entries.values()],
        note=AGAIN,
    )
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [e.action for e in events] == ["entry.sign_off", "list.sign_offs_renew"]
    samir = entries["S-3"]
    run = renewal_plan(submitted).run
    assert run is not None
    renewed = result.renewed[0]
    assert events[0].object_id == str(samir.public_id)
    assert events[0].payload_hash == digest(
        {
            "list": submitted.public_id,
            "action": "signed",
            "note": AGAIN,
            "seen": {
                "seen_persons": renewed.seen_persons,
                "seen_person_names": renewed.seen_person_names,
                "seen_lists": renewed.seen_lists,
                "seen_corrections": renewed.seen_corrections,
            },
            "renews": EntrySignOff.objects.filter(entry=samir).order_by("at", "pk")[0].public_id,
            "batch": str(result.batch),
        }
    )

    def ids(*refs: str) -> str:
        joined = "\n".join(sorted(str(entries[r].public_id) for r in refs))
        return hashlib.sha256(joined.encode()).hexdigest()

    assert events[1].object_id == str(submitted.public_id)
    assert events[1].payload_hash == digest(
        {
            "batch": str(result.batch),
            "run": run.public_id,
            "note": AGAIN,
            "renewed": 1,
            "renewed_entries_sha256": ids("S-3"),
            "held_back": 2,
            "held_back_entries_sha256": ids("S-1", "S-2"),
        }
    )
    assert verify_chain().ok


def _nothing_written(world: World, call: Any, match: str) -> None:
    rows, events = EntrySignOff.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError, match=match):
        call()
    assert (EntrySignOff.objects.count(), AuditEvent.objects.count()) == (rows, events)


def test_nothing_is_renewed_before_the_list_is_reconciled_again(world: World) -> None:
    submitted, entries = _signed_off(world)
    _person(world, "Nour Saleh", 1992)
    plan = renewal_plan(submitted)
    assert plan.reconcile_first
    assert _refs(plan.renewable) == ["S-1", "S-2", "S-3"]  # what the page will offer
    _nothing_written(
        world,
        lambda: sign_offs_renew(
            actor=world.users["delegate"],
            submitted_list=submitted,
            entries=[e.public_id for e in entries.values()],
            note=AGAIN,
        ),
        "Reconcile the list again first",
    )
    page = world.client("delegate").get(reverse("lists-renewals", args=[submitted.public_id]))
    html = page.content.decode()
    assert 'id="reconcile-first"' in html
    assert "Renew the ticked sign-offs" not in html


@pytest.mark.parametrize(
    ("entries", "note", "match"),
    [
        ([], AGAIN, "Choose the entries to renew"),
        (["not-an-id"], AGAIN, "An entry id is malformed"),
        (["other"], AGAIN, "not on this list"),
        (["S-3"], "  ", "a renewal needs a note"),
    ],
)
def test_bad_input_is_refused_whole(
    world: World, entries: list[str], note: str, match: str
) -> None:
    submitted, by_ref = _stale_then_reconciled(world)
    other = submit(world, [["full_name"], ["Someone Else"]])
    ids = {"other": other.entries.get().public_id, **{r: e.public_id for r, e in by_ref.items()}}
    chosen = [ids.get(value, value) for value in entries]
    _nothing_written(
        world,
        lambda: sign_offs_renew(
            actor=world.users["delegate"], submitted_list=submitted, entries=chosen, note=note
        ),
        match,
    )


def test_a_held_list_has_nothing_to_renew(world: World) -> None:
    held = submit(world, [["full_name"], ["Karim Nasser"]], kind="held", persona="north_negotiator")
    _nothing_written(
        world,
        lambda: sign_offs_renew(
            actor=world.users["coordinator"],
            submitted_list=held,
            entries=[held.entries.get().public_id],
            note=AGAIN,
        ),
        "Only entries of a list of persons sought",
    )


def test_the_page_shows_both_and_renews_the_ticked(world: World) -> None:
    submitted, entries = _stale_then_reconciled(world)
    client = world.client("delegate")
    url = reverse("lists-renewals", args=[submitted.public_id])
    html = client.get(url).content.decode()
    assert "1 entry the fresh search found nobody for" in html
    assert "2 entries left for individual review" in html
    assert 'data-reason="candidate_awaiting_review"' in html
    assert 'data-reason="corrected_person_could_match"' in html
    assert "Karim Naser" in html  # the corrected person, named for the reviewer
    assert f'name="entries" value="{entries["S-3"].public_id}"' in html
    assert f'name="entries" value="{entries["S-1"].public_id}"' not in html
    # The review page and the report lead here.
    review = client.get(reverse("lists-review", args=[submitted.public_id])).content.decode()
    assert url in review
    report = client.get(reverse("lists-report", args=[submitted.public_id])).content.decode()
    assert url in report

    data = {"entries": [str(e.public_id) for e in entries.values()], "note": AGAIN}
    response = client.post(url, data, follow=True)
    text = " ".join(response.content.decode().split())
    assert "1 sign-off renewed." in text
    assert "2 chosen entries were held back for individual review" in text
    assert "0 entries the fresh search found nobody for" in text
    assert list_report(submitted).rows[2].outcome == "not_acknowledged"

    # A form without a note or a choice: the reasons, nothing written.
    rows = EntrySignOff.objects.count()
    response = client.post(url, {"entries": [str(entries["S-1"].public_id)]}, follow=True)
    assert "This field is required" in response.content.decode()
    response = client.post(url, {"note": AGAIN}, follow=True)
    assert "Tick the entries to renew" in response.content.decode()
    assert EntrySignOff.objects.count() == rows


def test_the_api_mirrors_the_page(world: World) -> None:
    submitted, entries = _stale_then_reconciled(world)
    client = world.client("coordinator")
    url = f"/api/v1/lists/{submitted.public_id}/sign-off-renewals"
    plan = client.get(url).json()
    assert plan["reconcile_first"] is False
    assert [row["reference"] for row in plan["renewable"]] == ["S-3"]
    held = {row["reference"]: row for row in plan["held_back"]}
    assert held["S-1"]["reasons"] == [HELD_CORRECTED]
    assert held["S-1"]["corrected_persons"] == [str(world.extra["naser"].public_id)]
    assert (held["S-2"]["reasons"], held["S-2"]["pending"]) == ([HELD_CANDIDATE], 1)

    body = {"note": AGAIN, "entries": [str(e.public_id) for e in entries.values()]}
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 201, response.content
    out = response.json()
    assert [row["entry"] for row in out["renewed"]] == [str(entries["S-3"].public_id)]
    assert sorted(row["reference"] for row in out["held_back"]) == ["S-1", "S-2"]
    assert out["skipped"] == []

    response = client.post(url, {"note": AGAIN, "entries": ["x"]}, content_type="application/json")
    assert response.status_code == 422
    assert "entries" in response.json()["error"]["fields"]
