"""Concurrent writers on PostgreSQL still produce one gapless, valid chain."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import close_old_connections, connections

from intermediary.access.policy import SYSTEM
from intermediary.accounts.choices import OrganisationKind
from intermediary.accounts.services import organisation_create
from intermediary.audit.models import AuditEvent
from intermediary.audit.verify import verify_chain

WRITERS = 8
WRITES_EACH = 15


def _writer(index: int, barrier: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        barrier.wait()
        for j in range(WRITES_EACH):
            organisation_create(
                actor=SYSTEM,
                name=f"Writer {index} org {j}",
                short_name=f"W{index}-{j}",
                kind=OrganisationKind.PARTY,
            )
    except BaseException as exc:
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_make_one_gapless_chain(require_postgres: None) -> None:
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_writer, args=(i, barrier, errors)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    assert not errors, errors
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, WRITERS * WRITES_EACH + 1))
    report = verify_chain()
    assert report.ok, report.reason
    assert report.checked == WRITERS * WRITES_EACH


def _checkpointer(
    key: Ed25519PrivateKey,
    barrier: threading.Barrier,
    errors: list[BaseException],
    outcomes: list[Any],
) -> None:
    from intermediary.audit.checkpoints import audit_checkpoint_ensure

    try:
        barrier.wait()
        for _j in range(3):
            outcomes.append(audit_checkpoint_ensure(actor=SYSTEM, key=key))
    except BaseException as exc:
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_checkpoints_taken_among_writers_are_consistent(require_postgres: None) -> None:
    """Checkpointers racing writers (and each other) take the chain lock: every checkpoint gets
    its own size and a root that the events still hash to. A checkpointer that finds only the
    previous checkpoint's event since it gets that checkpoint back, and writes nothing."""
    from intermediary.audit.checkpoints import verify_checkpoints
    from intermediary.audit.models import AuditCheckpoint

    key = Ed25519PrivateKey.generate()
    writers, checkpointers = 4, 3
    barrier = threading.Barrier(writers + checkpointers)
    errors: list[BaseException] = []
    outcomes: list[Any] = []
    threads = [
        threading.Thread(target=_writer, args=(i, barrier, errors)) for i in range(writers)
    ] + [
        threading.Thread(target=_checkpointer, args=(key, barrier, errors, outcomes))
        for _i in range(checkpointers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    assert not errors, errors
    assert len(outcomes) == checkpointers * 3
    created = sorted(o.checkpoint.tree_size for o in outcomes if o.created)
    assert sorted(AuditCheckpoint.objects.values_list("tree_size", flat=True)) == created
    assert len(set(created)) == len(created)
    assert {o.checkpoint.tree_size for o in outcomes} == set(created)
    assert AuditEvent.objects.filter(action="audit.checkpoint").count() == len(created)
    results = verify_checkpoints()
    assert all(r.ok for r in results), [r.problem for r in results if not r.ok]
    assert verify_chain().ok
