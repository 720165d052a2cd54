"""API: the audit chain for auditors (events and verification)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from intermediary.access.policy import Perm, require_or_404
from intermediary.api.routers.accounts import ERRORS
from intermediary.audit import selectors
from intermediary.audit.verify import verify_chain

router = Router(tags=["audit"])
MAX_LIMIT = 500


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
