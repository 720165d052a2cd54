"""Cross-script representation of name parts: a Latin romanisation and a consonant skeleton."""

# ruff: noqa: RUF001, RUF003  (Cyrillic letters are this module's data)

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

from intermediary.matching.normalise import Script, detect_script, name_tokens

# Skeleton classes are single capital letters. Letters that transliterations confuse share a
# class: h/kh/x (ح خ ه), g/j/gh/dj (ج غ ג), f/p/ph (ف פ), b/v (ب ב), s/ts/sad (س ص צ),
# t/th/tah (ت ث ط), d/dh/dad (د ذ ض), k/q/c (ك ق כ), sh/ch/sch (ش ש ш) -> X.
# Vowels and the letters that double as vowels (alef, waw, yeh, ayin, hamza) carry no
# consonant: an abjad writes them inconsistently and Latin spellings vary most there.

_ARABIC_SKELETON: dict[str, str] = {
    "\u0627": "",  # alef
    "\u0628": "B",
    "\u062a": "T",
    "\u062b": "T",
    "\u062c": "G",
    "\u062d": "H",
    "\u062e": "H",
    "\u062f": "D",
    "\u0630": "D",
    "\u0631": "R",
    "\u0632": "Z",
    "\u0633": "S",
    "\u0634": "X",
    "\u0635": "S",
    "\u0636": "D",
    "\u0637": "T",
    "\u0638": "Z",
    "\u0639": "",  # ayin
    "\u063a": "G",
    "\u0641": "F",
    "\u0642": "K",
    "\u0643": "K",
    "\u0644": "L",
    "\u0645": "M",
    "\u0646": "N",
    "\u0647": "H",
    "\u0648": "W",  # waw: consonant only word-initially
    "\u064a": "Y",  # yeh: consonant only word-initially
    "\u0621": "",  # hamza
    "\u067e": "F",  # peh
    "\u0686": "X",  # tcheh
    "\u0698": "G",  # jeh
    "\u06af": "G",  # gaf
    "\u06a4": "B",  # veh
}

_ARABIC_ROMAN: dict[str, str] = {
    "\u0627": "a",
    "\u0628": "b",
    "\u062a": "t",
    "\u062b": "th",
    "\u062c": "j",
    "\u062d": "h",
    "\u062e": "kh",
    "\u062f": "d",
    "\u0630": "dh",
    "\u0631": "r",
    "\u0632": "z",
    "\u0633": "s",
    "\u0634": "sh",
    "\u0635": "s",
    "\u0636": "d",
    "\u0637": "t",
    "\u0638": "z",
    "\u0639": "'",
    "\u063a": "gh",
    "\u0641": "f",
    "\u0642": "q",
    "\u0643": "k",
    "\u0644": "l",
    "\u0645": "m",
    "\u0646": "n",
    "\u0647": "h",
    "\u0648": "u",
    "\u064a": "i",
    "\u0621": "'",
    "\u067e": "p",
    "\u0686": "ch",
    "\u0698": "zh",
    "\u06af": "g",
    "\u06a4": "v",
}

_HEBREW_SKELETON: dict[str, str] = {
    "\u05d0": "",  # alef
    "\u05d1": "B",
    "\u05d2": "G",
    "\u05d3": "D",
    "\u05d4": "H",
    "\u05d5": "W",  # vav: consonant only word-initially
    "\u05d6": "Z",
    "\u05d7": "H",
    "\u05d8": "T",
    "\u05d9": "Y",  # yod: consonant only word-initially
    "\u05db": "K",
    "\u05dc": "L",
    "\u05de": "M",
    "\u05e0": "N",
    "\u05e1": "S",
    "\u05e2": "",  # ayin
    "\u05e4": "F",
    "\u05e6": "S",
    "\u05e7": "K",
    "\u05e8": "R",
    "\u05e9": "X",
    "\u05ea": "T",
}

# A geresh after a Hebrew letter writes an Arabic sound Hebrew lacks: ג' = j, ח' = kh, צ' = ض,
# ט' = ظ... Values: skeleton class, romanisation, alternative class (the letter's other customary
# reading, as for the Arabic letter it writes: see _ARABIC_ALTERNATIVES).
_HEBREW_GERESH: dict[str, tuple[str, str, str]] = {
    "\u05d2": ("G", "j", "G"),
    "\u05d6": ("G", "zh", "G"),
    "\u05e6": ("D", "d", "Z"),  # tsadi + geresh: ض (Hebrew's "ch" of loanwords is not in names)
    "\u05d8": ("Z", "z", "D"),  # tet + geresh: ظ
    "\u05d7": ("H", "kh", "H"),
    "\u05ea": ("T", "th", "S"),  # ث
    "\u05d3": ("D", "dh", "Z"),  # ذ
    "\u05e2": ("G", "gh", "G"),  # غ
    "\u05e8": ("G", "gh", "G"),  # غ in an older convention
}

# Hebrew letters that write a second Arabic letter when the geresh is left out, as lists often
# do: ע for غ as well as ع, צ for ض as well as ص, ט for ظ. The alternative skeleton reads them
# that second way ("בעדאדי" = Baghdadi). (ת for ث and ד for ذ need no entry: they already share
# the Arabic letters' skeletons, and one alternative per part must serve every letter in it.)
_HEBREW_ALTERNATIVES: dict[str, str] = {"\u05e2": "G", "\u05e6": "D", "\u05d8": "Z"}

_HEBREW_ROMAN: dict[str, str] = {
    "\u05d0": "a",
    "\u05d1": "b",
    "\u05d2": "g",
    "\u05d3": "d",
    "\u05d4": "h",
    "\u05d5": "o",
    "\u05d6": "z",
    "\u05d7": "h",
    "\u05d8": "t",
    "\u05d9": "i",
    "\u05db": "k",
    "\u05dc": "l",
    "\u05de": "m",
    "\u05e0": "n",
    "\u05e1": "s",
    "\u05e2": "'",
    "\u05e4": "f",
    "\u05e6": "ts",
    "\u05e7": "k",
    "\u05e8": "r",
    "\u05e9": "sh",
    "\u05ea": "t",
}

_CYRILLIC_ROMAN: dict[str, str] = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "і": "i",
    "ї": "yi",
    "є": "ye",
    "ґ": "g",
    "ў": "u",
    "қ": "k",
    "ғ": "gh",
    "ҳ": "h",
    "ә": "a",
    "ө": "o",
    "ү": "u",
    "ң": "n",
}

# Latin digraphs first (longest match), then single letters; "" means a vowel.
_LATIN_UNITS: tuple[tuple[str, str], ...] = (
    ("dzh", "G"),
    ("sch", "X"),
    ("tch", "X"),
    ("sh", "X"),
    ("ch", "X"),
    ("kh", "H"),
    ("gh", "G"),
    ("th", "T"),
    ("dh", "D"),
    ("ph", "F"),
    ("dj", "G"),
    ("dz", "Z"),
    ("zh", "G"),
    ("ck", "K"),
    ("ts", "S"),
    ("tz", "S"),
    ("a", ""),
    ("e", ""),
    ("i", ""),
    ("o", ""),
    ("u", ""),
    ("y", "Y"),
    ("w", "W"),
    ("b", "B"),
    ("c", "K"),
    ("d", "D"),
    ("f", "F"),
    ("g", "G"),
    ("h", "H"),
    ("j", "G"),
    ("k", "K"),
    ("l", "L"),
    ("m", "M"),
    ("n", "N"),
    ("p", "F"),
    ("q", "K"),
    ("r", "R"),
    ("s", "S"),
    ("t", "T"),
    ("v", "B"),
    ("x", "KS"),
    ("z", "Z"),
)
_LATIN_UNIT_RE = re.compile("|".join(re.escape(unit) for unit, _ in _LATIN_UNITS))
_LATIN_UNIT_MAP = dict(_LATIN_UNITS)
_DOUBLED = re.compile(r"(.)\1+")
_SEMIVOWELS = frozenset("WY")


@dataclass(frozen=True, slots=True)
class TokenForm:
    """One name part seen across scripts: skeleton, romanisation, and whether it came from an
    abjad (then its vowels are unknown and only the skeleton is comparable)."""

    skeleton: str
    roman: str
    abjad: bool
    alt: str = ""  # the skeleton read the other customary way (see _ARABIC_ALTERNATIVES)


def _finish(classes: list[str]) -> str:
    """A final h is a vowel ending (ta marbuta, -ah, Hebrew final he), not a consonant."""
    text = "".join(classes)
    if len(text) > 1 and text.endswith("H"):
        text = text[:-1]
    return text


def _latin_classes(letters: str, initial: bool) -> list[str]:
    classes: list[str] = []
    for match in _LATIN_UNIT_RE.finditer(letters):
        cls = _LATIN_UNIT_MAP[match.group(0)]
        consonantal = initial and match.start() == 0 and _next_is_vowel(letters, match.end())
        if cls in _SEMIVOWELS and not consonantal:
            continue
        classes.append(cls)
    return classes


def _latin_skeleton(roman: str) -> str:
    letters = _DOUBLED.sub(r"\1", re.sub(r"[^a-z]", "", roman))
    if letters.startswith("abd") and len(letters) > 5:
        # A joined "abd" compound: "abd" + "hamid" is not the digraph "dh" (nor "dj", "dz").
        return _finish(["B", "D", *_latin_classes(letters[3:], initial=False)])
    return _finish(_latin_classes(letters, initial=True))


def _next_is_vowel(letters: str, position: int) -> bool:
    return position < len(letters) and letters[position] in "aeiou"


# Arabic letters with two customary Latin (and Cyrillic, Hebrew) values: the skeleton takes the
# first, the alternative skeleton the second. ث is th or s (Uthman, Osman), ذ dh or z (Mundhir,
# Munzir), ض d or z (Ridwan, Rizwan), ظ z or dh (Nazim, Nadhim).
_ARABIC_ALTERNATIVES: dict[str, str] = {"\u062b": "S", "\u0630": "Z", "\u0636": "Z", "\u0638": "D"}


def _abjad_forms(
    token: str,
    skeleton_map: dict[str, str],
    roman_map: dict[str, str],
    alternatives_map: dict[str, str],
) -> TokenForm:
    classes: list[str] = []
    alternatives: list[str] = []
    roman: list[str] = []
    chars = list(token)
    index = 0
    while index < len(chars):
        char = chars[index]
        geresh = index + 1 < len(chars) and chars[index + 1] == "'"
        if geresh and char in _HEBREW_GERESH:
            cls, sound, alt = _HEBREW_GERESH[char]
            index += 2
        else:
            cls, sound = skeleton_map.get(char, ""), roman_map.get(char, anyascii(char).lower())
            alt = alternatives_map.get(char, cls)
            if index == 0 and cls in _SEMIVOWELS:
                sound = cls.lower()
            index += 1
        if cls in _SEMIVOWELS and index > 1:
            cls = alt = ""
        if cls:
            classes.append(cls)
        if alt:
            alternatives.append(alt)
        roman.append(sound)
    return TokenForm(
        skeleton=_finish(classes),
        roman="".join(roman).replace("'", ""),
        abjad=True,
        alt=_finish(alternatives),
    )


def _latin_forms(roman: str, alt_roman: str | None = None) -> TokenForm:
    """Latin forms; the alternative skeleton reads v as w (Latin and Cyrillic write the Arabic
    waw as v: Marvan, Марван, which the abjad skeleton drops inside a word) and a final t as d
    (Turkish spelling devoices it: Ahmet, Mehmet, Murat for أحمد, محمد, مراد)."""
    roman = _NOT_ALNUM.sub("", roman.lower())
    if roman.isdigit():  # house numbers and postcodes in addresses compare as written
        return TokenForm(skeleton=roman, roman=roman, abjad=False, alt=roman)
    alt = _NOT_ALNUM.sub("", (alt_roman or roman).lower()).replace("v", "w")
    alt = _VOWEL_FINAL_T.sub("d", alt)
    skeleton = _latin_skeleton(roman)
    # Most parts read no other way: their alternative is their skeleton, not computed twice.
    return TokenForm(
        skeleton=skeleton,
        roman=roman,
        abjad=False,
        alt=skeleton if alt == roman else _latin_skeleton(alt),
    )


_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_VOWEL_FINAL_T = re.compile(r"(?<=[aeiou])t$")


# Russian practice writes the Arabic waw as в (Валид, Марван) and never writes ب so: the skeleton
# reads в as w. It writes the Arabic h (ح, ه) as г too (Гасан for Hasan): the alternative
# skeleton reads г as h.
_CYRILLIC_SKELETON_ROMAN = {**_CYRILLIC_ROMAN, "в": "w"}
_CYRILLIC_ALT_ROMAN = {**_CYRILLIC_SKELETON_ROMAN, "г": "h"}


@lru_cache(maxsize=1 << 18)
def token_form(token: str) -> TokenForm:
    """Skeleton and romanisation of one normalised name part (see normalise.name_tokens)."""
    script = detect_script(token)
    if script is Script.ARABIC:
        return _abjad_forms(token, _ARABIC_SKELETON, _ARABIC_ROMAN, _ARABIC_ALTERNATIVES)
    if script is Script.HEBREW:
        return _abjad_forms(token, _HEBREW_SKELETON, _HEBREW_ROMAN, _HEBREW_ALTERNATIVES)
    if script is Script.CYRILLIC:
        return _latin_forms(
            "".join(_CYRILLIC_SKELETON_ROMAN.get(c, anyascii(c)) for c in token),
            "".join(_CYRILLIC_ALT_ROMAN.get(c, anyascii(c)) for c in token),
        )
    return _latin_forms(anyascii(token))


@lru_cache(maxsize=1 << 18)
def name_forms(text: str) -> tuple[TokenForm, ...]:
    """Cross-script forms of every part of a name; parts with neither letters nor digits vanish."""
    forms = [token_form(token) for token in name_tokens(text)]
    return tuple([form for form in forms if form.skeleton or form.roman])


def skeleton(text: str) -> str:
    """Consonant skeletons of a name's parts, space-separated: "يوسف" and "Youssef" give "YSF"."""
    return " ".join(form.skeleton for form in name_forms(text))


def romanise(text: str) -> str:
    """A Latin rendering of a name, readable but lossy (abjad vowels are mostly absent)."""
    return " ".join(form.roman for form in name_forms(text))
