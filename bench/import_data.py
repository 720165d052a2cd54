"""Synthetic person files for the import benchmark and the large-import test: fictional names
in Arabic, Hebrew and Latin script, valid dates, unique identifiers. Deterministic per seed."""

from __future__ import annotations

import csv
import io
import random
from typing import TextIO

HEADER = [
    "name_ar",
    "name_he",
    "name_latin",
    "date_of_birth",
    "sex",
    "holding_party",
    "legal_status",
    "affiliation",
    "id_number",
    "service_number",
    "place_of_detention",
    "date_of_capture",
]
GIVEN = [
    ("أحمد", "אחמד", "Ahmad", "male"), ("عمر", "עומר", "Omar", "male"),
    ("يوسف", "יוסף", "Youssef", "male"), ("خالد", "ח'אלד", "Khaled", "male"),
    ("سامي", "סאמי", "Sami", "male"), ("كريم", "כרים", "Karim", "male"),
    ("نبيل", "נביל", "Nabil", "male"), ("زياد", "זיאד", "Ziad", "male"),
    ("مريم", "מרים", "Maryam", "female"), ("ليلى", "ליילה", "Layla", "female"),
    ("سلمى", "סלמה", "Salma", "female"), ("هدى", "הודא", "Huda", "female"),
]  # fmt: skip
FAMILY = [
    ("الحداد", "אל-חדאד", "al-Haddad"), ("النجار", "אל-נג'אר", "al-Najjar"),
    ("الخطيب", "אל-ח'טיב", "al-Khatib"), ("العلي", "אל-עלי", "al-Ali"),
    ("الصالح", "אל-סאלח", "al-Saleh"), ("البيطار", "אל-ביטאר", "al-Bitar"),
    ("الشامي", "אל-שאמי", "al-Shami"), ("المصري", "אל-מצרי", "al-Masri"),
]  # fmt: skip
PLACES = ["North Camp 1", "North Camp 2", "Harbour Facility", "Hill Prison", "South Base"]


def _row(rng: random.Random, index: int) -> list[str]:
    ar, he, latin, sex = rng.choice(GIVEN)
    father = rng.choice(GIVEN[:8])
    fam_ar, fam_he, fam_latin = rng.choice(FAMILY)
    year = rng.randint(1950, 2012)
    dob = rng.choice(
        [
            f"{year}",
            f"{year}-{rng.randint(1, 12):02d}",
            f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        ]
    )
    military = index % 10 == 0
    return [
        f"{ar} {father[0]} {fam_ar}",
        f"{he} {fam_he}" if index % 3 == 0 else "",
        f"{latin} {father[2]} {fam_latin}",
        dob,
        sex,
        "SOUTH" if index % 1000 == 0 else "NORTH",
        "prisoner_of_war" if military else "detainee",
        "military" if military else "civilian",
        f"ID-{index:07d}",
        f"SN-{index:06d}" if military else "",
        rng.choice(PLACES),
        f"{rng.randint(2015, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    ]


def write_synthetic_csv(handle: TextIO, rows: int, seed: int = 7) -> None:
    """Write ``rows`` valid persons as CSV to an open text file, streaming."""
    rng = random.Random(seed)
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(HEADER)
    for index in range(1, rows + 1):
        writer.writerow(_row(rng, index))


def synthetic_csv(rows: int, seed: int = 7) -> bytes:
    """A UTF-8 CSV of ``rows`` valid persons (about 135 bytes per row)."""
    buffer = io.StringIO()
    write_synthetic_csv(buffer, rows, seed)
    return buffer.getvalue().encode()
