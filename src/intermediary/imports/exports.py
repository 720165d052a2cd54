"""Export of the persons a user may see, as CSV (UTF-8 with BOM, for Excel) or XLSX.

Rows are rendered from the registry's person views (``registry.presenters``), the same dicts
the UI and API show, so an export can never carry a field its reader may not see. Columns use
the import's names (docs/imports.md), so an intermediary export can be edited and compared.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from intermediary.access.policy import actor_of, visible_persons
from intermediary.audit.services import audit_append
from intermediary.dossiers.models import Dossier
from intermediary.imports.columns import COLUMNS, Kind
from intermediary.imports.decoding import charset_of_label
from intermediary.registry.choices import Script
from intermediary.registry.fields import PERSON_INTERMEDIARY_ONLY, PERSON_PARTY_SAFE
from intermediary.registry.models import Person
from intermediary.registry.presenters import person_views

FORMATS = ("csv", "xlsx")
CHUNK = 2_000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def raw_content_type(file_format: str, encoding_label: str) -> str:
    """The Content-Type of an uploaded table served back as it was received: the XLSX type,
    or text/csv with the charset the file was decoded with (none when it is not known)."""
    if file_format == "xlsx":
        return CONTENT_TYPES["xlsx"]
    charset = charset_of_label(encoding_label)
    return f"text/csv; charset={charset}" if charset else "text/csv"


SCRIPT_COLUMNS = {
    Script.ARABIC: "name_ar",
    Script.HEBREW: "name_he",
    Script.CYRILLIC: "name_cyrillic",
    Script.LATIN: "name_latin",
    Script.OTHER: "name_other",
}
PART_COLUMNS = {
    "given_name": "given_name",
    "father_name": "fathers_name",
    "grandfather_name": "grandfathers_name",
    "family_name": "family_name",
}
_NOT_EXPORTED = {"registered_on", "registered_place"}  # they describe the upload, not a person
# Export column -> the person-view key it is read from; a party's header keeps only columns
# whose key is party-safe. Order: ids, names, the import's columns, derived values.
_VIEW_KEY: dict[str, str] = {
    "person_id": "id",
    "dossier": "dossier",
    **dict.fromkeys((*SCRIPT_COLUMNS.values(), "more_names", *PART_COLUMNS), "names"),
    **{
        c.key: "date_of_birth" if c.kind is Kind.PARTIAL_DATE else c.target
        for c in COLUMNS
        if c.kind not in (Kind.NAME, Kind.NAME_PART) and c.key not in _NOT_EXPORTED
    },
    "status": "status",
    "categories": "categories",
    "source": "source",
}
_ALWAYS = frozenset({"id", "dossier"})


@dataclass(frozen=True)
class Export:
    """A rendered export: what to send and what to call it."""

    filename: str
    content_type: str
    body: bytes
    rows: int


def export_columns(user: Any) -> list[str]:
    """The header for this user: intermediary-only columns exist only for intermediary staff,
    so a party's file does not even name them."""
    allowed = set(PERSON_PARTY_SAFE) | _ALWAYS
    if actor_of(user).is_intermediary_staff:
        allowed |= set(PERSON_INTERMEDIARY_ONLY)
    return [column for column, key in _VIEW_KEY.items() if key in allowed]


def _names(view: dict[str, Any]) -> dict[str, str]:
    """One name per script column (the primary first), the rest in more_names."""
    cells: dict[str, str] = {}
    more: list[str] = []
    names = view.get("names", [])
    for name in names:
        column = SCRIPT_COLUMNS.get(name["script"], "name_other")
        if column in cells:
            more.append(name["full_text"])
        else:
            cells[column] = name["full_text"]
    primary = next((n for n in names if n["is_primary"]), None)
    if primary is not None:
        cells.update({col: primary[part] for col, part in PART_COLUMNS.items()})
    cells["more_names"] = " | ".join(more)
    return cells


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return str(value.get("short_name", ""))
    return str(value)


def export_row(view: dict[str, Any], columns: Sequence[str]) -> list[str]:
    """One person view as cells under ``columns``; a field not in the view stays empty."""
    cells = _names(view) if "names" in view else {}
    cells["dossier"] = view["dossier"]["reference"]
    if "categories" in view:
        cells["categories"] = ", ".join(k for k, v in view["categories"].items() if v)
    for column in columns:
        key = _VIEW_KEY[column]
        if column not in cells and key in view:
            cells[column] = _cell(view[key])
    return [cells.get(c, "") for c in columns]


def _persons(user: Any, dossier: Dossier | None) -> QuerySet[Person]:
    qs = visible_persons(user)
    if dossier is not None:
        qs = qs.filter(dossier=dossier)
    return qs.select_related("dossier", "holding_party", "party_of_origin").order_by("pk")


def _rows(user: Any, dossier: Dossier | None, columns: Sequence[str]) -> Iterator[list[str]]:
    """Rows a chunk at a time: 100,000 persons never sit in memory together."""
    reference = timezone.localdate()
    ids = list(_persons(user, dossier).values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = list(
            Person.objects.filter(pk__in=ids[start : start + CHUNK])
            .select_related("dossier", "holding_party", "party_of_origin")
            .prefetch_related("names", "custody_events__author")
            .order_by("pk")
        )
        for view in person_views(user, chunk, reference=reference):
            yield export_row(view, columns)


def _csv(columns: Sequence[str], rows: Iterator[list[str]]) -> tuple[bytes, int]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    # The BOM is what makes Excel read UTF-8 instead of the machine's ANSI code page.
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"), count


def _xlsx(columns: Sequence[str], rows: Iterator[list[str]]) -> tuple[bytes, int]:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("persons")
    sheet.append(list(columns))
    count = 0
    for row in rows:
        sheet.append(row)  # text cells: ids keep their leading zeros
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count


def person_export(*, user: Any, dossier: Dossier | None, fmt: str) -> Export:
    """Render the persons ``user`` may see (of one dossier, or all) and record the export in
    the audit log: a file of personal data leaving the system is an event worth a trace."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    columns = export_columns(user)
    render = _csv if fmt == "csv" else _xlsx
    body, count = render(columns, _rows(user, dossier, columns))
    with transaction.atomic():
        audit_append(
            actor=user,
            action="person.export",
            object_type="imports.personexport",
            object_id=str(dossier.public_id) if dossier else "all",
            payload={"format": fmt, "rows": count, "columns": columns},
        )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    scope = re.sub(r"[^A-Za-z0-9._-]", "_", dossier.reference) if dossier else "all"
    return Export(f"persons-{scope}-{stamp}.{fmt}", CONTENT_TYPES[fmt], body, count)
