"""API: the audit chain for auditors (events, verification, inclusion proofs) and the signed
checkpoints with their consistency proofs for staff and parties (docs/audit.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from intermediary.access.policy import Perm, require_or_404
from intermediary.api.errors import error_body
from intermediary.api.routers.accounts import ERRORS
from intermediary.api.schemas import ErrorOut
from intermediary.audit import selectors
from intermediary.audit.checkpoints import audit_checkpoint_ensure, to_checkpoint
from intermediary.audit.models import AuditCheckpoint
from intermediary.audit.ratelimit import ProofRateLimited
from intermediary.audit.services import AuditError
from intermediary.audit.signing import SigningKeyError
from intermediary.audit.verify import verify_chain
from intermediary.core.errors import field_error

router = Router(tags=["audit"])
MAX_LIMIT = 500
RATE_LIMITED = {429: ErrorOut}


class EventOut(Schema):
    seq: int
    at: datetime
    actor_id: str
    actor_label: str
    action: str
    object_type: str
    object_id: str
    payload_hash: str
    prev_hash: str
    hash: str


class EventPage(Schema):
    items: list[EventOut]
    next_before_seq: int | None


@router.get("/events", response={200: EventPage, **ERRORS}, url_name="api-audit-events")
def event_list(
    request: HttpRequest,
    before_seq: int | None = None,
    limit: int = 100,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
) -> EventPage:
    """Newest first; page with ``before_seq`` (keyset pagination: stable while the log grows)."""
    require_or_404(request.user, Perm.AUDIT_VIEW, path=request.path)
    limit = max(1, min(limit, MAX_LIMIT))
    qs = selectors.audit_event_list(
        user=request.user, action=action, object_type=object_type, object_id=object_id
    )
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    items = list(qs[:limit])
    next_seq = items[-1].seq if len(items) == limit else None
    return EventPage(items=[EventOut.from_orm(e) for e in items], next_before_seq=next_seq)


class VerifyOut(Schema):
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    first_broken_seq: int | None
    reason: str


@router.get("/verify", response={200: VerifyOut, **ERRORS}, url_name="api-audit-verify")
def chain_verify(request: HttpRequest, head: str | None = None) -> VerifyOut:
    require_or_404(request.user, Perm.AUDIT_VIEW, path=request.path)
    report = verify_chain(expected_head=head)
    return VerifyOut(
        ok=report.ok,
        checked=report.checked,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        first_broken_seq=report.first_broken_seq,
        reason=report.reason,
    )


# --- Signed checkpoints (Perm.AUDIT_CHECKPOINT_VIEW; the documents the offline verifier reads) ---


def _required(name: str, value: int | None) -> int:
    """Query parameters are declared optional so that access is checked before their presence:
    a user who may not call the endpoint gets 404 either way; one who may gets 422."""
    if value is None:
        raise field_error(name, "This parameter is required.")
    return value


class PublicKeyOut(Schema):
    algorithm: str
    key_id: str
    public_key_pem: str


class CheckpointOut(Schema):
    """Exactly the document `intermediary audit verify-checkpoint` reads."""

    log: str
    tree_size: int
    root_hash: str
    at: str
    key_id: str
    signature: str


class ConsistencyOut(Schema):
    log: str
    first: int
    second: int
    proof: list[str]


class InclusionOut(Schema):
    log: str
    tree_size: int
    leaf_index: int
    event_seq: int
    event_hash: str
    proof: list[str]


@router.get("/public-key", response={200: PublicKeyOut, **ERRORS}, url_name="api-audit-public-key")
def public_key(request: HttpRequest) -> PublicKeyOut:
    """The checkpoint signing key (PEM) and its id; keep it to verify checkpoints offline."""
    info = selectors.audit_public_key(user=request.user, path=request.path)
    return PublicKeyOut(
        algorithm=info.algorithm, key_id=info.key_id, public_key_pem=info.public_key_pem
    )


@router.get(
    "/checkpoints", response={200: list[CheckpointOut], **ERRORS}, url_name="api-audit-checkpoints"
)
def checkpoint_list(request: HttpRequest, limit: int = 100) -> list[CheckpointOut]:
    """Signed checkpoints, newest first."""
    require_or_404(request.user, Perm.AUDIT_CHECKPOINT_VIEW, path=request.path)
    rows = selectors.audit_checkpoint_list(user=request.user)[: max(1, min(limit, MAX_LIMIT))]
    return [checkpoint_out(row) for row in rows]


def checkpoint_out(row: AuditCheckpoint) -> CheckpointOut:
    return CheckpointOut(**to_checkpoint(row).document())


@router.post(
    "/checkpoints",
    response={200: CheckpointOut, 201: CheckpointOut, 409: ErrorOut, **ERRORS},
    url_name="api-audit-checkpoint-create",
)
def checkpoint_create(request: HttpRequest) -> Status[CheckpointOut | ErrorOut]:
    """Coordinators: sign a checkpoint over every event so far with the server's key (201).
    When nothing but the latest checkpoint's own event was logged since it, that checkpoint
    is returned instead (200) and nothing is written. 409 when no signing key is configured
    (``AUDIT_SIGNING_KEY_FILE``) or the log is broken; nothing is written then either."""
    require_or_404(request.user, Perm.AUDIT_CHECKPOINT_CREATE, path=request.path)
    try:
        outcome = audit_checkpoint_ensure(actor=request.user)
    except SigningKeyError:
        return Status(409, ErrorOut(**_no_signing_key()))
    except AuditError:
        return Status(409, ErrorOut(**_log_broken()))
    return Status(201 if outcome.created else 200, checkpoint_out(outcome.checkpoint))


def _no_signing_key() -> dict[str, Any]:
    # The path and the reason stay in the server's configuration: the page says the same.
    return error_body(
        "no_signing_key",
        "No checkpoint was created: no signing key is configured on the server "
        "(AUDIT_SIGNING_KEY_FILE), or it cannot be read.",
    )


def _log_broken() -> dict[str, Any]:
    return error_body(
        "audit_log_broken",
        "No checkpoint was created: the audit log is broken; the auditors can verify it.",
    )


def _rate_limited(response: HttpResponse, exc: ProofRateLimited) -> ErrorOut:
    """The body of a 429, with Retry-After set: the user had their share of proofs computed
    this minute."""
    response["Retry-After"] = str(exc.retry_after)
    body = error_body(
        "rate_limited",
        f"Too many proofs computed for you this minute; retry in {exc.retry_after} s.",
    )
    return ErrorOut(**body)


@router.get(
    "/checkpoints/latest",
    response={200: CheckpointOut, **ERRORS},
    url_name="api-audit-checkpoint-latest",
)
def checkpoint_latest(request: HttpRequest) -> CheckpointOut:
    row = selectors.audit_checkpoint_get(user=request.user, tree_size=None, path=request.path)
    return CheckpointOut(**to_checkpoint(row).document())


@router.get(
    "/checkpoints/{tree_size}",
    response={200: CheckpointOut, **ERRORS},
    url_name="api-audit-checkpoint",
)
def checkpoint_get(request: HttpRequest, tree_size: int) -> CheckpointOut:
    row = selectors.audit_checkpoint_get(user=request.user, tree_size=tree_size, path=request.path)
    return CheckpointOut(**to_checkpoint(row).document())


@router.get(
    "/consistency",
    response={200: ConsistencyOut, **ERRORS, **RATE_LIMITED},
    url_name="api-audit-consistency",
)
def consistency(
    request: HttpRequest,
    response: HttpResponse,
    first: int | None = None,
    second: int | None = None,
) -> Status[ConsistencyOut | ErrorOut]:
    """The RFC 9162 proof that checkpoint ``second`` extends checkpoint ``first``; both must be
    checkpointed sizes (anything else: 404). Both are required (422), checked after access.
    Proofs are cached; past ``AUDIT_PROOF_RATE_LIMIT`` computed proofs a minute: 429."""
    require_or_404(request.user, Perm.AUDIT_CHECKPOINT_VIEW, path=request.path)
    try:
        proof = selectors.audit_consistency_proof(
            user=request.user,
            first=_required("first", first),
            second=_required("second", second),
            path=request.path,
        )
    except ProofRateLimited as exc:
        return Status(429, _rate_limited(response, exc))
    return Status(200, ConsistencyOut(**proof.document()))


@router.get(
    "/inclusion",
    response={200: InclusionOut, **ERRORS, **RATE_LIMITED},
    url_name="api-audit-inclusion",
)
def inclusion(
    request: HttpRequest,
    response: HttpResponse,
    seq: int | None = None,
    tree_size: int | None = None,
) -> Status[InclusionOut | ErrorOut]:
    """Auditors: the RFC 9162 proof that event ``seq`` (required) is in a checkpoint (default:
    the latest). Rate-limited like consistency proofs (429)."""
    require_or_404(request.user, Perm.AUDIT_VIEW, path=request.path)
    try:
        proof = selectors.audit_inclusion_proof(
            user=request.user, seq=_required("seq", seq), tree_size=tree_size, path=request.path
        )
    except ProofRateLimited as exc:
        return Status(429, _rate_limited(response, exc))
    return Status(200, InclusionOut(**proof.document()))
