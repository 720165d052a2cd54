"""The discrepancy report: the page and its CSV give the same figures."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from intermediary.lists.models import MatchCandidate, SubmittedList
from intermediary.lists.services import candidate_decide
from tests.conftest import World
from tests.lists.conftest import Registry

pytestmark = pytest.mark.django_db


def _csv(world: World, persona: str, submitted: SubmittedList) -> list[list[str]]:
    response = world.client(persona).get(reverse("lists-report-csv", args=[submitted.public_id]))
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _page_counts(world: World, submitted: SubmittedList) -> dict[str, int]:
    response = world.client("coordinator").get(reverse("lists-report", args=[submitted.public_id]))
    counts = response.context["view"].report.counts
    html = response.content.decode()
    for key, count in counts.items():
        assert f'<tr data-outcome="{key}"><td>' in html
        assert f"</td><td>{count}</td></tr>" in html
    return dict(counts)


def test_csv_equals_the_page(world: World, reconciled: SubmittedList, registry: Registry) -> None:
    candidate = MatchCandidate.objects.get(
        entry__submitted_list=reconciled, entry__row_number=3, person=registry.samir
    )
    candidate_decide(actor=world.users["coordinator"], candidate=candidate, decision="confirmed")
    rows = _csv(world, "coordinator", reconciled)
    header, body = rows[0], rows[1 : rows.index([])]
    assert header[:4] == ["row", "reference", "name", "outcome"]
    counts_at = rows.index(["outcome", "count"])
    csv_counts = {key: int(n) for key, n in rows[counts_at + 1 :]}
    assert csv_counts == _page_counts(world, reconciled)
    per_entry: dict[str, int] = {}
    for line in body:
        per_entry[line[3]] = per_entry.get(line[3], 0) + 1
    assert {k: v for k, v in csv_counts.items() if v} == per_entry
    assert body[1][:4] == ["3", "S-2", "Samir Khoury", "deceased"]
