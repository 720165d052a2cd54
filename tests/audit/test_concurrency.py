"""Concurrent writers on PostgreSQL still produce one gapless, valid chain."""

from __future__ import annotations

import threading

import pytest
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
