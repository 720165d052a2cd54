"""Recomputing the audit chain from the stored events to prove it was not rewritten."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from intermediary.audit.canonical import GENESIS_HASH, digest
from intermediary.audit.models import AuditEvent
from intermediary.audit.services import event_hash_input


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a verification: ``first_broken_seq`` is None when the chain is intact."""

    checked: int
    head_seq: int
    head_hash: str
    first_broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def _recompute(event: AuditEvent) -> str:
    return digest(
        event_hash_input(
            seq=event.seq,
            at=event.at.isoformat(),
            actor_id=event.actor_id,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            payload_hash=event.payload_hash,
            prev_hash=event.prev_hash,
        )
    )


def verify_chain(*, expected_head: str | None = None) -> ChainReport:
    """Walk every event in order: sequence gapless from 1, each linked to its predecessor's
    hash and hashing to its own. ``expected_head`` (a hash a party kept earlier) also catches
    truncation of the newest events, which a chain alone cannot reveal."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    seen_expected_head = expected_head is None
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        broken = _first_problem(event, expected_seq, prev_hash)
        if broken:
            return ChainReport(checked, expected_seq - 1, prev_hash, event.seq, broken)
        checked += 1
        expected_seq += 1
        prev_hash = event.hash
        if expected_head is not None and event.hash == expected_head:
            seen_expected_head = True
    if not seen_expected_head:
        return ChainReport(
            checked,
            expected_seq - 1,
            prev_hash,
            expected_seq,
            _("the expected head hash is not in the chain: events were removed or rewritten"),
        )
    return ChainReport(checked, expected_seq - 1, prev_hash)


def _first_problem(event: AuditEvent, expected_seq: int, prev_hash: str) -> str:
    """Name what is wrong with one event, or return an empty string."""
    if event.seq != expected_seq:
        return _("expected event #%(expected)d, found #%(found)d: events missing or reordered") % {
            "expected": expected_seq,
            "found": event.seq,
        }
    if event.prev_hash != prev_hash:
        return _("its previous-hash does not match the event before it")
    if _recompute(event) != event.hash:
        return _("its content does not match its hash")
    return ""
