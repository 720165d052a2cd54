"""Withdrawing a party while its users are at work, on PostgreSQL: a write already under way
holds the withdrawal back until it commits, a write that starts during a withdrawal waits and
then finds the party withdrawn, and concurrent withdrawals of one party make one event."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, connections, transaction

from intermediary.access.policy import Perm, can
from intermediary.audit.models import AuditEvent
from intermediary.audit.verify import verify_chain
from intermediary.dossiers.models import DossierPartyEvent
from intermediary.dossiers.services import dossier_withdraw_party
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 60  # seconds a thread may wait for the other side: a bound, never a measurement


def _withdraw(world: World) -> Any:
    return dossier_withdraw_party(
        actor=world.users["coordinator"],
        dossier=world.dossier,
        organisation=world.orgs["NORTH"],
        reason="Suspended",
    )


def _negotiator_may_write(world: World) -> bool:
    """A fresh user object: the actor cache of another thread's object is not shared."""
    from intermediary.accounts.models import User

    negotiator = User.objects.get(pk=world.users["north_negotiator"].pk)
    return can(negotiator, Perm.PARTY_WRITE, world.dossier)


def _in_thread(target: Callable[[], Any], results: dict[str, Any], key: str) -> threading.Thread:
    def run() -> None:
        try:
            results[key] = target()
        except BaseException as exc:
            results[key] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _someone_waits_on_a_lock() -> bool:
    """Poll PostgreSQL until another session waits for a row lock (bounded)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.02)
    return False


def test_a_write_under_way_holds_the_withdrawal_back(require_postgres: None, world: World) -> None:
    checked, release = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def write_in_flight() -> bool:
        with transaction.atomic():
            allowed = _negotiator_may_write(world)
            checked.set()
            release.wait(WAIT)
            return allowed

    writer = _in_thread(write_in_flight, results, "write")
    assert checked.wait(WAIT)
    withdrawal = _in_thread(lambda: _withdraw(world), results, "withdraw")
    assert _someone_waits_on_a_lock()
    assert "withdraw" not in results  # still waiting for the write to commit
    release.set()
    writer.join(WAIT)
    withdrawal.join(WAIT)
    close_old_connections()
    assert results["write"] is True
    assert results["withdraw"].is_withdrawn
    with transaction.atomic():
        assert not _negotiator_may_write(world)


def test_a_write_starting_during_a_withdrawal_waits_and_finds_the_party_withdrawn(
    require_postgres: None, world: World
) -> None:
    withdrawn, release = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def withdrawal_in_flight() -> Any:
        with transaction.atomic():
            link = _withdraw(world)
            withdrawn.set()
            release.wait(WAIT)
            return link

    def write() -> bool:
        with transaction.atomic():
            return _negotiator_may_write(world)

    withdrawal = _in_thread(withdrawal_in_flight, results, "withdraw")
    assert withdrawn.wait(WAIT)
    writer = _in_thread(write, results, "write")
    assert _someone_waits_on_a_lock()
    assert "write" not in results
    release.set()
    withdrawal.join(WAIT)
    writer.join(WAIT)
    close_old_connections()
    assert results["write"] is False


def test_concurrent_withdrawals_of_one_party_make_one_event(
    require_postgres: None, world: World
) -> None:
    coordinators = 4
    barrier = threading.Barrier(coordinators)
    results: dict[str, Any] = {}

    def attempt() -> Any:
        barrier.wait(WAIT)
        return _withdraw(world)

    threads = [_in_thread(attempt, results, f"c{i}") for i in range(coordinators)]
    for thread in threads:
        thread.join(WAIT)
    close_old_connections()
    refused = [r for r in results.values() if isinstance(r, ValidationError)]
    assert len(results) == coordinators
    assert len(refused) == coordinators - 1
    assert all("already withdrawn" in str(r) for r in refused)
    assert DossierPartyEvent.objects.count() == 1
    assert AuditEvent.objects.filter(action="dossier.withdraw_party").count() == 1
    assert verify_chain().ok
