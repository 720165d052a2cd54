"""The registry part of the demo: a fictional conflict whose figures mirror a public statement.

"North holds 4,650 detainees, including 180 minors and 39 women; South holds 4 persons: two
soldiers captured years earlier, and the remains of two deceased." Every name is synthetic
(common given names combined with invented family names); no real person or party.
Ages are set relative to the day the demo is loaded, so the figures hold on that day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from intermediary.access.policy import PERSON_OBJECT_TYPE
from intermediary.access.services import disclosure_create
from intermediary.accounts.models import Organisation, User
from intermediary.core.demo import DemoSummary
from intermediary.dossiers.models import Dossier
from intermediary.registry.choices import (
    Affiliation,
    CustodyEventKind,
    IdentificationMethod,
    IdentificationStatus,
    LegalStatus,
    RemainsEventKind,
    Sex,
)
from intermediary.registry.inputs import NameInput, PersonInput
from intermediary.registry.services import (
    custody_event_add,
    persons_create_bulk,
    remains_case_create,
    remains_event_add,
    remains_identify,
)

NORTH_HELD = 4650
NORTH_MINORS = 180
NORTH_WOMEN = 39
NORTH_ELDERLY = 25
DEMO_SEED = 20260

# (Arabic, Latin, Hebrew) given names and invented family names: combinations are synthetic.
MALE_GIVEN = [
    ("أحمد", "Ahmad", "אחמד"), ("عمر", "Omar", "עומר"), ("يوسف", "Youssef", "יוסף"),
    ("خالد", "Khaled", "ח'אלד"), ("سامي", "Sami", "סאמי"), ("كريم", "Karim", "כרים"),
    ("ماهر", "Maher", "מאהר"), ("نبيل", "Nabil", "נביל"), ("رامي", "Rami", "ראמי"),
    ("طارق", "Tareq", "טארק"), ("زياد", "Ziad", "זיאד"), ("هاني", "Hani", "האני"),
    ("إبراهيم", "Ibrahim", "אברהים"), ("سليم", "Salim", "סלים"), ("وائل", "Wael", "ואאל"),
]  # fmt: skip
FEMALE_GIVEN = [
    ("مريم", "Maryam", "מרים"), ("ليلى", "Layla", "ליילה"), ("سلمى", "Salma", "סלמה"),
    ("نور", "Nour", "נור"), ("هدى", "Huda", "הודא"), ("رنا", "Rana", "ראנא"),
    ("دينا", "Dina", "דינה"), ("سارة", "Sara", "שרה"),
]  # fmt: skip
FAMILY = [
    ("الزاهري", "al-Zahiri", "אל-זאהרי"), ("القمراني", "al-Qamrani", "אל-קמראני"),
    ("بيت سلوان", "Beit Silwan", "בית סילואן"), ("الورداني", "al-Wardani", "אל-ורדאני"),
    ("أبو النجم", "Abu al-Najm", "אבו אל-נג'ם"), ("الحدادين", "al-Haddadin", "אל-חדאדין"),
    ("السنديان", "al-Sindiyan", "אל-סינדיאן"), ("المرجاني", "al-Marjani", "אל-מרג'אני"),
    ("الطيراوي", "al-Tirawi", "אל-טיראוי"), ("الكرمي", "al-Karmi", "אל-כרמי"),
]  # fmt: skip
LATIN_VARIANTS = {"Ahmad": "Ahmed", "Youssef": "Yusuf", "Khaled": "Khalid", "Tareq": "Tariq",
                  "Maryam": "Mariam", "Layla": "Leila", "Nour": "Noor"}  # fmt: skip
PLACES = [
    "Camp Aleph (fictional)",
    "Northern Detention Site 3 (fictional)",
    "Qasr Tamar (fictional)",
]


@dataclass(frozen=True)
class Cast:
    dossier: Dossier
    north: Organisation
    south: Organisation
    coordinator: User


def _names(rng: random.Random, female: bool, source: str) -> list[NameInput]:
    """An Arabic primary name, its Latin transliteration(s), sometimes a Hebrew rendering."""
    given = rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
    father = rng.choice(MALE_GIVEN)
    family = rng.choice(FAMILY)
    arabic = NameInput(
        full_text=f"{given[0]} {father[0]} {family[0]}",
        given_name=given[0], fathers_name=father[0], family_name=family[0],
        source=source, is_primary=True,
    )  # fmt: skip
    latin = NameInput(
        full_text=f"{given[1]} {father[1]} {family[1]}",
        given_name=given[1], fathers_name=father[1], family_name=family[1],
        source="intermediary interview (demo)",
    )  # fmt: skip
    names = [arabic, latin]
    if given[1] in LATIN_VARIANTS:
        names.append(NameInput(full_text=f"{LATIN_VARIANTS[given[1]]} {family[1]}", source=source))
    if rng.random() < 0.4:
        names.append(NameInput(full_text=f"{given[2]} {family[2]}", source="South list (demo)"))
    return names


def _born(today: date, rng: random.Random, low: int, high: int) -> date:
    """A date of birth that makes the person between ``low`` and ``high`` years old today,
    at least a month away from any birthday that would move them across a boundary."""
    years = rng.randint(low, high)
    return today - timedelta(days=int(years * 365.25) + rng.randint(40, 320))


def _north_detainee(cast: Cast, rng: random.Random, today: date, kind: str) -> PersonInput:
    female = kind == "woman" or (kind == "minor" and rng.random() < 0.3)
    age = {"minor": (14, 17), "elderly": (61, 74), "woman": (19, 55)}.get(kind, (19, 58))
    born = _born(today, rng, *age)
    year_only = kind == "adult" and rng.random() < 0.1 and born.year <= today.year - 21
    captured = today - timedelta(days=rng.randint(60, 900))
    return PersonInput(
        names=_names(rng, female, "North list of held persons (demo)"),
        holding_party=cast.north,
        party_of_origin=cast.south,
        legal_status=LegalStatus.DETAINEE,
        affiliation=Affiliation.CIVILIAN if rng.random() < 0.85 else Affiliation.MILITARY,
        sex=Sex.FEMALE if female else Sex.MALE,
        birth_year=born.year,
        birth_month=None if year_only else born.month,
        birth_day=None if year_only else born.day,
        nationality="Southland (fictional)",
        place_of_detention=rng.choice(PLACES),
        capture_date=captured,
        capture_place="Border district (fictional)",
        wounded=rng.random() < 0.03,
        sick=rng.random() < 0.05,
        source="North list of held persons (demo)",
        registered_on=captured + timedelta(days=rng.randint(1, 30)),
    )


def _north_kinds() -> list[str]:
    adults = NORTH_HELD - NORTH_MINORS - NORTH_WOMEN - NORTH_ELDERLY
    return (
        ["minor"] * NORTH_MINORS
        + ["woman"] * NORTH_WOMEN
        + ["elderly"] * NORTH_ELDERLY
        + ["adult"] * adults
    )


def _south_soldier(cast: Cast, rng: random.Random, today: date, index: int) -> PersonInput:
    captured = today.replace(year=today.year - 6 - index, day=1)
    born = _born(today, rng, 29, 38)
    return PersonInput(
        names=_names(rng, False, "South list of held persons (demo)"),
        holding_party=cast.south,
        party_of_origin=cast.north,
        legal_status=LegalStatus.PRISONER_OF_WAR,
        affiliation=Affiliation.MILITARY,
        rank="Sergeant" if index == 0 else "Corporal",
        armed_force="North Defence Force (fictional)",
        unit=f"{index + 3}rd Border Battalion (fictional)",
        service_number=f"NDF-{40417 + index * 1111}",
        sex=Sex.MALE,
        birth_year=born.year,
        birth_month=born.month,
        birth_day=born.day,
        capture_date=captured,
        capture_place="Ridge outpost (fictional)",
        registered_on=captured + timedelta(days=20),
        source="South list of held persons (demo)",
    )


def _south_deceased(cast: Cast, rng: random.Random, today: date, index: int) -> PersonInput:
    data = _south_soldier(cast, rng, today, index)
    data.service_number = f"NDF-{51020 + index * 7}"
    data.internal_notes = "Family informed before any public statement (demo)."
    return data


def _remains(cast: Cast, person_id: int, today: date, index: int) -> None:
    from intermediary.registry.models import Person

    person = Person.objects.get(pk=person_id)
    died = person.capture_date + timedelta(days=30 + index) if person.capture_date else today
    actor = cast.coordinator
    custody_event_add(actor=actor, person=person, kind=CustodyEventKind.DIED, date=died)
    custody_event_add(
        actor=actor, person=person, kind=CustodyEventKind.REMAINS_RECOVERED,
        date=died + timedelta(days=2), place="South forensic facility (fictional)",
    )  # fmt: skip
    case = remains_case_create(
        actor=actor,
        dossier=cast.dossier,
        holding_party=cast.south,
        recovery_date=died + timedelta(days=2),
        recovery_place="Ridge outpost (fictional)",
        storage_location="South forensic facility, cold room B (fictional)",
    )
    received = timezone.make_aware(datetime.combine(died + timedelta(days=3), time(10, 0)))
    remains_event_add(
        actor=actor, case=case, kind=RemainsEventKind.RECEIVED, at=received,
        place="South forensic facility (fictional)", from_whom="South field unit",
        to_whom="South forensic facility",
    )  # fmt: skip
    remains_event_add(
        actor=actor, case=case, kind=RemainsEventKind.STORED, at=received + timedelta(hours=2),
        place="Cold room B (fictional)",
    )  # fmt: skip
    if index == 0:
        remains_identify(
            actor=actor, case=case, status=IdentificationStatus.IDENTIFIED, person=person,
            identified_by="Dr. Noa Benedetti (demo forensic officer)",
            method=IdentificationMethod.DNA, identified_on=died + timedelta(days=90),
        )  # fmt: skip
    else:
        remains_identify(
            actor=actor, case=case, status=IdentificationStatus.PRESUMPTIVE, person=person,
            identified_by="Dr. Noa Benedetti (demo forensic officer)",
            method=IdentificationMethod.DOCUMENTS,
        )  # fmt: skip


def load_registry_demo(summary: DemoSummary) -> None:
    """Fill the demo dossier with the fictional conflict (runs inside load_demo's transaction)."""
    cast = Cast(
        dossier=Dossier.objects.get(reference="DOS-DEMO-001"),
        north=Organisation.objects.get(short_name="NORTH"),
        south=Organisation.objects.get(short_name="SOUTH"),
        coordinator=User.objects.get(username="coordinator"),
    )
    rng = random.Random(DEMO_SEED)  # noqa: S311  (synthetic demo data, not security)
    today = timezone.localdate()
    kinds = _north_kinds()
    rng.shuffle(kinds)
    north = [_north_detainee(cast, rng, today, kind) for kind in kinds]
    south = [_south_soldier(cast, rng, today, i) for i in range(2)]
    dead = [_south_deceased(cast, rng, today, i) for i in range(2)]
    created = persons_create_bulk(
        actor=cast.coordinator, dossier=cast.dossier, persons=[*north, *south, *dead]
    )
    for index, person in enumerate(created[-2:]):
        _remains(cast, person.pk, today, index)
    # A sought soldier's identity and status disclosed to North (field-level minimisation).
    disclosure_create(
        actor=cast.coordinator, dossier=cast.dossier, object_type=PERSON_OBJECT_TYPE,
        object_id=created[len(north)].public_id, recipient=cast.north,
        fields=["names", "date_of_birth", "status", "holding_party"],
        purpose="Confirm the soldier is alive and held (demo)",
    )  # fmt: skip
    summary.notes.append(
        f"Registry: North holds {NORTH_HELD} ({NORTH_MINORS} minors, {NORTH_WOMEN} women); "
        "South holds 2 soldiers and the remains of 2 deceased. See /registry/figures/."
    )
