"""Reads of the audit log and denial log: auditors only."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from intermediary.access.policy import Perm, can
from intermediary.audit.models import AccessDenial, AuditEvent


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
