"""Reads for dossiers, always scoped by the acting user through the access module."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from intermediary.access.policy import get_visible_or_404, visible_dossiers
from intermediary.dossiers.models import Dossier


def dossier_list(*, user: Any, status: str | None = None) -> QuerySet[Dossier]:
    """Dossiers the user may see, newest first."""
    qs = (
        visible_dossiers(user)
        .select_related("intermediary")
        .prefetch_related("party_links__organisation")
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")


def dossier_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> Dossier:
    """One dossier the user may see, or 404 (same as a missing one; the denial is logged)."""
    return get_visible_or_404(
        user, visible_dossiers(user), object_type="dossier", path=path, public_id=public_id
    )
