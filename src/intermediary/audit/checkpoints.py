"""Signed audit checkpoints: creating them, checking the stored ones, and the proofs parties ask.

Leaf i of the tree (0-based) is the 32 bytes of event ``seq = i + 1``'s ``hash`` (hex-decoded):
the chain hash already covers every field of the event and its predecessor, so the tree adds
what a chain cannot give a party holding only a head: a short proof, checkable without seeing
any event, that a later log still contains exactly the earlier one (RFC 9162 consistency).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from intermediary.access.policy import Perm, require
from intermediary.audit import merkle
from intermediary.audit.models import AuditCheckpoint, AuditEvent
from intermediary.audit.services import AuditError, audit_append, lock_chain_head
from intermediary.audit.signing import (
    Checkpoint,
    ConsistencyProof,
    InclusionProof,
    SigningKeyError,
    format_at,
    key_id,
    load_private_key,
    public_key_from_raw,
    raw_public_key,
    sign_checkpoint,
    signature_problem,
)

CHECKPOINT_ACTION = "audit.checkpoint"
CHECKPOINT_OBJECT_TYPE = "audit.checkpoint"
_CHUNK = 20_000


def signing_key() -> Ed25519PrivateKey:
    """The configured key (AUDIT_SIGNING_KEY_FILE), or SigningKeyError saying what to do."""
    path = getattr(settings, "AUDIT_SIGNING_KEY_FILE", "")
    if not path:
        raise SigningKeyError(
            "no audit signing key is configured: set AUDIT_SIGNING_KEY_FILE to a key made with "
            "`intermediary audit keygen --out FILE`"
        )
    return load_private_key(path)


def _event_hashes(up_to: int) -> Iterator[tuple[int, str]]:
    """(seq, hash) of events 1..up_to in order, fetched in keyset-paginated chunks (plain
    queries, no server-side cursor: a caller may stop early or raise without leaving one)."""
    last = 0
    while last < up_to:
        chunk = list(
            AuditEvent.objects.filter(seq__gt=last, seq__lte=up_to)
            .order_by("seq")
            .values_list("seq", "hash")[:_CHUNK]
        )
        if not chunk:
            return
        yield from chunk
        last = chunk[-1][0]


def _leaf_hashes(tree_size: int) -> Iterator[bytes]:
    """Leaf hashes of events 1..tree_size, streamed; AuditError if any event is missing."""
    expected = 1
    for seq, event_hash in _event_hashes(tree_size):
        if seq != expected:
            raise AuditError(f"event #{expected} is missing")
        yield merkle.leaf_hash(bytes.fromhex(event_hash))
        expected += 1
    if expected != tree_size + 1:
        raise AuditError(f"the log has {expected - 1} events, fewer than {tree_size}")


def tree_root_hex(tree_size: int) -> str:
    return merkle.root_from_leaf_hashes(_leaf_hashes(tree_size)).hex()


def to_checkpoint(row: AuditCheckpoint) -> Checkpoint:
    return Checkpoint(
        log=row.log,
        tree_size=row.tree_size,
        root_hash=row.root_hash,
        at=format_at(row.at),
        key_id=row.key_id,
        signature=row.signature,
    )


@dataclass(frozen=True)
class CheckpointOutcome:
    """What ``audit_checkpoint_ensure`` did: signed a new checkpoint, or found the latest one
    still describing the whole log and returned it."""

    checkpoint: AuditCheckpoint
    created: bool


def _still_current(latest: AuditCheckpoint, tree_size: int, key_id_hex: str) -> bool:
    """Has nothing but ``latest``'s own ``audit.checkpoint`` event been appended since it, and
    was it signed with the key and log name in use? Then a new checkpoint would only cover
    that event, and the next would cover its own: an idle log would grow by one event per
    scheduled run. A new key or log name still gets a checkpoint of its own (a key rotation
    needs one the parties can check with the new key)."""
    if tree_size != latest.tree_size + 1:
        return False
    if latest.key_id != key_id_hex or latest.log != settings.AUDIT_LOG_ID:
        return False
    return AuditEvent.objects.filter(
        seq=tree_size, action=CHECKPOINT_ACTION, object_id=str(latest.tree_size)
    ).exists()


@transaction.atomic
def audit_checkpoint_ensure(
    *, actor: Any, key: Ed25519PrivateKey | None = None
) -> CheckpointOutcome:
    """Sign the root over every event so far, store it, and log that (event ``audit.checkpoint``,
    which the next checkpoint then covers). Holds the chain lock, so the size and root are
    those of one consistent prefix while writers wait. Idempotent: when the log has not grown
    since the latest checkpoint (see ``_still_current``), that one is returned and nothing is
    written, so the page, the API and a scheduled run may all ask without piling up
    checkpoints of checkpoints."""
    require(actor, Perm.AUDIT_CHECKPOINT_CREATE)
    key = key if key is not None else signing_key()
    tree_size, _head = lock_chain_head()
    latest = AuditCheckpoint.objects.order_by("-tree_size").first()
    if latest is not None and _still_current(latest, tree_size, key_id(key.public_key())):
        return CheckpointOutcome(checkpoint=latest, created=False)
    if latest is not None and latest.tree_size >= tree_size:
        # Not even the event that logged the latest checkpoint follows it.
        raise AuditError("the log is not longer than the latest checkpoint: it was truncated")
    at = timezone.now().replace(microsecond=0)
    signed = sign_checkpoint(
        key=key,
        log=settings.AUDIT_LOG_ID,
        tree_size=tree_size,
        root_hash=tree_root_hex(tree_size),
        at=format_at(at),
    )
    row = AuditCheckpoint.objects.create(
        log=signed.log,
        tree_size=signed.tree_size,
        root_hash=signed.root_hash,
        at=at,
        key_id=signed.key_id,
        public_key=raw_public_key(key.public_key()).hex(),
        signature=signed.signature,
    )
    audit_append(
        actor=actor,
        action=CHECKPOINT_ACTION,
        object_type=CHECKPOINT_OBJECT_TYPE,
        object_id=str(row.tree_size),
        payload=signed.document(),
    )
    return CheckpointOutcome(checkpoint=row, created=True)


def audit_checkpoint_create(*, actor: Any, key: Ed25519PrivateKey | None = None) -> AuditCheckpoint:
    """``audit_checkpoint_ensure`` for callers that need only the checkpoint (the CLI, the
    demo): the new one, or the latest when the log has not grown since."""
    return audit_checkpoint_ensure(actor=actor, key=key).checkpoint


# --- Verification of the stored checkpoints (intermediary side) -------------------------------


@dataclass(frozen=True)
class CheckpointResult:
    tree_size: int
    root_hash: str
    at: str
    key_id: str
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def verify_checkpoints() -> list[CheckpointResult]:
    """Recompute the root at every checkpointed size in one pass over the events, and check
    each stored signature with the key it names. Smallest size first."""
    rows = list(AuditCheckpoint.objects.order_by("tree_size"))
    results: list[CheckpointResult] = []
    if not rows:
        return results
    roots: dict[int, str] = {}
    compact = merkle.CompactRange()
    wanted = {row.tree_size for row in rows}
    if 0 in wanted:
        roots[0] = compact.root().hex()
    for seq, event_hash in _event_hashes(max(wanted)):
        if seq != compact.size + 1:
            break  # a gap: sizes beyond it cannot be recomputed (verify_chain names the event)
        compact.append(merkle.leaf_hash(bytes.fromhex(event_hash)))
        if seq in wanted:
            roots[seq] = compact.root().hex()
    for row in rows:
        results.append(_check_row(row, roots.get(row.tree_size)))
    return results


def _check_row(row: AuditCheckpoint, recomputed: str | None) -> CheckpointResult:
    checkpoint = to_checkpoint(row)
    problem = ""
    if recomputed is None:
        problem = _("the log no longer holds %(n)d gapless events: it was truncated") % {
            "n": row.tree_size
        }
    elif recomputed != row.root_hash:
        problem = _("the events no longer hash to the signed root: the log was rewritten")
    else:
        try:
            public_key = public_key_from_raw(row.public_key)
        except ValueError:
            public_key = None
        if public_key is None or key_id(public_key) != row.key_id:
            problem = _("the stored public key does not match the key id")
        elif signature_problem(checkpoint, public_key):
            problem = _("the signature does not match the checkpoint")
    return CheckpointResult(
        tree_size=row.tree_size,
        root_hash=row.root_hash,
        at=checkpoint.at,
        key_id=row.key_id,
        problem=problem,
    )


# --- Proofs (what the API serves) ------------------------------------------------------------


def _leaf_hash_list(tree_size: int) -> list[bytes]:
    return list(_leaf_hashes(tree_size))


def consistency_proof_between(*, log: str, first: int, second: int) -> ConsistencyProof:
    """The RFC 9162 proof that the tree of ``second`` events extends that of ``first``."""
    if not 0 <= first <= second:
        raise ValueError("first must not exceed second")
    proof = merkle.consistency_proof(_leaf_hash_list(second), first)
    return ConsistencyProof(log=log, first=first, second=second, proof=[p.hex() for p in proof])


def inclusion_proof_for(*, log: str, seq: int, tree_size: int) -> InclusionProof:
    """The RFC 9162 proof that event ``seq`` is leaf ``seq - 1`` of the tree of ``tree_size``."""
    hashes = _leaf_hash_list(tree_size)
    event_hash = AuditEvent.objects.values_list("hash", flat=True).get(seq=seq)
    proof = merkle.inclusion_proof(hashes, seq - 1)
    return InclusionProof(
        log=log,
        tree_size=tree_size,
        leaf_index=seq - 1,
        event_seq=seq,
        event_hash=event_hash,
        proof=[p.hex() for p in proof],
    )
