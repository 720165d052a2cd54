"""Fictional persons rendered in Arabic, Hebrew, Cyrillic and Latin script, with ground truth.

Shared by the matching benchmarks. The 76 names of the first inventory are written once per
script by hand, with the Latin spellings that lists really use; the larger inventory
(match_names.txt, Arabic by hand) is rendered in the other scripts by the conventions coded
below. Nothing is derived from the matcher's own tables, so the benchmarks do not grade the
matcher against itself. Persons are random combinations: fictional.
"""

# ruff: noqa: E501, RUF001  (name tables in four scripts)

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

# arabic | latin spellings ; separated | hebrew | cyrillic
_GIVEN = """
محمد|Mohammed;Muhammad;Mohamed;Mohammad;Muhammed|מוחמד|Мухаммад;Мухаммед
أحمد|Ahmed;Ahmad;Ahmet|אחמד|Ахмед;Ахмад
يوسف|Yusuf;Youssef;Yousef;Yusef;Joseph|יוסף|Юсуф
عمر|Omar;Umar;Omer|עומר|Омар;Умар
علي|Ali;Aly|עלי|Али
خالد|Khalid;Khaled;Halid|חאלד;ח'אלד|Халид;Халед
إبراهيم|Ibrahim;Ebrahim;Brahim|אברהים|Ибрагим;Ибрахим
حسن|Hassan;Hasan|חסן|Хасан;Гасан
حسين|Hussein;Husain;Hussain;Hosein|חוסיין|Хусейн;Хусейн
محمود|Mahmoud;Mahmud;Mahmood|מחמוד|Махмуд
مصطفى|Mustafa;Moustafa;Mostafa|מוסטפא|Мустафа
عبد الله|Abdullah;Abdallah;Abd Allah;Abdulla|עבדאללה;עבד אללה|Абдулла;Абдаллах
عبد الرحمن|Abdulrahman;Abdel Rahman;Abd al-Rahman;Abdurrahman|עבד אל-רחמן;עבד א-רחמן|Абдуррахман;Абдель Рахман
سعيد|Said;Saeed;Sa'id;Saied|סעיד|Саид
جمال|Jamal;Gamal;Djamel|ג'מאל|Джамаль;Джамал
كريم|Karim;Kareem|כרים|Карим
طارق|Tariq;Tarek;Tarik|טארק|Тарик;Тарек
سامي|Sami;Samy|סאמי|Сами
وليد|Walid;Waleed|וליד|Валид
ماجد|Majed;Majid;Maged|מאג'ד|Маджид
فادي|Fadi;Fady|פאדי|Фади
رامي|Rami;Ramy|ראמי|Рами
نبيل|Nabil;Nabeel|נביל|Набиль
هشام|Hisham;Hesham|הישאם;השאם|Хишам
زياد|Ziad;Ziyad;Zyad|זיאד|Зияд;Зиад
باسل|Basil;Basel|באסל|Басиль
منير|Munir;Mounir;Moneer|מוניר|Мунир
عادل|Adel;Adil|עאדל|Адиль;Адель
ناصر|Nasser;Nasir;Naser|נאסר|Насер;Насир
صالح|Saleh;Salih;Salah|סאלח|Салех;Салих
إسماعيل|Ismail;Ismael;Esmail|אסמאעיל|Исмаил
يحيى|Yahya;Yehia;Yahia|יחיא|Яхья
مروان|Marwan;Marouane|מרואן|Марван
أنس|Anas;Anass|אנס|Анас
فاطمة|Fatima;Fatma;Fatimah;Fatemeh|פאטמה|Фатима
مريم|Maryam;Mariam;Meriem|מרים|Марьям;Мариам
ليلى|Layla;Leila;Laila;Leyla|לילא;ליילה|Лейла;Лайла
نور|Nour;Noor;Nur|נור|Нур
سارة|Sara;Sarah|סארה|Сара
عائشة|Aisha;Aicha;Aysha;Ayesha|עאישה|Аиша;Айша
زينب|Zainab;Zeinab;Zaynab|זינב|Зайнаб;Зейнаб
هدى|Huda;Hoda;Houda|הודא|Худа
رنا|Rana|רנא|Рана
سلمى|Salma;Selma|סלמא|Сальма
دينا|Dina;Deena|דינא|Дина
أمل|Amal|אמל|Амаль
"""

_FAMILY = """
حداد|Haddad;Hadad|חדאד|Хаддад
خوري|Khoury;Khouri;Khuri|ח'ורי;חורי|Хури
نصار|Nassar;Nasar|נסאר|Нассар
عودة|Odeh;Awda;Ouda;Oudeh|עודה|Оде;Ауда
سالم|Salem;Salim|סאלם|Салем
الحسيني|al-Husseini;Husseini;El-Husseini|אל-חוסייני;חוסייני|аль-Хусейни;Хусейни
المصري|al-Masri;Masri;El Masry|אל-מסרי;מסרי|аль-Масри;Масри
الشامي|al-Shami;Shami;ash-Shami|א-שאמי;שאמי|аш-Шами;Шами
عبد العزيز|Abdelaziz;Abdulaziz;Abd al-Aziz|עבד אל-עזיז|Абдель Азиз;Абдулазиз
منصور|Mansour;Mansur;Mansoor|מנסור|Мансур
حمدان|Hamdan|חמדאן|Хамдан
البرغوثي|Barghouti;al-Barghouthi|ברגותי;אל-ברע'ותי|Баргути
التميمي|al-Tamimi;Tamimi;At-Tamimi|תמימי;א-תמימי|Тамими
القاسم|al-Qasim;Qassem;Kassem|קאסם;אל-קאסם|Касем;аль-Касим
يونس|Younis;Yunus;Younes|יונס|Юнус;Юнис
عيسى|Issa;Isa;Eissa|עיסא|Иса
داود|Daoud;Dawood;Daud|דאוד|Дауд
الخطيب|al-Khatib;Khatib;El-Khatib|ח'טיב;אל-ח'טיב|аль-Хатиб;Хатиб
النجار|Najjar;al-Najjar;Naggar|נג'אר|Наджар
صباغ|Sabbagh;Sabagh|סבאע'|Саббаг
عثمان|Othman;Osman;Uthman|עות'מאן;עוסמאן|Усман;Осман
زيدان|Zidane;Zeidan;Zaidan|זידאן|Зидан;Зейдан
عمران|Imran;Omran|עמראן|Имран
الرفاعي|al-Rifai;Rifai;Refaei|רפאעי|Рифаи
بكر|Bakr;Baker;Bakir|בכר|Бакр
سليمان|Suleiman;Sulayman;Soliman|סולימאן|Сулейман
شاهين|Shaheen;Shahin;Chahine|שאהין|Шахин
الجعبري|Jabari;al-Jaabari|ג'עברי|Джабари
قاسم|Qasim;Kasim;Qassim|קאסם|Касым;Касим
دويك|Dweik;Duwaik|דוויק|Дувейк
"""

SCRIPTS = ("arabic", "hebrew", "cyrillic", "latin")


@dataclass(frozen=True)
class NamePart:
    arabic: str
    latin: tuple[str, ...]
    hebrew: tuple[str, ...]
    cyrillic: tuple[str, ...]

    def render(self, script: str, rng: random.Random) -> str:
        if script == "arabic":
            return _arabic_variant(self.arabic, rng)
        options = {"latin": self.latin, "hebrew": self.hebrew, "cyrillic": self.cyrillic}[script]
        return rng.choice(options)


def _parse(block: str) -> list[NamePart]:
    parts = []
    for line in block.strip().splitlines():
        arabic, latin, hebrew, cyrillic = line.split("|")
        parts.append(
            NamePart(
                arabic,
                tuple(latin.split(";")),
                tuple(hebrew.split(";")),
                tuple(cyrillic.split(";")),
            )
        )
    return parts


# The larger inventory (bench/match_names.txt: Arabic spelling | a Latin base with long vowels
# doubled, geminates doubled and ' for ayin/hamza) is rendered in the other scripts by the
# conventions lists follow, written here independently of the matcher's tables: Hebrew letter for
# Arabic letter (with or without geresh), Russian practice for Cyrillic, and the usual English,
# French and Egyptian habits for Latin (long vowels as ee/oo/ou, q as k, j as g or dj, dropped
# geminates, el-/al-/assimilated or dropped article).
_HEBREW_FOR_ARABIC = {
    "ا": "א",
    "أ": "א",
    "إ": "א",
    "آ": "א",
    "ء": "א",
    "ئ": "א",
    "ؤ": "ו",
    "ب": "ב",
    "ت": "ת",
    "ث": "ת'",
    "ج": "ג'",
    "ح": "ח",
    "خ": "ח'",
    "د": "ד",
    "ذ": "ד'",
    "ر": "ר",
    "ز": "ז",
    "س": "ס",
    "ش": "ש",
    "ص": "צ",
    "ض": "צ'",
    "ط": "ט",
    "ظ": "ט'",
    "ع": "ע",
    "غ": "ע'",
    "ف": "פ",
    "ق": "ק",
    "ك": "כ",
    "ل": "ל",
    "م": "מ",
    "ن": "נ",
    "ه": "ה",
    "و": "ו",
    "ي": "י",
    "ى": "א",
    "ة": "ה",
}
_HEBREW_FINAL = {"כ": "ך", "מ": "ם", "נ": "ן", "פ": "ף", "צ": "ץ"}
_SUN = ("t", "th", "d", "dh", "r", "z", "s", "sh", "l", "n")
_LATIN_CHOICES: dict[str, tuple[str, ...]] = {
    "aa": ("a", "a", "a", "aa"),
    "ii": ("i", "i", "ee", "ie"),
    "uu": ("u", "ou", "oo", "u"),
    "u": ("u", "u", "o"),
    "i": ("i", "i", "e"),
    "a": ("a", "a", "a", "e"),
    "'": ("", "", "'"),
    "q": ("q", "k", "q"),
    "kh": ("kh", "kh", "h", "kh"),
    "j": ("j", "j", "g", "dj"),
    "sh": ("sh", "sh", "ch"),
    "th": ("th", "t", "s"),
    "dh": ("dh", "d", "z"),
    "gh": ("gh", "gh", "g"),
    "aw": ("aw", "ow", "ou"),
    "ay": ("ay", "ai", "ei", "ey"),
}
_CYRILLIC_UNITS = {
    "kh": "х",
    "sh": "ш",
    "th": "с",
    "dh": "з",
    "gh": "г",
    "j": "дж",
    "q": "к",
    "h": "х",
    "w": "в",
    "aa": "а",
    "ii": "и",
    "uu": "у",
    "aw": "ав",
    "ay": "ай",
    "ya": "я",
    "yu": "ю",
    "'": "",
    "a": "а",
    "b": "б",
    "d": "д",
    "e": "е",
    "f": "ф",
    "i": "и",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "y": "й",
    "z": "з",
}
_UNIT = re.compile(r"kh|sh|th|dh|gh|aa|ii|uu|aw(?![aiu])|ay(?![aiu])|ya|yu|([bdfhjklmnqrstwz])\1|.")


def _units(word: str) -> list[str]:
    return [match.group(0) for match in _UNIT.finditer(word)]


def _latin_word(word: str, rng: random.Random) -> str:
    picks = {unit: rng.choice(options) for unit, options in _LATIN_CHOICES.items()}
    single = rng.random() < 0.4  # drop geminates in this rendering
    out = []
    for unit in _units(word.lower()):
        if len(unit) == 2 and unit[0] == unit[1] and unit not in _LATIN_CHOICES:
            out.append(unit[0] if single else unit)
        else:
            out.append(picks.get(unit, unit))
    text = "".join(out).lstrip("'")
    return text[:1].upper() + text[1:]


def _sun(word: str) -> str | None:
    lowered = word.lower()
    for letter in sorted(_SUN, key=len, reverse=True):
        if lowered.startswith(letter):
            return letter
    return None


def _latin_name(base: str, rng: random.Random) -> str:
    if base.startswith("Abd al-"):
        rest = _latin_word(base[7:], rng)
        sun = _sun(base[7:])
        forms = [
            f"Abd al-{rest}",
            f"Abdel {rest}",
            f"Abdul {rest}",
            f"Abdel{rest.lower()}",
            f"Abdul{rest.lower()}",
        ]
        if sun:
            forms.append(f"Abd{'u' if rng.random() < 0.5 else 'e'}{sun}-{rest}")
        return rng.choice(forms)
    if base.startswith("al-"):
        rest = _latin_word(base[3:], rng)
        sun = _sun(base[3:])
        forms = [f"al-{rest}", f"Al-{rest}", f"El-{rest}", f"el {rest}", rest, rest]
        if sun:
            forms.append(f"{'a' if rng.random() < 0.5 else 'e'}{sun}-{rest}")
        return rng.choice(forms)
    return _latin_word(base, rng)


def _cyrillic_word(word: str, rng: random.Random) -> str:
    out = [
        _CYRILLIC_UNITS.get(unit, _CYRILLIC_UNITS.get(unit[:1], unit))
        for unit in _units(word.lower())
    ]
    if out and out[0] == "х" and rng.random() < 0.25:
        out[0] = "г"  # Russian habit: Hasan -> Гасан
    text = "".join(out)
    if text.endswith("л") and rng.random() < 0.5:
        text += "ь"
    return text[:1].upper() + text[1:]


def _cyrillic_name(base: str, rng: random.Random) -> str:
    if base.startswith("Abd al-"):
        rest = _cyrillic_word(base[7:], rng)
        return rng.choice(
            [f"Абд аль-{rest}", f"Абдель {rest}", f"Абдул{rest.lower()}", f"Абдуль {rest}"]
        )
    if base.startswith("al-"):
        rest = _cyrillic_word(base[3:], rng)
        return rng.choice([f"аль-{rest}", f"эль-{rest}", rest, rest])
    return _cyrillic_word(base, rng)


def _hebrew_word(word: str, rng: random.Random) -> str:
    geresh = rng.random() < 0.7
    letters = "".join(
        _HEBREW_FOR_ARABIC.get(char, "")
        if geresh
        else _HEBREW_FOR_ARABIC.get(char, "").replace("'", "")
        for char in word
    )
    if letters and letters[-1] in _HEBREW_FINAL:
        letters = letters[:-1] + _HEBREW_FINAL[letters[-1]]
    return letters


def _hebrew_name(arabic: str, rng: random.Random) -> str:
    words = arabic.split()
    out = []
    for word in words:
        if word.startswith("ال") and len(word) > 3:
            rest = _hebrew_word(word[2:], rng)
            out.append(rng.choice([f"אל-{rest}", f"א-{rest}", rest]))
        else:
            out.append(_hebrew_word(word, rng))
    if len(out) == 2 and out[0] == "עבד" and rng.random() < 0.4:
        return "עבד" + out[1].replace("-", "")
    return " ".join(out)


def _arabic_variant(arabic: str, rng: random.Random) -> str:
    """Arabic as typed: hamza seats and ta marbuta dots are often left out."""
    if rng.random() < 0.3:
        arabic = arabic.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا")
    if rng.random() < 0.2:
        arabic = arabic.replace("ة", "ه")
    return arabic


def _generated(kind: str) -> list[NamePart]:
    rng = random.Random(f"inventory-{kind}")
    parts, section = [], ""
    lines = (Path(__file__).parent / "match_names.txt").read_text(encoding="utf-8").splitlines()
    for line in lines:
        if line.startswith("#"):
            section = line[1:]
            continue
        if section != kind or not line.strip():
            continue
        arabic, base = line.split("|")
        latin = tuple(dict.fromkeys(_latin_name(base, rng) for _ in range(5)))
        hebrew = tuple(dict.fromkeys(_hebrew_name(arabic, rng) for _ in range(3)))
        cyrillic = tuple(dict.fromkeys(_cyrillic_name(base, rng) for _ in range(3)))
        parts.append(NamePart(arabic, latin, hebrew, cyrillic))
    return parts


_HAND_GIVEN = _parse(_GIVEN)
_HAND_FAMILY = _parse(_FAMILY)
_MALE = _HAND_GIVEN[:34] + _generated("MALE")
_FEMALE = _HAND_GIVEN[34:] + _generated("FEMALE")
GIVEN = _MALE + _FEMALE
_ABU = [
    NamePart(
        "أبو " + part.arabic,
        tuple(
            f"{abu} {latin}" for abu, latin in zip(("Abu", "Abou", "Abu"), part.latin, strict=False)
        ),
        tuple("אבו " + hebrew for hebrew in part.hebrew),
        tuple("Абу " + cyrillic for cyrillic in part.cyrillic),
    )
    for part in _MALE[::6]
]
FAMILY = _HAND_FAMILY + _generated("FAMILY") + _ABU
# Lists name a family after an ancestor too: "Mohammed Ahmed Hassan" has Hassan as family name.
_FAMILY_POOL = FAMILY + _MALE
_PLACES = _parse(
    """
غزة|Gaza;Ghazza|עזה|Газа
الخليل|Hebron;al-Khalil|חברון|Хеврон
نابلس|Nablus;Nablous|שכם;נאבלוס|Наблус
حلب|Aleppo;Halab|חלב|Алеппо
دمشق|Damascus;Dimashq|דמשק|Дамаск
عدن|Aden|עדן|Аден
صنعاء|Sanaa;Sana'a|צנעא|Сана
الموصل|Mosul;al-Mawsil|מוסול|Мосул
"""
)


@dataclass(frozen=True)
class Person:
    """A fictional person: name-part indices, sex, date of birth, place of birth, id."""

    key: int
    given: NamePart
    father: NamePart
    grandfather: NamePart
    family: NamePart
    sex: str
    dob: tuple[int, int, int]
    place: NamePart
    id_number: str


def _weights(count: int) -> list[float]:
    """Name frequencies fall off with rank (the first names of each table are the commonest)."""
    return [1.0 / (rank + 8) for rank in range(count)]


_MALE_W = _weights(len(_MALE))
_FEMALE_W = _weights(len(_FEMALE))
_FAMILY_W = _weights(len(FAMILY)) + [0.4 / (rank + 8) for rank in range(len(_MALE))]


def make_persons(count: int, seed: int = 7) -> list[Person]:
    rng = random.Random(seed)
    persons = []
    for key in range(count):
        sex = rng.choice("mf")
        names, weights = (_MALE, _MALE_W) if sex == "m" else (_FEMALE, _FEMALE_W)
        given = rng.choices(names, weights)[0]
        persons.append(
            Person(
                key=key,
                given=given,
                father=rng.choices(_MALE, _MALE_W)[0],
                grandfather=rng.choices(_MALE, _MALE_W)[0],
                family=rng.choices(_FAMILY_POOL, _FAMILY_W)[0],
                sex=sex,
                dob=(rng.randint(1950, 2008), rng.randint(1, 12), rng.randint(1, 28)),
                place=rng.choice(_PLACES),
                id_number=f"{rng.randint(10**8, 10**9 - 1)}",
            )
        )
    return persons


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.choice(["swap", "delete", "insert", "replace"])
    if kind == "swap":
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == "delete":
        return text[:i] + text[i + 1 :]
    letter = rng.choice(text)  # a letter of the same script
    if kind == "insert":
        return text[:i] + letter + text[i:]
    return text[:i] + letter + text[i + 1 :]


def render_name(person: Person, script: str, rng: random.Random, noisy: bool = True) -> str:
    """Full name as a list in that script would write it, with the usual damage."""
    chain = [person.given, person.father, person.grandfather, person.family]
    if noisy and rng.random() < 0.35:
        chain.remove(person.grandfather)
    if noisy and rng.random() < 0.15:
        chain.remove(person.father)
    parts = [part.render(script, rng) for part in chain]
    if noisy and script == "latin" and rng.random() < 0.08 and len(parts) > 2:
        parts.insert(1, rng.choice(["bin", "ibn", "ben"]))
    if noisy and rng.random() < 0.12:
        parts = [parts[-1], *parts[:-1]]  # family name first, as registries often do
    if noisy and script in ("latin", "cyrillic") and rng.random() < 0.2:
        i = rng.randrange(len(parts))
        parts[i] = _typo(parts[i], rng)
    return " ".join(parts)


def render_dob(person: Person, rng: random.Random, noisy: bool = True) -> str:
    """Date of birth as written: sometimes missing, year only, day-month swapped or off by one."""
    year, month, day = person.dob
    roll = rng.random() if noisy else 1.0
    if roll < 0.12:
        return ""
    if roll < 0.22:
        return str(year)
    if roll < 0.30:
        if day <= 12:
            return f"{year}-{day:02d}-{month:02d}"  # swapped
        return f"{month:02d}/{day:02d}/{year}"  # month-first
    if roll < 0.35:
        day = max(1, day - 1)
    if rng.random() < 0.5:
        return f"{year}-{month:02d}-{day:02d}"
    return f"{day:02d}/{month:02d}/{year}"


def record(
    person: Person, script: str, rng: random.Random, record_id: str, noisy: bool = True
) -> dict[str, str]:
    """One list entry for a person, in one script, with fields missing as in real lists."""
    father = person.father.render(script, rng) if not noisy or rng.random() < 0.6 else ""
    place = person.place.render(script, rng) if not noisy or rng.random() < 0.5 else ""
    id_number = person.id_number if not noisy or rng.random() < 0.25 else ""
    return {
        "id": record_id,
        "full_name": render_name(person, script, rng, noisy),
        "father_name": father,
        "date_of_birth": render_dob(person, rng, noisy),
        "place_of_birth": place,
        "id_number": id_number,
        "sex": person.sex if not noisy or rng.random() < 0.8 else "",
    }
