"""The lists part of the demo: South's list of persons it seeks from North, reconciled.

About fifty entries: most name persons North holds in the registry demo, each written the way
a real list would (the Arabic name with hamza dropped, another Latin transliteration, a
Hebrew rendering, a day-month swap, a year only), plus persons nobody holds and one person
listed twice. Everything is synthetic.
"""

from __future__ import annotations

import csv
import io

from intermediary.accounts.models import Organisation, User
from intermediary.core.demo import DemoSummary
from intermediary.dossiers.models import Dossier
from intermediary.lists.outcomes import list_report
from intermediary.lists.services import list_submit, reconciliation_start
from intermediary.registry.models import Person, PersonName

HEADER = ["reference", "full_name", "father_name", "date_of_birth", "sex", "notes"]
SOUGHT_HELD = 42
# Invented persons that no party holds. The matcher finds nothing for them, but they only
# become "not acknowledged" once a reviewer has searched and signed off: the demo leaves that
# to the person trying it (as it leaves the persons the matcher misses to be found by hand).
UNKNOWN = [
    ("منى الشجراوي", "1993-02-11", "female"),
    ("Fadi Qandeel-Aswad", "1988", "male"),
    ("Tamer Bishara-Najdi", "1979-07-30", "male"),
    ("רים חורי-נסר", "2001-05-05", "female"),
    ("جواد المنصوري الصغير", "1996", "male"),
    ("Ghassan Ouweida", "12/12/1984", "male"),
    ("Hala Sarraf-Maalouf", "1990-10", "female"),
]
LATIN_RESPELL = {
    "Youssef": "Yousef", "Ahmad": "Ahmed", "Khaled": "Khalid", "Omar": "Umar",
    "Tareq": "Tarek", "Ibrahim": "Ebrahim", "Maryam": "Mariam", "Nour": "Noor",
    "al-": "Al ", "Abu ": "Abou ",
}  # fmt: skip


def _respell(text: str) -> str:
    for old, new in LATIN_RESPELL.items():
        text = text.replace(old, new)
    return text


def _by_script(person: Person) -> dict[str, PersonName]:
    found: dict[str, PersonName] = {}
    for name in person.names.all():
        found.setdefault(name.script, name)
    return found


def _dob(person: Person, index: int) -> str:
    year, month, day = person.birth_year, person.birth_month, person.birth_day
    if year is None:
        return ""
    if month is None or day is None or index % 7 == 3:
        return str(year)
    if index % 5 == 1 and day <= 12:  # written month-first: reads as a day-month swap
        return f"{month:02d}/{day:02d}/{year}"
    return f"{day:02d}/{month:02d}/{year}"


def _written_name(person: Person, index: int) -> tuple[str, str]:
    """The name as South writes it, and the father's name when South gives it."""
    names = _by_script(person)
    arabic, latin, hebrew = names.get("arabic"), names.get("latin"), names.get("hebrew")
    if index % 3 == 2 and hebrew is not None:
        return hebrew.full_text, ""
    if index % 3 == 1 and latin is not None:
        return _respell(latin.full_text), ""
    if arabic is not None:
        # Hamza dropped from alef, as many typed lists do (U+0623, U+0625 -> U+0627).
        text = arabic.full_text.replace("\u0623", "\u0627").replace("\u0625", "\u0627")
        return text, arabic.fathers_name
    first = person.names.first()
    return (first.full_text if first else ""), ""


def _rows(persons: list[Person]) -> list[list[str]]:
    rows = [HEADER]
    for index, person in enumerate(persons):
        name, father = _written_name(person, index)
        rows.append([f"S-{index + 1:03d}", name, father, _dob(person, index), person.sex, ""])
    for offset, (name, dob, sex) in enumerate(UNKNOWN, start=len(persons) + 1):
        rows.append([f"S-{offset:03d}", name, "", dob, sex, "last contact by phone (demo)"])
    # The first person again, in Latin this time: the duplicate the review should catch.
    latin = _by_script(persons[0]).get("latin")
    if latin is not None:
        rows.append([f"S-{len(rows):03d}", latin.full_text, "", _dob(persons[0], 0),
                     persons[0].sex, "also listed by another office (demo)"])  # fmt: skip
    return rows


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def load_lists_demo(summary: DemoSummary) -> None:
    """Submit South's sought list and reconcile it (skipped when the registry is empty)."""
    dossier = Dossier.objects.get(reference="DOS-DEMO-001")
    north = Organisation.objects.get(short_name="NORTH")
    persons = list(
        Person.objects.filter(dossier=dossier, holding_party=north)
        .prefetch_related("names")
        .order_by("pk")[:SOUGHT_HELD]
    )
    if not persons:
        return
    submitted = list_submit(
        actor=User.objects.get(username="south.negotiator"),
        dossier=dossier,
        kind="sought",
        data=_csv(_rows(persons)),
        filename="south-sought-persons-demo.csv",
        title="Persons South seeks from North (demo)",
    )
    run = reconciliation_start(
        actor=User.objects.get(username="coordinator"), submitted_list=submitted, run_now=True
    )
    awaiting = len(list_report(submitted).awaiting_sign_off)
    summary.notes.append(
        f"Lists: South's sought list ({submitted.entry_count} entries) reconciled, "
        f"{run.candidate_count} candidates to review and {awaiting} entries without a "
        f"candidate to search and sign off at /lists/{submitted.public_id}/review/."
    )
