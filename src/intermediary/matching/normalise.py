"""Script detection and per-script normalisation of personal names, total on any str input."""

# ruff: noqa: RUF003  (Arabic, Hebrew and Cyrillic letters are this module's data)

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import lru_cache


class Script(StrEnum):
    """The writing systems the matcher knows; NONE is a string with no letter at all."""

    ARABIC = "arabic"
    HEBREW = "hebrew"
    CYRILLIC = "cyrillic"
    LATIN = "latin"
    OTHER = "other"
    MIXED = "mixed"
    NONE = "none"


# Ranges are closed intervals of code points; only letters count for detection.
_SCRIPT_RANGES: tuple[tuple[int, int, Script], ...] = (
    (0x0041, 0x005A, Script.LATIN),
    (0x0061, 0x007A, Script.LATIN),
    (0x00AA, 0x00AA, Script.LATIN),
    (0x00BA, 0x00BA, Script.LATIN),
    (0x00C0, 0x024F, Script.LATIN),
    (0x0250, 0x02AF, Script.LATIN),
    (0x1D00, 0x1D7F, Script.LATIN),
    (0x1E00, 0x1EFF, Script.LATIN),
    (0x2C60, 0x2C7F, Script.LATIN),
    (0xA720, 0xA7FF, Script.LATIN),
    (0xAB30, 0xAB6F, Script.LATIN),
    (0xFB00, 0xFB06, Script.LATIN),
    (0xFF21, 0xFF3A, Script.LATIN),
    (0xFF41, 0xFF5A, Script.LATIN),
    (0x0400, 0x052F, Script.CYRILLIC),
    (0x1C80, 0x1C8F, Script.CYRILLIC),
    (0x2DE0, 0x2DFF, Script.CYRILLIC),
    (0xA640, 0xA69F, Script.CYRILLIC),
    (0x0590, 0x05FF, Script.HEBREW),
    (0xFB1D, 0xFB4F, Script.HEBREW),
    (0x0600, 0x06FF, Script.ARABIC),
    (0x0750, 0x077F, Script.ARABIC),
    (0x0870, 0x08FF, Script.ARABIC),
    (0xFB50, 0xFDFF, Script.ARABIC),
    (0xFE70, 0xFEFF, Script.ARABIC),
)


@lru_cache(maxsize=1 << 16)
def char_script(char: str) -> Script:
    """Script of one character; NONE for anything that is not a letter."""
    if not unicodedata.category(char).startswith("L"):
        return Script.NONE
    code = ord(char)
    for low, high, script in _SCRIPT_RANGES:
        if low <= code <= high:
            return script
    return Script.OTHER


def detect_script(text: str) -> Script:
    """The one script of the letters in text, MIXED when several, NONE when no letter."""
    found: set[Script] = set()
    for char in text:
        script = char_script(char)
        if script is not Script.NONE:
            found.add(script)
            if len(found) > 1:
                return Script.MIXED
    return found.pop() if found else Script.NONE


# Arabic letters that have variant forms transliterations never distinguish.
_ARABIC_FOLD = str.maketrans(
    {
        "\u0622": "\u0627",  # alef madda -> alef
        "\u0623": "\u0627",  # alef hamza above -> alef
        "\u0625": "\u0627",  # alef hamza below -> alef
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0672": "\u0627",
        "\u0673": "\u0627",
        "\u0675": "\u0627",
        "\u0624": "\u0648",  # waw hamza -> waw
        "\u0626": "\u064a",  # yeh hamza -> yeh
        "\u0649": "\u064a",  # alef maqsura -> yeh
        "\u06cc": "\u064a",  # farsi yeh -> yeh
        "\u06d2": "\u064a",  # yeh barree -> yeh
        "\u0629": "\u0647",  # ta marbuta -> heh
        "\u06c1": "\u0647",  # heh goal -> heh
        "\u06d5": "\u0647",  # ae -> heh
        "\u06a9": "\u0643",  # keheh -> kaf
        "\u0640": None,  # tatweel
    }
)

# Hebrew final forms carry no information for matching.
_HEBREW_FOLD = str.maketrans(
    {
        "\u05da": "\u05db",
        "\u05dd": "\u05de",
        "\u05df": "\u05e0",
        "\u05e3": "\u05e4",
        "\u05e5": "\u05e6",
        "\u05f3": "'",  # geresh: kept as an apostrophe, it marks j/ch/th sounds
        "\u05f4": None,  # gershayim
        "\u05be": " ",  # maqaf joins words like a hyphen
    }
)

# Apostrophe-like marks: ayin and hamza in Latin transliterations ("Sa'id", "Ja`far").
_APOSTROPHES = "'\u2018\u2019\u201b\u02bc\u02bb\u02bd\u02be\u02bf\u0060\u00b4\u2032\u02b9\ua78c"
_APOSTROPHE_FOLD = str.maketrans(dict.fromkeys(_APOSTROPHES, "'"))


@lru_cache(maxsize=1 << 16)
def _fold_char(char: str) -> str:
    """Map one character: controls and separators to space, marks dropped, digits to ASCII."""
    category = unicodedata.category(char)
    if category in ("Mn", "Me"):
        return ""
    if category == "Nd":
        return str(unicodedata.digit(char, 0))
    if category in ("Cc", "Zs", "Zl", "Zp"):
        return " "
    if category in ("Cf", "Co", "Cs", "Cn"):
        return ""
    return char


def _fold_chars(text: str) -> str:
    return "".join(_fold_char(char) for char in text)


_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Compatibility-fold, drop controls and format characters, collapse whitespace.

    Why: lists arrive from spreadsheets and messaging apps with bidi marks, zero-width joiners,
    non-breaking spaces and presentation forms that change bytes but not the name.
    """
    if not isinstance(text, str):
        return ""
    folded = unicodedata.normalize("NFKC", _fold_chars(unicodedata.normalize("NFKC", text)))
    folded = _fold_chars(folded)
    return _SPACES.sub(" ", folded).strip()


def _fold_letters(text: str) -> str:
    """Casefold and strip every combining mark (tashkeel, niqqud, Latin accents)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = _fold_chars(decomposed)
    return unicodedata.normalize("NFKC", stripped).casefold()


_PUNCT = re.compile(r"[^\w' ]+")


def _fold_once(text: str) -> str:
    text = clean_text(text)
    text = _fold_letters(text)
    text = text.translate(_ARABIC_FOLD).translate(_HEBREW_FOLD).translate(_APOSTROPHE_FOLD)
    text = text.replace("_", " ")
    text = _PUNCT.sub(" ", text)
    return _SPACES.sub(" ", _fold_chars(text)).strip()


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Per-script normalised form of a name, still in its own script.

    Arabic: tashkeel, tatweel, alef/hamza variants, alef maqsura and ta marbuta folded.
    Hebrew: niqqud dropped, final letters folded. Latin and Cyrillic: case and accents folded.
    Punctuation and hyphens become spaces; apostrophes are unified to "'".
    Iterates to a fixed point so that fold(fold(x)) == fold(x) for any input.
    """
    if not isinstance(text, str):
        return ""
    current = text
    for _ in range(6):
        folded = _fold_once(current)
        if folded == current:
            return folded
        current = folded
    return current


def split_by_script(token: str) -> list[str]:
    """Split a token where the script changes, so "Ahmedأحمد" gives two tokens."""
    parts: list[str] = []
    current = ""
    current_script = Script.NONE
    for char in token:
        script = char_script(char)
        if script is Script.NONE or script is current_script or not current:
            current += char
            if script is not Script.NONE:
                current_script = script
            continue
        parts.append(current)
        current, current_script = char, script
    if current:
        parts.append(current)
    return parts


# Name particles, by script, after folding. Connectors ("son of") are dropped between names;
# articles are dropped before the word they determine; "abd" and "abu" join the next word.
_CONNECTORS = frozenset(
    {
        "bin", "ibn", "ben", "bint", "binti", "bat", "ould", "walad", "ag",
        "\u0628\u0646", "\u0627\u0628\u0646", "\u0628\u0646\u062a",  # بن ابن بنت
        "\u05d1\u05df", "\u05d1\u05e0", "\u05d1\u05ea",  # בן (folded בנ) בת
        "\u0431\u0438\u043d", "\u0438\u0431\u043d",
        "\u0431\u0435\u043d", "\u0431\u0438\u043d\u0442",
    }
)  # fmt: skip
_ARTICLES = frozenset(
    {
        "al", "el", "ul", "il", "al'", "el'",
        "\u0627\u0644",  # ال
        "\u05d0\u05dc",  # אל
        "\u05d0",  # א, the assimilated article: א-שאמי
        "\u0430\u043b\u044c", "\u0430\u043b", "\u044d\u043b\u044c",
        "\u044d\u043b", "\u0443\u043b\u044c",
    }
)  # fmt: skip
# Sun-letter assimilated articles ("ar-Rahman", "as-Sayed") count only before their consonant.
_SUN_ARTICLES = frozenset(
    {"ad", "ar", "as", "ash", "at", "az", "an", "ed", "er", "es", "et", "ez", "en"}
)
_ABD_FORMS = frozenset(
    {
        "abd", "abdel", "abdul", "abdal", "abdol", "abdu", "abdoul", "abdil", "abdelh",
        "\u0639\u0628\u062f",  # عبد
        "\u05e2\u05d1\u05d3",  # עבד
        "\u0430\u0431\u0434", "\u0430\u0431\u0434\u0435\u043b\u044c",
        "\u0430\u0431\u0434\u0443\u043b",
        "\u0430\u0431\u0434\u0435\u043b", "\u0430\u0431\u0434\u0430\u043b\u044c",
        "\u0430\u0431\u0434\u0443\u043b\u044c",
    }
)  # fmt: skip
_ABU_FORMS = frozenset(
    {
        "abu", "abou", "abo", "bou",
        "\u0627\u0628\u0648",  # ابو
        "\u05d0\u05d1\u05d5",  # אבו
        "\u0430\u0431\u0443",  # абу
    }
)  # fmt: skip
_ARABIC_ARTICLE = "\u0627\u0644"
# Names that begin with the letters of the article without having one: Ilyas, Ilham, ...
_ARABIC_ARTICLE_EXCEPTIONS = frozenset(
    {
        "\u0627\u0644\u064a\u0627\u0633",
        "\u0627\u0644\u0647\u0627\u0645",
        "\u0627\u0644\u064a\u0633\u0627",
    }
)
_LATIN_ABD = re.compile(
    r"^abd(?:[aeiou]l|[aeiou](?P<sun>[dnrstz])(?=(?P=sun)))?(?P<rest>[a-z]{3,})$"
)


def _strip_arabic_article(token: str) -> str:
    if (
        token.startswith(_ARABIC_ARTICLE)
        and len(token) >= 4
        and token not in _ARABIC_ARTICLE_EXCEPTIONS
    ):
        return token[2:]
    return token


def _is_article(token: str, following: str | None) -> bool:
    if following is None:
        return False
    if token in _ARTICLES:
        return True
    return token in _SUN_ARTICLES and following.startswith(token[1])


_DROPPABLE = _CONNECTORS | _ARTICLES | _SUN_ARTICLES
_COMPOUND_HEADS = _ABD_FORMS | _ABU_FORMS


def _drop_particles(tokens: list[str]) -> list[str]:
    """Drop connectors between names and articles before a word."""
    if _DROPPABLE.isdisjoint(tokens):  # nothing to drop: skip the walk
        return list(tokens)
    kept: list[str] = []
    last = len(tokens) - 1
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index < last else None
        if token in _CONNECTORS and 0 < index < last:
            continue
        if _is_article(token, following):
            continue
        kept.append(token)
    return kept


def _join_compounds(tokens: list[str]) -> list[str]:
    """Join "abd"/"abu" to the next word: "Abd al-Rahman" and "Abdulrahman" become one token."""
    if _COMPOUND_HEADS.isdisjoint(tokens):  # nothing to join: skip the walk
        return list(tokens)
    joined: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if index + 1 < len(tokens) and (token in _ABD_FORMS or token in _ABU_FORMS):
            stem = token if token in _ABU_FORMS else _abd_stem(token)
            joined.append(stem + _strip_arabic_article(tokens[index + 1]))
            index += 2
            continue
        joined.append(token)
        index += 1
    return joined


def _abd_stem(token: str) -> str:
    if char_script(token[0]) is Script.LATIN:
        return "abd"
    if char_script(token[0]) is Script.CYRILLIC:
        return "\u0430\u0431\u0434"
    return token


# The same compounds written as one word in Cyrillic (Абдулазиз, Абдуррахман) and Hebrew
# (עבדאללטיף, עבדאלרחמן): "abd" + the name, article dropped, as for the Latin ones.
_CYRILLIC_ABD = re.compile(
    "^\u0430\u0431\u0434(?:[\u0430\u0435\u0438\u043e\u0443\u044d]\u043b\u044c?|"
    "[\u0430\u0435\u0438\u043e\u0443\u044d](?P<sun>[\u0434\u043d\u0440\u0441\u0442\u0437])"
    "(?=(?P=sun)))?(?P<rest>[\u0430-\u044f\u0451]{3,})$"
)
_HEBREW_ABD = re.compile("^\u05e2\u05d1\u05d3\u05d0\u05dc?(?P<rest>[\u05d0-\u05ea']{2,})$")


def _simplify_token(token: str) -> str:
    token = _strip_arabic_article(token)
    match = _LATIN_ABD.match(token)
    if match:
        return "abd" + match.group("rest")
    match = _CYRILLIC_ABD.match(token)
    if match:
        return "\u0430\u0431\u0434" + match.group("rest")
    match = _HEBREW_ABD.match(token)
    if match:
        return "\u05e2\u05d1\u05d3" + match.group("rest")
    return token


def _drop_apostrophes(token: str) -> str:
    """Keep a Hebrew geresh after a letter (it marks j/kh/dh/gh/d: "ריאצ'" is Riyadh, its geresh
    last); drop Latin ayin/hamza marks."""
    stripped = token.lstrip("'")
    if detect_script(stripped) is Script.HEBREW:
        return stripped
    return stripped.replace("'", "")


@lru_cache(maxsize=1 << 18)
def _word_parts(word: str) -> tuple[str, ...]:
    """One whitespace-separated word folded, split where its script changes, apostrophes
    handled; cached, because lists repeat the same words over and over."""
    raw = [part for token in fold(word).split(" ") for part in split_by_script(token) if part]
    return tuple(token for token in (_drop_apostrophes(part) for part in raw) if token)


@lru_cache(maxsize=1 << 18)
def _simplify_cached(token: str) -> str:
    return _simplify_token(token)


def _parts(text: str) -> list[str]:
    return [part for word in text.split() for part in _word_parts(word)]


def _tokens_from_parts(parts: list[str]) -> list[str]:
    tokens = _join_compounds(_drop_particles(parts))
    return [_simplify_cached(token) for token in tokens if token]


def _tokens_once(text: str) -> list[str]:
    return _tokens_from_parts(_parts(text))


_PARTICLES = _DROPPABLE | _COMPOUND_HEADS


@lru_cache(maxsize=1 << 18)
def _settled(token: str) -> bool:
    """Whether _tokens_once leaves this token as it is, whatever its neighbours.

    Why: a name whose parts are all settled is its own fixed point, so name_tokens can skip the
    particle passes and the second, confirming round; most names are like that.
    """
    return (
        token not in _PARTICLES
        and token.split() == [token]
        and _word_parts(token) == (token,)
        and _simplify_cached(token) == token
    )


@lru_cache(maxsize=1 << 18)
def word_tokens(word: str) -> tuple[str, ...] | None:
    """The tokens of one word (no whitespace) if name_tokens keeps them whatever the words
    around it, None if it may not (a particle, or a part to simplify).

    Why: when every word of a text has them, name_tokens(text) is their concatenation, so a
    caller can cache its work on a name by word: full names rarely repeat, their words do.
    """
    parts = _word_parts(word)
    return parts if all(map(_settled, parts)) else None


def _settled_tokens(text: str) -> list[str] | None:
    tokens: list[str] = []
    for word in text.split():
        parts = word_tokens(word)
        if parts is None:
            return None
        tokens += parts
    return tokens


@lru_cache(maxsize=1 << 18)
def name_tokens(text: str) -> tuple[str, ...]:
    """Normalised name parts with particles handled, in the order given, each in its own script."""
    if not isinstance(text, str):
        return ()
    settled = _settled_tokens(text)
    if settled is not None:  # the common case: nothing to join, drop or simplify
        return tuple(settled)
    tokens = _tokens_from_parts(_parts(text))
    if all(map(_settled, tokens)):  # a fixed point after one round
        return tuple(tokens)
    current = " ".join(tokens)
    for _ in range(6):
        again = " ".join(_tokens_once(current))
        if again == current:
            break
        current = again
    return tuple(current.split()) if current else ()


def normalise_name(text: str) -> str:
    """A name's normalised form: folded per script, particles handled, parts space-separated."""
    return " ".join(name_tokens(text))
