"""Reads of the audit log and denial log (auditors only) and of the signed checkpoints."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from intermediary.access.policy import (
    NOT_FOUND_MESSAGE,
    Perm,
    can,
    deny,
    get_visible_or_404,
    require_or_404,
)
from intermediary.audit import merkle
from intermediary.audit.checkpoints import (
    consistency_proof_between,
    inclusion_proof_for,
    signing_key,
    to_checkpoint,
)
from intermediary.audit.models import AccessDenial, AuditCheckpoint, AuditEvent
from intermediary.audit.ratelimit import proof_budget_take
from intermediary.audit.signing import (
    ALGORITHM,
    ConsistencyProof,
    InclusionProof,
    SigningKeyError,
    key_id,
    public_key_pem,
)
from intermediary.core.errors import field_error


def audit_event_list(
    *, user: Any, action: str = "", object_type: str = "", object_id: str = ""
) -> QuerySet[AuditEvent]:
    """Events, newest first, filtered; empty for anyone but an auditor."""
    if not can(user, Perm.AUDIT_VIEW):
        return AuditEvent.objects.none()
    qs = AuditEvent.objects.order_by("-seq")
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    return qs


def access_denial_list(*, user: Any) -> QuerySet[AccessDenial]:
    """Refused accesses, newest first; auditors only."""
    if not can(user, Perm.AUDIT_VIEW):
        return AccessDenial.objects.none()
    return AccessDenial.objects.order_by("-at")


# --- Signed checkpoints: intermediary staff, auditors and parties (Perm.AUDIT_CHECKPOINT_VIEW) ---


def audit_checkpoint_list(*, user: Any) -> QuerySet[AuditCheckpoint]:
    """Checkpoints, newest first; empty for anyone without the permission."""
    if not can(user, Perm.AUDIT_CHECKPOINT_VIEW):
        return AuditCheckpoint.objects.none()
    return AuditCheckpoint.objects.order_by("-tree_size")


def audit_checkpoint_get(*, user: Any, tree_size: int | None, path: str = "") -> AuditCheckpoint:
    """One checkpoint by size (None: the latest), or 404 (no permission, or no such size)."""
    require_or_404(user, Perm.AUDIT_CHECKPOINT_VIEW, path=path)
    qs = audit_checkpoint_list(user=user)
    if tree_size is None:
        latest = qs.first()
        if latest is None:
            raise deny(
                user, action="view", object_type="audit.checkpoint", object_ref="latest", path=path
            )
        return latest
    return get_visible_or_404(
        user, qs, object_type="audit.checkpoint", path=path, tree_size=tree_size
    )


def audit_consistency_proof(
    *, user: Any, first: int, second: int, path: str = ""
) -> ConsistencyProof:
    """The proof between two checkpointed sizes; any other size answers 404, so a party learns
    the log's size only at checkpoints."""
    old = audit_checkpoint_get(user=user, tree_size=first, path=path)
    new = audit_checkpoint_get(user=user, tree_size=second, path=path)
    if old.tree_size > new.tree_size:
        raise field_error("first", _("first must not be larger than second"))

    def compute() -> ConsistencyProof:
        return consistency_proof_between(log=new.log, first=old.tree_size, second=new.tree_size)

    def verifies(proof: ConsistencyProof) -> bool:
        return merkle.verify_consistency(
            first_size=old.tree_size,
            second_size=new.tree_size,
            first_root=bytes.fromhex(old.root_hash),
            second_root=bytes.fromhex(new.root_hash),
            proof=[bytes.fromhex(p) for p in proof.proof],
        )

    key = ("consistency", new.log, old.tree_size, old.root_hash, new.tree_size, new.root_hash)
    doc = _cached_proof(user, key, compute, verifies)
    return ConsistencyProof(**doc)


def audit_inclusion_proof(
    *, user: Any, seq: int, tree_size: int | None = None, path: str = ""
) -> InclusionProof:
    """Auditors only: the proof that event ``seq`` is in a checkpointed tree (the latest by
    default); 404 when the event is not inside that checkpoint."""
    require_or_404(user, Perm.AUDIT_VIEW, path=path)
    checkpoint = audit_checkpoint_get(user=user, tree_size=tree_size, path=path)
    if not 1 <= seq <= checkpoint.tree_size:
        raise deny(
            user, action="view", object_type="audit.event", object_ref=f"seq={seq}", path=path
        )

    def compute() -> InclusionProof:
        return inclusion_proof_for(log=checkpoint.log, seq=seq, tree_size=checkpoint.tree_size)

    def verifies(proof: InclusionProof) -> bool:
        return proof.verifies(to_checkpoint(checkpoint))

    key = ("inclusion", checkpoint.log, checkpoint.tree_size, checkpoint.root_hash, seq)
    doc = _cached_proof(user, key, compute, verifies)
    return InclusionProof(**doc)


# --- The proof cache ---------------------------------------------------------------------------

PROOF_CACHE_SECONDS = 24 * 3600


P = TypeVar("P", ConsistencyProof, InclusionProof)


def _cached_proof(
    user: Any, key: tuple[Any, ...], compute: Callable[[], P], verifies: Callable[[P], bool]
) -> dict[str, Any]:
    """A proof's document from the cache, or computed (counted against the user's budget:
    ProofRateLimited past it) and cached when it verifies against the signed roots.

    Sound because the key holds the signed root hashes, not only the sizes: a proof that
    verifies against two signed roots stays true whatever happens to the database later, and
    a reset or rewritten database makes new roots, hence new keys. A proof that does not
    verify (the log was changed since it was signed) is served, as the evidence it is, but
    not cached: the next request recomputes it from the log as it is then.
    """
    digest = hashlib.sha256(json.dumps(key).encode("utf-8")).hexdigest()
    cache_key = f"intermediary:audit-proof:{digest}"
    doc: dict[str, Any] | None = cache.get(cache_key)
    if doc is not None:
        return doc
    proof_budget_take(user)
    proof = compute()
    doc = proof.document()
    if verifies(proof):
        cache.set(cache_key, doc, PROOF_CACHE_SECONDS)
    return doc


@dataclass(frozen=True)
class PublicKeyInfo:
    algorithm: str
    key_id: str
    public_key_pem: str


def audit_public_key(*, user: Any, path: str = "") -> PublicKeyInfo:
    """The configured signing key's public half; 404 when none is configured."""
    require_or_404(user, Perm.AUDIT_CHECKPOINT_VIEW, path=path)
    try:
        key = signing_key().public_key()
    except SigningKeyError as exc:
        raise Http404(NOT_FOUND_MESSAGE) from exc
    return PublicKeyInfo(
        algorithm=ALGORITHM, key_id=key_id(key), public_key_pem=public_key_pem(key)
    )
