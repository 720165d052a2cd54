"""Appending to the audit chain. Called by every service that writes, inside its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from intermediary.audit.canonical import GENESIS_HASH, digest
from intermediary.audit.models import AccessDenial, AuditEvent

# Arbitrary constant naming "the audit chain head" for pg_advisory_xact_lock.
_CHAIN_LOCK_KEY = 0x1A0D17


class AuditError(RuntimeError):
    """Raised when the chain cannot be appended to safely."""


@dataclass(frozen=True)
class ActorRef:
    """Who acted, as recorded in the log: a public id and a display label (no personal data
    beyond the username the organisation assigned)."""

    id: str
    label: str

    @classmethod
    def system(cls) -> ActorRef:
        return cls(id="system", label="system")


def actor_ref(user: Any) -> ActorRef:
    """The log's view of a user (or the system when there is none)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ActorRef.system()
    return ActorRef(id=str(user.public_id), label=str(user.username))


def event_hash_input(
    *,
    seq: int,
    at: str,
    actor_id: str,
    action: str,
    object_type: str,
    object_id: str,
    payload_hash: str,
    prev_hash: str,
) -> dict[str, Any]:
    """The exact fields an event's own hash covers; verification recomputes from the same."""
    return {
        "seq": seq,
        "at": at,
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "payload_hash": payload_hash,
        "prev_hash": prev_hash,
    }


def _lock_chain_head() -> None:
    """Serialise appenders. PostgreSQL: a transaction-scoped advisory lock, released at commit.
    SQLite: settings open every transaction IMMEDIATE, which already holds the write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


@dataclass(frozen=True)
class PendingEvent:
    """One event for audit_append_many."""

    action: str
    object_type: str
    object_id: str
    payload: Any


def _chain_head() -> tuple[int, str]:
    head = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
    return (0, GENESIS_HASH) if head is None else (head.seq, head.hash)


def lock_chain_head() -> tuple[int, str]:
    """Take the chain lock for the rest of the current transaction and return the head
    (seq, hash): nothing can be appended until it commits (checkpoints sign a stable prefix)."""
    _require_transaction()
    _lock_chain_head()
    return _chain_head()


def _build_event(
    *,
    seq: int,
    prev_hash: str,
    who: ActorRef,
    action: str,
    object_type: str,
    object_id: str,
    payload: Any,
) -> AuditEvent:
    # Microsecond precision is what every database backend keeps, so the hash survives storage.
    at = timezone.now()
    payload_hash = digest(payload)
    own_hash = digest(
        event_hash_input(
            seq=seq,
            at=at.isoformat(),
            actor_id=who.id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            payload_hash=payload_hash,
            prev_hash=prev_hash,
        )
    )
    return AuditEvent(
        seq=seq,
        at=at,
        actor_id=who.id,
        actor_label=who.label[:150],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        payload_hash=payload_hash,
        prev_hash=prev_hash,
        hash=own_hash,
    )


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise AuditError("audit must be appended inside the writing service's transaction")


def audit_append_many(*, actor: Any, events: list[PendingEvent], batch_size: int = 2000) -> int:
    """Append many events under one lock (bulk imports: one event per created object without
    one round trip per event). Same chain, same hashes as appending them one by one."""
    _require_transaction()
    if not events:
        return 0
    _lock_chain_head()
    seq, prev_hash = _chain_head()
    who = actor if isinstance(actor, ActorRef) else actor_ref(actor)
    rows: list[AuditEvent] = []
    for pending in events:
        seq += 1
        event = _build_event(
            seq=seq,
            prev_hash=prev_hash,
            who=who,
            action=pending.action,
            object_type=pending.object_type,
            object_id=pending.object_id,
            payload=pending.payload,
        )
        prev_hash = event.hash
        rows.append(event)
    if connection.vendor == "postgresql":
        _copy_events(rows)
    else:
        AuditEvent.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


_COPY_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "payload_hash",
    "prev_hash",
    "hash",
)


def _copy_events(rows: list[AuditEvent]) -> None:
    """PostgreSQL: COPY the events (bulk_create quotes every value in Python; for 100,000
    events that was seconds). Same transaction, same rows, same append-only trigger."""
    sql = f"COPY audit_auditevent ({', '.join(_COPY_FIELDS)}) FROM STDIN"
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for event in rows:
            copy.write_row(
                (
                    event.seq,
                    event.at,
                    event.actor_id,
                    event.actor_label,
                    event.action,
                    event.object_type,
                    event.object_id,
                    event.payload_hash,
                    event.prev_hash,
                    event.hash,
                )
            )


def audit_append(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: str,
    payload: Any,
) -> AuditEvent:
    """Append one event for a change made in the current transaction.

    Refuses to run outside a transaction: an event committed without its change (or the
    reverse) would make the log lie.
    """
    _require_transaction()
    _lock_chain_head()
    seq, prev_hash = _chain_head()
    who = actor if isinstance(actor, ActorRef) else actor_ref(actor)
    event = _build_event(
        seq=seq + 1,
        prev_hash=prev_hash,
        who=who,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        payload=payload,
    )
    event.save(force_insert=True)
    return event


def access_denial_record(
    *, user: Any, action: str, object_type: str, object_ref: str, path: str = ""
) -> None:
    """Keep a refused access for the auditors. Its own short transaction: it must persist even
    when the request that triggered it rolls back."""
    who = actor_ref(user)
    with transaction.atomic():
        AccessDenial.objects.create(
            actor_id=who.id,
            actor_label=who.label[:150],
            action=action[:64],
            object_type=object_type[:64],
            object_ref=object_ref[:200],
            path=path[:500],
        )
