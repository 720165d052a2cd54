"""Fictional persons rendered in Arabic, Hebrew, Cyrillic and Latin script, with ground truth.

Shared by the matching benchmarks. Every name part is written once per script by hand, with the
Latin spellings that lists really use; nothing is derived from the matcher's own tables, so the
benchmarks do not grade the matcher against itself. Persons are random combinations: fictional.
"""

# ruff: noqa: E501, RUF001  (name tables in four scripts)

from __future__ import annotations

import random
from dataclasses import dataclass

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
            return self.arabic
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


GIVEN = _parse(_GIVEN)
FAMILY = _parse(_FAMILY)
_MALE = GIVEN[:34]
_FEMALE = GIVEN[34:]
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


def make_persons(count: int, seed: int = 7) -> list[Person]:
    rng = random.Random(seed)
    persons = []
    for key in range(count):
        sex = rng.choice("mf")
        given = rng.choice(_MALE if sex == "m" else _FEMALE)
        persons.append(
            Person(
                key=key,
                given=given,
                father=rng.choice(_MALE),
                grandfather=rng.choice(_MALE),
                family=rng.choice(FAMILY),
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
