"""The audit chain: appends, verification, and the tampering verification must catch."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from intermediary.access.policy import SYSTEM
from intermediary.accounts.choices import OrganisationKind
from intermediary.accounts.services import organisation_create
from intermediary.audit.canonical import GENESIS_HASH, canonical_bytes, digest
from intermediary.audit.models import AuditEvent
from intermediary.audit.services import (
    AuditError,
    PendingEvent,
    audit_append,
    audit_append_many,
)
from intermediary.audit.verify import verify_chain
from intermediary.cli import main
from tests.conftest import World

pytestmark = pytest.mark.django_db


@contextmanager
def tampering() -> Iterator[None]:
    """Let a test rewrite history as an attacker with database access would (on PostgreSQL the
    append-only trigger must be disabled first, which needs the table owner)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        yield
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
    else:
        yield


def _events(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        organisation_create(
            actor=SYSTEM, name=f"Org {i}", short_name=f"O{i}", kind=OrganisationKind.PARTY
        )


def test_every_service_write_appends_one_linked_event(world: World) -> None:
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert {"organisation.create", "user.create", "dossier.create", "dossier.assign_member"} <= {
        e.action for e in events
    }
    assert verify_chain().ok


def test_events_hold_hashes_not_personal_data(world: World) -> None:
    username = "north_observer"
    for event in AuditEvent.objects.all():
        stored = " ".join([event.action, event.object_type, event.object_id, event.payload_hash])
        assert username not in stored


def test_payload_hash_is_sha256_of_rfc8785_json() -> None:
    expected = '{"a":[true,null,"é"],"b":1}'.encode()
    assert canonical_bytes({"b": 1, "a": [True, None, "é"]}) == expected
    assert len(digest({"x": 1})) == 64


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused() -> None:
    with pytest.raises(AuditError):
        audit_append(actor=SYSTEM, action="x", object_type="t", object_id="1", payload={})


def test_bulk_append_continues_the_same_chain() -> None:
    _events(2)
    with transaction.atomic():
        count = audit_append_many(
            actor=SYSTEM,
            events=[PendingEvent("thing.create", "thing", str(i), {"i": i}) for i in range(50)],
        )
    assert count == 50
    _events(1, start=2)
    report = verify_chain()
    assert report.ok
    assert report.checked == 53


def test_changing_one_byte_is_caught_and_named() -> None:
    _events(5)
    with tampering():
        AuditEvent.objects.filter(seq=3).update(action="organisation.creatf")
    report = verify_chain()
    assert not report.ok
    assert report.first_broken_seq == 3
    assert "content" in report.reason


def test_rewriting_an_event_and_its_hash_breaks_the_next_link() -> None:
    _events(5)
    event = AuditEvent.objects.get(seq=2)
    with tampering():
        AuditEvent.objects.filter(seq=2).update(object_id="forged", hash="f" * 64)
    report = verify_chain()
    assert report.first_broken_seq == 2
    assert event.hash != "f" * 64


def test_deleting_an_event_is_caught() -> None:
    _events(5)
    with tampering():
        AuditEvent.objects.filter(seq=3).delete()
    report = verify_chain()
    assert report.first_broken_seq == 4
    assert "missing" in report.reason


def test_reordering_events_is_caught() -> None:
    _events(5)
    with tampering():
        AuditEvent.objects.filter(seq=2).update(seq=1000)
        AuditEvent.objects.filter(seq=3).update(seq=2)
        AuditEvent.objects.filter(seq=1000).update(seq=3)
    report = verify_chain()
    assert report.first_broken_seq == 2


def test_truncation_is_caught_with_a_kept_head() -> None:
    _events(5)
    kept_head = verify_chain().head_hash
    with tampering():
        AuditEvent.objects.filter(seq=5).delete()
    assert verify_chain().ok  # a chain alone cannot know its own end...
    report = verify_chain(expected_head=kept_head)
    assert not report.ok  # ...but a head kept by a party can.


def test_postgres_refuses_updates_and_deletes(require_postgres: None) -> None:
    from django.db import DatabaseError

    _events(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(action="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).delete()


def test_cli_verify_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    _events(3)
    assert main(["audit", "verify"]) == 0
    assert "OK: 3 events" in capsys.readouterr().out
    with tampering():
        AuditEvent.objects.filter(seq=2).update(object_type="tampered")
    assert main(["audit", "verify"]) == 1
    assert "BROKEN at event #2" in capsys.readouterr().err
