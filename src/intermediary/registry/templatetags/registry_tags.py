"""Template helpers for registry pages: human labels of the coded values in person views."""

from __future__ import annotations

from typing import Any

from django import template

from intermediary.registry import choices

register = template.Library()

_VOCABULARIES: dict[str, type[Any]] = {
    "status": choices.PersonStatus,
    "kind": choices.CustodyEventKind,
    "remains_kind": choices.RemainsEventKind,
    "legal_status": choices.LegalStatus,
    "affiliation": choices.Affiliation,
    "sex": choices.Sex,
    "script": choices.Script,
    "category": choices.Category,
    "identification": choices.IdentificationStatus,
    "method": choices.IdentificationMethod,
}


@register.filter
def label(value: Any, vocabulary: str) -> str:
    """``{{ view.status|label:"status" }}``: the translated label, or the value if unknown."""
    if value in (None, ""):
        return ""
    try:
        return str(_VOCABULARIES[vocabulary](value).label)
    except (KeyError, ValueError):
        return str(value)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """``{{ row.counts|get:category }}``: look a key up with a variable."""
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return ""


@register.filter
def tri(value: bool | None) -> str:
    """Yes / no / unknown for derived categories (unknown is not no)."""
    from django.utils.translation import gettext as _

    if value is None:
        return _("unknown")
    return _("yes") if value else _("no")
