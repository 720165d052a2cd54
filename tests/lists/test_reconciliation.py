"""Reconciliation: candidates across scripts, explained field by field; decisions audited and
revisable; outcomes per sought person derived from decisions and the registry."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from intermediary.audit.models import AuditEvent
from intermediary.lists.models import MatchCandidate, SubmittedList
from intermediary.lists.outcomes import list_report
from intermediary.lists.services import (
    candidate_decide,
    entry_sign_off,
    reconciliation_start,
)
from tests.conftest import World
from tests.lists.conftest import Registry, submit

pytestmark = pytest.mark.django_db


def _candidate(submitted: SubmittedList, row: int, **target: object) -> MatchCandidate:
    return MatchCandidate.objects.get(
        entry__submitted_list=submitted, entry__row_number=row, **target
    )


def _score(candidate: MatchCandidate) -> float:
    """The matcher's probability (a reviewer's own candidate has none)."""
    assert candidate.probability is not None
    return candidate.probability


def _decide(world: World, candidate: MatchCandidate, decision: str) -> MatchCandidate:
    return candidate_decide(
        actor=world.users["coordinator"], candidate=candidate, decision=decision
    )


def test_arabic_entry_finds_the_person_registered_in_latin(
    reconciled: SubmittedList, registry: Registry
) -> None:
    best = (
        MatchCandidate.objects.filter(entry__submitted_list=reconciled, entry__row_number=2)
        .order_by("-probability")
        .first()
    )
    assert best is not None
    assert best.person == registry.youssef
    assert _score(best) > 0.9
    assert best.weights["name"] > 0
    assert best.weights["date_of_birth"] > 0  # 03/04/1990 read as 3 April 1990


def test_a_latin_entry_finds_the_person_by_another_variant(
    reconciled: SubmittedList, registry: Registry
) -> None:
    assert _score(_candidate(reconciled, 5, person=registry.youssef)) > 0.5


def test_the_duplicate_within_the_list_is_a_candidate(reconciled: SubmittedList) -> None:
    duplicate = _candidate(reconciled, 5, other_entry__row_number=2)
    assert duplicate.other_entry is not None
    assert duplicate.other_entry.submitted_list_id == reconciled.pk


def test_the_unknown_person_has_no_registry_candidate(reconciled: SubmittedList) -> None:
    assert not MatchCandidate.objects.filter(
        entry__submitted_list=reconciled, entry__row_number=4, person__isnull=False
    ).exists()


def test_entries_are_matched_against_the_other_sides_held_list(
    world: World, registry: Registry, sought: SubmittedList
) -> None:
    held = submit(
        world,
        [["full_name", "dob"], ["نادية فاروق عودة", "1999-09-09"]],
        kind="held",
        persona="north_negotiator",
    )
    reconciliation_start(actor=world.users["coordinator"], submitted_list=sought)
    candidate = _candidate(sought, 4, other_entry__submitted_list=held)
    assert _score(candidate) > 0.5
    _decide(world, candidate, "confirmed")
    outcomes = {row.entry.row_number: row.outcome for row in list_report(sought).rows}
    assert outcomes[4] == "acknowledged_held"


def test_decisions_are_audited_kept_in_history_and_revisable(
    world: World, reconciled: SubmittedList, registry: Registry
) -> None:
    candidate = _candidate(reconciled, 2, person=registry.youssef)
    _decide(world, candidate, "confirmed")
    revised = candidate_decide(
        actor=world.users["delegate"],
        candidate=candidate,
        decision="rejected",
        note="father's name differs on the ICRC card",
    )
    assert revised.decision == "rejected"
    assert revised.decided_by == world.users["delegate"]
    history = list(candidate.decisions.order_by("decided_at", "pk"))
    assert [(d.decision, d.decided_by.username) for d in history] == [
        ("confirmed", "coordinator"),
        ("rejected", "delegate"),
    ]
    assert history[1].note == "father's name differs on the ICRC card"
    events = AuditEvent.objects.filter(action="candidate.decide", object_id=candidate.public_id)
    assert events.count() == 2


def test_the_same_decision_twice_is_refused(
    world: World, reconciled: SubmittedList, registry: Registry
) -> None:
    candidate = _candidate(reconciled, 2, person=registry.youssef)
    _decide(world, candidate, "confirmed")
    with pytest.raises(ValidationError):
        _decide(world, candidate, "confirmed")


def test_one_confirmed_match_per_entry(
    world: World, reconciled: SubmittedList, registry: Registry
) -> None:
    _decide(world, _candidate(reconciled, 5, person=registry.youssef), "confirmed")
    duplicate = _candidate(reconciled, 5, other_entry__row_number=2)
    with pytest.raises(ValidationError) as caught:
        _decide(world, duplicate, "confirmed")
    assert "already has a confirmed match" in str(caught.value)
    # The database holds the rule too, whatever a future caller forgets.
    duplicate.decision = "confirmed"
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save(update_fields=["decision"])


def test_outcome_per_sought_person(
    world: World, reconciled: SubmittedList, registry: Registry
) -> None:
    before = {row.entry.row_number: row.outcome for row in list_report(reconciled).rows}
    assert set(before.values()) <= {"unknown", "not_acknowledged"}
    _decide(world, _candidate(reconciled, 2, person=registry.youssef), "confirmed")
    _decide(world, _candidate(reconciled, 3, person=registry.samir), "confirmed")
    _decide(world, _candidate(reconciled, 5, other_entry__row_number=2), "confirmed")
    for candidate in MatchCandidate.objects.filter(
        entry__submitted_list=reconciled, entry__row_number=4
    ):
        _decide(world, candidate, "rejected")
    # Nothing found is not "not acknowledged" until a reviewer has searched and signed off.
    row4 = list_report(reconciled).rows[2]
    assert (row4.entry.row_number, row4.outcome, row4.needs_sign_off) == (4, "unknown", True)
    entry_sign_off(
        actor=world.users["delegate"],
        entry=row4.entry,
        note="searched the registry by name and year of birth: nobody",
    )
    report = list_report(reconciled)
    outcomes = {row.entry.row_number: row.outcome for row in report.rows}
    assert outcomes == {
        2: "acknowledged_held",
        3: "deceased",
        4: "not_acknowledged",
        5: "duplicate",
    }
    assert report.counts == {
        "acknowledged_held": 1,
        "not_acknowledged": 1,
        "unknown": 0,
        "deceased": 1,
        "duplicate": 1,
    }


def test_pending_candidates_leave_the_outcome_unknown(
    reconciled: SubmittedList, registry: Registry
) -> None:
    rows = {row.entry.row_number: row for row in list_report(reconciled).rows}
    assert rows[2].outcome == "unknown"
    assert rows[2].pending >= 1


def test_unreconciled_lists_are_all_unknown(sought: SubmittedList) -> None:
    report = list_report(sought)
    assert not report.reconciled
    assert report.counts["unknown"] == 4


def test_a_rerun_keeps_decisions_and_refreshes_the_rest(
    world: World, reconciled: SubmittedList, registry: Registry
) -> None:
    confirmed = _decide(world, _candidate(reconciled, 2, person=registry.youssef), "confirmed")
    reconciliation_start(actor=world.users["coordinator"], submitted_list=reconciled, threshold=0.9)
    confirmed.refresh_from_db()
    assert confirmed.decision == "confirmed"
    assert reconciled.runs.count() == 2
    assert all(
        _score(c) >= 0.9 or c.decision != "pending"
        for c in MatchCandidate.objects.filter(entry__submitted_list=reconciled)
    )


def test_threshold_must_be_a_probability(world: World, sought: SubmittedList) -> None:
    with pytest.raises(ValidationError):
        reconciliation_start(actor=world.users["coordinator"], submitted_list=sought, threshold=1.5)


def test_a_run_in_progress_blocks_another(world: World, sought: SubmittedList) -> None:
    from django.test import override_settings

    dummy = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy):
        run = reconciliation_start(actor=world.users["coordinator"], submitted_list=sought)
        assert run.status == "queued"
        with pytest.raises(ValidationError):
            reconciliation_start(actor=world.users["coordinator"], submitted_list=sought)


def test_a_failing_job_marks_its_run_failed(
    world: World, sought: SubmittedList, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intermediary.lists import reconcile

    def broken(*args: object) -> None:
        raise RuntimeError("duckdb ran out of memory")

    monkeypatch.setattr(reconcile, "score", broken)
    run = reconciliation_start(actor=world.users["coordinator"], submitted_list=sought)
    assert (run.status, run.error) == ("failed", "duckdb ran out of memory")
    assert not MatchCandidate.objects.exists()


def test_a_run_that_lost_its_worker_does_not_block_the_list(
    world: World, sought: SubmittedList
) -> None:
    from datetime import timedelta

    from django.test import override_settings
    from django.utils import timezone

    from intermediary.lists.models import ReconciliationRun

    dummy = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy):
        stuck = reconciliation_start(actor=world.users["coordinator"], submitted_list=sought)
    ReconciliationRun.objects.filter(pk=stuck.pk).update(
        status="running", requested_at=timezone.now() - timedelta(hours=2)
    )
    fresh = reconciliation_start(actor=world.users["coordinator"], submitted_list=sought)
    stuck.refresh_from_db()
    assert stuck.status == "failed"
    assert fresh.status == "done"


def test_other_names_of_an_entry_are_matched_too(world: World, registry: Registry) -> None:
    held = submit(
        world,
        [["full_name", "other_names", "dob"], ["أبو خليل", "Miriam Hadad; מרים חדאד", "1985"]],
        kind="held",
        persona="north_negotiator",
    )
    reconciliation_start(actor=world.users["coordinator"], submitted_list=held)
    candidate = _candidate(held, 2, person=registry.miriam)
    assert _score(candidate) > 0.5
    assert candidate.matched_name is not None
