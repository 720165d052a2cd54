"""Builders for synthetic person files (fictional names in several scripts) and the counts an
all-or-nothing import must leave unchanged."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

HEADER = [
    "name_ar",
    "name_latin",
    "date_of_birth",
    "sex",
    "holding_party",
    "legal_status",
    "id_number",
    "date_of_capture",
]
GOOD_ROWS = [
    [
        "سامي نور الهدى",
        "Sami Nour al-Huda",
        "1990-04-17",
        "male",
        "NORTH",
        "detainee",
        "NA-1001",
        "2023-10-02",
    ],
    [
        "ليلى عبد الرحيم",
        "Layla Abd al-Rahim",
        "2008-02",
        "female",
        "NORTH",
        "civilian_internee",
        "NA-1002",
        "",
    ],
    ["", "Oren Ben-Dahan", "1985", "male", "SOUTH", "prisoner_of_war", "", "2019-06-30"],
]


def csv_text(rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def csv_bytes(
    rows: Sequence[Sequence[str]] = GOOD_ROWS,
    header: Sequence[str] = HEADER,
    encoding: str = "utf-8",
) -> bytes:
    """``encoding`` is a Python codec: "utf-8-sig", "utf-16" (with BOM), "cp1256", ..."""
    return csv_text(rows, header).encode(encoding)


def xlsx_bytes(
    rows: Sequence[Sequence[object]] = GOOD_ROWS, header: Sequence[str] = HEADER
) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Counts:
    persons: int
    names: int
    custody_events: int
    person_audit_events: int

    @classmethod
    def now(cls) -> Counts:
        from intermediary.audit.models import AuditEvent
        from intermediary.registry.models import CustodyEvent, Person, PersonName

        return cls(
            persons=Person.objects.count(),
            names=PersonName.objects.count(),
            custody_events=CustodyEvent.objects.count(),
            person_audit_events=AuditEvent.objects.exclude(
                object_type="imports.personimport"
            ).count(),
        )
