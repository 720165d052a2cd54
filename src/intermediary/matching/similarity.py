"""Name similarity across scripts and spellings, from 0 (unrelated) to 1 (same name)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz.distance import JaroWinkler

from intermediary.matching.skeleton import TokenForm, name_forms

# Names compared token by token: how much a part missing on one side costs. Arabic names chain
# given, father's, grandfather's and family names, and lists keep two to five of them.
_FULL_MATCH_SHARE = 0.7
_ORDER_WEIGHT = 0.03


def _skeleton_similarity(left: str, right: str) -> float:
    """Jaro-Winkler on skeletons, discounted for short ones: "L" (Ali, Ola) says little."""
    if not left or not right:
        return 0.0
    raw = JaroWinkler.normalized_similarity(left, right)
    shortest = min(len(left), len(right))
    return raw * (1.0 - 0.3 / (shortest + 2))


def token_similarity(left: TokenForm, right: TokenForm) -> float:
    """Similarity of two name parts; vowels count only when neither side comes from an abjad."""
    if left.roman == right.roman and left.abjad == right.abjad:
        return 1.0
    skeletal = _skeleton_similarity(left.skeleton, right.skeleton)
    if left.abjad or right.abjad:
        if left.skeleton == right.skeleton and left.skeleton:
            return max(skeletal, 0.97 if len(left.skeleton) > 2 else 0.9)
        return skeletal
    spelled = JaroWinkler.normalized_similarity(left.roman, right.roman)
    if min(len(left.skeleton), len(right.skeleton)) < 3:
        return spelled
    return max(spelled, skeletal - 0.05)


def _aligned_similarities(
    left: Sequence[TokenForm], right: Sequence[TokenForm]
) -> list[tuple[float, int, int]]:
    """Greedy one-to-one alignment of parts, best pairs first, whatever their order."""
    scored = sorted(
        ((token_similarity(a, b), i, j) for i, a in enumerate(left) for j, b in enumerate(right)),
        reverse=True,
    )
    used_left: set[int] = set()
    used_right: set[int] = set()
    matched: list[tuple[float, int, int]] = []
    for score, i, j in scored:
        if i in used_left or j in used_right:
            continue
        used_left.add(i)
        used_right.add(j)
        matched.append((score, i, j))
    return matched


def _order_agreement(matched: Sequence[tuple[float, int, int]]) -> float:
    """Share of aligned part pairs kept in the same relative order (1.0 when order is kept).

    Why: reordering happens (family name first) and must cost little, but "Walid Tariq" and
    "Tariq Walid" are different persons more often than not.
    """
    if len(matched) < 2:
        return 1.0
    rights = [j for _, _, j in sorted(matched, key=lambda item: item[1])]
    pairs = len(rights) * (len(rights) - 1) / 2
    kept = sum(
        1 for a in range(len(rights)) for b in range(a + 1, len(rights)) if rights[a] < rights[b]
    )
    return kept / pairs


def forms_similarity(left: Sequence[TokenForm], right: Sequence[TokenForm]) -> float:
    """Similarity of two names given as parts, tolerant of reordered and missing parts."""
    if not left or not right:
        return 0.0
    matched = _aligned_similarities(left, right)
    total = sum(score for score, _, _ in matched)
    shared = total / min(len(left), len(right))
    overall = total / max(len(left), len(right))
    blended = _FULL_MATCH_SHARE * shared + (1 - _FULL_MATCH_SHARE) * overall
    return round(blended * (1 - _ORDER_WEIGHT + _ORDER_WEIGHT * _order_agreement(matched)), 6)


def name_similarity(left: str, right: str) -> float:
    """Similarity of two raw names in any scripts: "Youssef Abdulrahman" vs "يوسف عبد الرحمن"."""
    return forms_similarity(name_forms(left), name_forms(right))


# Compact encoding of a name's forms, stored per record and decoded inside SQL user functions.
_PART_SEP = " "
_FIELD_SEP = ":"


def encode_forms(forms: Sequence[TokenForm]) -> str:
    """Encode forms as "SKEL:roman:abjad:ALT" parts; empty string when no part is usable."""
    return _PART_SEP.join(
        f"{form.skeleton}{_FIELD_SEP}{form.roman}{_FIELD_SEP}{int(form.abjad)}{_FIELD_SEP}{form.alt}"
        for form in forms
    )


@lru_cache(maxsize=1 << 17)
def decode_forms(encoded: str) -> tuple[TokenForm, ...]:
    """Inverse of encode_forms; tolerant of malformed parts (they are skipped)."""
    forms: list[TokenForm] = []
    for part in encoded.split(_PART_SEP):
        fields = part.split(_FIELD_SEP)
        if len(fields) in (3, 4):
            alt = fields[3] if len(fields) == 4 else ""
            forms.append(
                TokenForm(skeleton=fields[0], roman=fields[1], abjad=fields[2] == "1", alt=alt)
            )
    return tuple(forms)


def encoded_similarity(left: str | None, right: str | None) -> float | None:
    """Similarity of two encoded names; None when either is missing (a SQL NULL)."""
    if not left or not right:
        return None
    return forms_similarity(decode_forms(left), decode_forms(right))
