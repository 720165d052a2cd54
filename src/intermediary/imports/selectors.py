"""Reads of imports, always scoped by the acting user through the access module."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from intermediary.access.policy import (
    actor_of,
    deny,
    get_visible_or_404,
    visible_person_imports,
)
from intermediary.dossiers.models import Dossier
from intermediary.dossiers.selectors import dossier_get
from intermediary.imports.models import PersonImport


def person_import_list(*, user: Any, dossier: Dossier) -> QuerySet[PersonImport]:
    """The import history of one dossier, newest first (the raw bytes are not loaded)."""
    return (
        visible_person_imports(user)
        .filter(dossier=dossier)
        .select_related("uploaded_by", "dossier")
        .defer("errors")
    )


def person_import_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> PersonImport:
    """One import the user may see, or 404 (same as a missing one; the denial is logged)."""
    return get_visible_or_404(
        user,
        visible_person_imports(user).select_related("uploaded_by", "dossier"),
        object_type="imports.personimport",
        path=path,
        public_id=public_id,
    )


def import_dossier_get(*, user: Any, public_id: uuid.UUID | str, path: str = "") -> Dossier:
    """A dossier whose imports the user may see: intermediary staff on it. For everyone else
    the imports of a dossier do not exist (404, logged), even when the dossier itself does."""
    dossier = dossier_get(user=user, public_id=public_id, path=path)
    if not actor_of(user).is_intermediary_staff:
        raise deny(
            user,
            action="view",
            object_type="imports.personimport",
            object_ref=str(public_id),
            path=path,
        )
    return dossier
