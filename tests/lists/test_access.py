"""Who sees what: a party sees its own lists and entries, nothing of the other side's, never a
candidate or a score; a report reaches a party only as disclosed. UI and API alike."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from intermediary.access.models import Disclosure
from intermediary.lists.models import MatchCandidate, SubmittedList
from intermediary.lists.services import report_disclose
from tests.conftest import World
from tests.lists.conftest import Registry

pytestmark = pytest.mark.django_db

PARTY_PERSONAS = ["south_negotiator", "south_observer", "north_negotiator", "north_observer"]


def _party_urls(submitted: SubmittedList, candidate: MatchCandidate) -> list[str]:
    pid = submitted.public_id
    return [
        reverse("lists-dossier", args=[submitted.dossier.public_id]),
        reverse("lists-detail", args=[pid]),
        reverse("lists-review", args=[pid]),
        reverse("lists-progress", args=[pid]),
        reverse("lists-report", args=[pid]),
        reverse("lists-report-csv", args=[pid]),
        reverse("lists-candidate", args=[candidate.public_id]),
        f"/api/v1/dossiers/{submitted.dossier.public_id}/lists",
        f"/api/v1/lists/{pid}",
        f"/api/v1/lists/{pid}/entries",
        f"/api/v1/lists/{pid}/candidates",
        f"/api/v1/lists/{pid}/reconciliation",
        f"/api/v1/lists/{pid}/report",
    ]


def test_parties_never_see_candidates_or_scores(
    world: World, reconciled: SubmittedList, registry: Registry
) -> None:
    candidate = MatchCandidate.objects.filter(entry__submitted_list=reconciled).first()
    assert candidate is not None
    report_disclose(
        actor=world.users["coordinator"],
        submitted_list=reconciled,
        recipient=world.orgs["SOUTH"],
        fields=["outcome_counts", "outcome_per_entry"],
    )
    forbidden = [
        str(candidate.public_id),
        "probability",
        "Match probability",
        "weights",
        str(registry.youssef.public_id),
        "Youssef Abdulrahman",
        "candidate",
    ]
    for persona in PARTY_PERSONAS:
        client = world.client(persona)
        for url in _party_urls(reconciled, candidate):
            # The 404 page may echo the path asked for; what matters is everything else.
            body = client.get(url).content.decode().replace(url, "")
            for word in forbidden:
                assert word not in body, (persona, url, word)


def test_the_other_party_gets_404_on_a_list(world: World, sought: SubmittedList) -> None:
    for persona in ("north_negotiator", "north_observer", "east_negotiator", "auditor"):
        client = world.client(persona)
        assert client.get(reverse("lists-detail", args=[sought.public_id])).status_code == 404
        assert client.get(f"/api/v1/lists/{sought.public_id}/entries").status_code == 404
        assert client.get(reverse("lists-report", args=[sought.public_id])).status_code == 404


def test_the_submitting_party_sees_its_list_and_entries(
    world: World, sought: SubmittedList
) -> None:
    client = world.client("south_observer")
    page = client.get(reverse("lists-detail", args=[sought.public_id]))
    assert page.status_code == 200
    assert '<bdi dir="auto">يوسف عبد الرحمن</bdi>' in page.content.decode()
    entries = client.get(f"/api/v1/lists/{sought.public_id}/entries").json()
    assert [e["row"] for e in entries] == [2, 3, 4, 5]
    listing = client.get(f"/api/v1/dossiers/{world.dossier.public_id}/lists").json()
    assert [item["id"] for item in listing] == [str(sought.public_id)]
    assert listing[0]["reconciliation"] is None
    north = world.client("north_negotiator").get(
        f"/api/v1/dossiers/{world.dossier.public_id}/lists"
    )
    assert north.json() == []


def test_a_disclosed_report_shows_only_the_disclosed_fields(
    world: World, reconciled: SubmittedList
) -> None:
    north = world.client("north_observer")
    url = f"/api/v1/lists/{reconciled.public_id}/report"
    assert north.get(url).status_code == 404
    disclosure = report_disclose(
        actor=world.users["coordinator"],
        submitted_list=reconciled,
        recipient=world.orgs["NORTH"],
        fields=["outcome_counts"],
    )
    body = north.get(url).json()
    assert body["counts"]["unknown"] + body["counts"]["not_acknowledged"] == 4
    assert set(body) == {"id", "counts"}
    csv_body = north.get(reverse("lists-report-csv", args=[reconciled.public_id])).content
    assert "يوسف".encode() not in csv_body
    # Still no access to the list itself.
    assert north.get(f"/api/v1/lists/{reconciled.public_id}").status_code == 404
    from intermediary.access.services import disclosure_revoke

    disclosure_revoke(actor=world.users["coordinator"], disclosure=disclosure)
    assert north.get(url).status_code == 404


def test_only_report_fields_can_be_disclosed(world: World, reconciled: SubmittedList) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        report_disclose(
            actor=world.users["coordinator"],
            submitted_list=reconciled,
            recipient=world.orgs["NORTH"],
            fields=["candidates"],
        )
    assert not Disclosure.objects.exists()


def test_the_coordinator_discloses_from_the_page(world: World, reconciled: SubmittedList) -> None:
    response = world.client("coordinator").post(
        reverse("lists-disclose", args=[reconciled.public_id]),
        {"recipient": world.orgs["SOUTH"].public_id, "what": ["outcome_per_entry"]},
    )
    assert response.status_code == 302
    page = world.client("south_negotiator").get(
        reverse("lists-report", args=[reconciled.public_id])
    )
    assert page.status_code == 200
    assert "يوسف عبد الرحمن" in page.content.decode()
    assert (
        world.client("delegate")
        .post(
            reverse("lists-disclose", args=[reconciled.public_id]),
            {"recipient": world.orgs["SOUTH"].public_id, "what": ["outcome_counts"]},
        )
        .status_code
        == 403
    )  # sees the list, may not disclose: coordinators only
    assert Disclosure.objects.count() == 1


def test_denials_are_logged(world: World, sought: SubmittedList) -> None:
    from intermediary.audit.models import AccessDenial

    world.client("north_negotiator").get(reverse("lists-detail", args=[sought.public_id]))
    assert AccessDenial.objects.filter(actor_label="north_negotiator").exists()


def test_api_submit_and_refusal(world: World) -> None:
    client = world.client("north_negotiator")
    url = f"/api/v1/dossiers/{world.dossier.public_id}/lists"
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("held.csv", b"full_name,sex\nAli Omar,q\n", content_type="text/csv")
    refused = client.post(url, {"kind": "held", "file": bad})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["fields"]["rows"] == [
        {
            "row": 2,
            "column": "sex",
            "code": "invalid_sex",
            "message": "Unknown value: use female, male or other.",
        }
    ]
    good = SimpleUploadedFile(
        "held.csv", "full_name\nمريم حداد\n".encode(), content_type="text/csv"
    )
    created = client.post(url, {"kind": "held", "file": good})
    assert created.status_code == 201, created.content
    assert created.json()["entry_count"] == 1
    assert created.json()["on_behalf"] is False


def test_api_review_flow(world: World, reconciled: SubmittedList, registry: Registry) -> None:
    client = world.client("delegate")
    candidates = client.get(f"/api/v1/lists/{reconciled.public_id}/candidates").json()
    best = next(c for c in candidates if c["person"] == str(registry.youssef.public_id))
    assert {e["field"] for e in best["explanation"]} >= {"name", "date_of_birth"}
    decided = client.post(
        f"/api/v1/candidates/{best['id']}/decision",
        json.dumps({"decision": "confirmed", "note": "same card number"}),
        content_type="application/json",
    )
    assert decided.status_code == 200
    assert decided.json()["decision"] == "confirmed"
    report = client.get(f"/api/v1/lists/{reconciled.public_id}/report").json()
    outcome = {e["row"]: e["outcome"] for e in report["entries"]}
    assert outcome[best["entry_row"]] == "acknowledged_held"
    run = client.get(f"/api/v1/lists/{reconciled.public_id}/reconciliation").json()
    assert (run["status"], run["progress"]) == ("done", 100)


def test_a_party_is_not_told_which_staff_member_uploaded_for_it(world: World) -> None:
    from intermediary.lists.services import list_submit
    from tests.lists.conftest import csv_bytes

    submitted = list_submit(
        actor=world.users["delegate"],
        dossier=world.dossier,
        kind="held",
        data=csv_bytes([["name"], ["Karim Nasser"]]),
        filename="held.csv",
        party=world.orgs["NORTH"],
    )
    client = world.client("north_observer")
    page = client.get(reverse("lists-detail", args=[submitted.public_id])).content.decode()
    assert "<bdi>delegate</bdi>" not in page
    assert client.get(f"/api/v1/lists/{submitted.public_id}").json()["submitted_by"] == (
        "intermediary"
    )
    staff = world.client("coordinator").get(f"/api/v1/lists/{submitted.public_id}").json()
    assert staff["submitted_by"] == "delegate"
