"""Names as given: Unicode NFC, script detection, and the normalised key search runs on.

Normalisation itself is the matching library's (``intermediary.matching.normalise``), so a
name searched for and a name matched across lists are folded by the same rules.
"""

from __future__ import annotations

import unicodedata

from intermediary.matching.normalise import Script as MatchingScript
from intermediary.matching.normalise import detect_script as matching_detect_script
from intermediary.matching.normalise import fold
from intermediary.registry.choices import Script

_KNOWN = {s.value for s in Script}


def as_given(text: str) -> str:
    """Stored form of a name: NFC only. Never corrected: a list's spelling is evidence."""
    return unicodedata.normalize("NFC", text)


def detect_script(text: str) -> str:
    """The registry's script of a name; mixed or letterless text counts as "other"."""
    found = matching_detect_script(text)
    if found in (MatchingScript.MIXED, MatchingScript.NONE):
        return Script.OTHER.value
    return found.value if found.value in _KNOWN else Script.OTHER.value


def search_key(text: str) -> str:
    """Folded for search: case, diacritics, tashkeel, Arabic letter variants, Hebrew finals."""
    return fold(text)[:300]


def query_tokens(query: str) -> list[str]:
    """The folded parts of a search query; every part must occur in one name of a hit."""
    return [token for token in fold(query).split(" ") if token]
