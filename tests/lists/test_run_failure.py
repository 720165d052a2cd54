"""A reconciliation that fails is on the audit chain, written in the same transaction as the
run's "failed" status: neither exists without the other."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from intermediary.audit.canonical import digest
from intermediary.audit.models import AuditEvent
from intermediary.audit.services import AuditError
from intermediary.audit.verify import verify_chain
from intermediary.lists import reconcile
from intermediary.lists.models import ReconciliationRun, SubmittedList
from intermediary.lists.services import reconciliation_start
from tests.conftest import World

pytestmark = pytest.mark.django_db

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _broken(*args: object) -> None:
    raise RuntimeError("duckdb ran out of memory")


def test_a_failed_run_is_an_audit_event(
    world: World, sought: SubmittedList, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reconcile, "score", _broken)
    run = reconciliation_start(actor=world.users["coordinator"], submitted_list=sought)
    assert (run.status, run.error) == ("failed", "duckdb ran out of memory")
    event = AuditEvent.objects.get(action="list.reconcile_failed")
    assert (event.object_type, event.object_id, event.actor_id) == (
        "lists.list",
        str(sought.public_id),
        "system",
    )
    assert event.payload_hash == digest({"run": run.public_id, "error": run.error})
    # After the start of the run, in order, and the chain still verifies.
    started = AuditEvent.objects.get(action="list.reconcile")
    assert event.seq > started.seq
    assert not AuditEvent.objects.filter(action="list.reconciled").exists()
    assert verify_chain().ok


def test_the_status_and_the_event_are_one_transaction(
    world: World, sought: SubmittedList, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the failure cannot be put on the chain, the run is not marked failed either (it
    stays "running" until abandoned, which is audited in its turn)."""
    monkeypatch.setattr(reconcile, "score", _broken)
    from intermediary.audit.services import audit_append as real

    def refusing(**kwargs: Any) -> Any:
        if kwargs["action"] == "list.reconcile_failed":
            raise AuditError("chain unavailable")
        return real(**kwargs)

    monkeypatch.setattr(reconcile, "audit_append", refusing)
    run = reconciliation_start(actor=world.users["coordinator"], submitted_list=sought)
    run.refresh_from_db()
    assert run.status == "running"
    assert run.error == ""
    assert not AuditEvent.objects.filter(action="list.reconcile_failed").exists()


def test_an_abandoned_run_is_an_audit_event_too(world: World, sought: SubmittedList) -> None:
    with override_settings(TASKS=DUMMY):
        stuck = reconciliation_start(actor=world.users["coordinator"], submitted_list=sought)
    ReconciliationRun.objects.filter(pk=stuck.pk).update(
        status="running", requested_at=timezone.now() - timedelta(hours=2)
    )
    with override_settings(TASKS=DUMMY):
        reconciliation_start(actor=world.users["coordinator"], submitted_list=sought)
    stuck.refresh_from_db()
    assert stuck.status == "failed"
    event = AuditEvent.objects.get(action="list.reconcile_failed")
    assert event.payload_hash == digest({"run": stuck.public_id, "error": stuck.error})
    assert stuck.error.startswith("abandoned")
    assert verify_chain().ok
