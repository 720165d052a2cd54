"""The lists demo step on a small registry (the full demo is loaded by the registry tests)."""

from __future__ import annotations

from datetime import date

import pytest

from intermediary.core.demo import DemoSummary, _load_spine
from intermediary.lists.demo import load_lists_demo
from intermediary.lists.models import MatchCandidate, SubmittedList
from intermediary.lists.outcomes import list_report

pytestmark = pytest.mark.django_db


def _small_registry() -> None:
    from intermediary.accounts.models import Organisation, User
    from intermediary.dossiers.models import Dossier
    from intermediary.registry.inputs import NameInput, PersonInput
    from intermediary.registry.services import persons_create_bulk

    north = Organisation.objects.get(short_name="NORTH")
    names = [
        ("عمر نبيل الكرمي", "Omar Nabil al-Karmi", "עומר אל-כרמי", 1980),
        ("يوسف سامي الزاهري", "Youssef Sami al-Zahiri", "יוסף אל-זאהרי", 1991),
        ("خالد هاني الورداني", "Khaled Hani al-Wardani", "ח'אלד אל-ורדאני", 1975),
    ]
    persons_create_bulk(
        actor=User.objects.get(username="coordinator"),
        dossier=Dossier.objects.get(reference="DOS-DEMO-001"),
        persons=[
            PersonInput(
                names=[
                    NameInput(full_text=a, is_primary=True),
                    NameInput(full_text=b),
                    NameInput(full_text=c),
                ],
                holding_party=north,
                birth_year=year,
                birth_month=5,
                birth_day=17,
                sex="male",
                registered_on=date(2024, 2, 1),
            )
            for a, b, c, year in names
        ],
    )


def test_demo_submits_a_sought_list_with_candidates_to_review() -> None:
    _load_spine()
    _small_registry()
    summary = DemoSummary(created=True)
    load_lists_demo(summary)
    submitted = SubmittedList.objects.get()
    assert (submitted.kind, submitted.submitting_party.short_name) == ("sought", "SOUTH")
    assert submitted.entry_count == 3 + 7 + 1  # held persons, unknowns, one duplicate
    assert submitted.runs.get().status == "done"
    candidates = MatchCandidate.objects.filter(entry__submitted_list=submitted)
    assert candidates.filter(person__isnull=False).count() >= 3
    assert candidates.filter(other_entry__submitted_list=submitted).exists()  # the duplicate
    assert "reconciled" in summary.notes[-1]
    # Nobody is "not acknowledged" on the matcher's silence: the unknowns await a sign-off.
    report = list_report(submitted)
    assert report.counts["not_acknowledged"] == 0
    awaiting = len(report.awaiting_sign_off)
    assert awaiting >= 7  # at least the seven persons nobody holds
    assert f"{awaiting} entries without a candidate to search and sign off" in summary.notes[-1]
