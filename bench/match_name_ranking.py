"""Name-only ranking: where does a Latin name's Arabic-script form rank among 2,000 candidates?

Run: .venv/bin/python bench/match_name_ranking.py
For each of 2,000 fictional persons, the Latin spelling (a variant lists use, no typo) is
scored against the Arabic-script names of all 2,000; "first" counts the cases where the right
Arabic name scores strictly above every other (a tie counts as a miss). The baseline folds the
Arabic to ASCII (anyascii) and ranks by normalised Levenshtein similarity.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

from anyascii import anyascii
from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from intermediary.matching.similarity import forms_similarity
from intermediary.matching.skeleton import name_forms
from match_synthetic import FAMILY, GIVEN, make_persons

COUNT = 2000


def _names(seed: int, hard: bool) -> tuple[list[str], list[str]]:
    """Distinct 3-part names; the hard set draws 4 parts from 10 given and 5 family names, so
    that most candidates differ from the right one in a single part."""
    rng = random.Random(seed)
    given = rng.sample(GIVEN[:34], 10)
    family = rng.sample(FAMILY, 5)
    persons = make_persons(COUNT * 5, seed=seed)
    seen: set[str] = set()
    latin: list[str] = []
    arabic: list[str] = []
    for person in persons:
        if hard:
            parts = [rng.choice(given), rng.choice(given), rng.choice(given), rng.choice(family)]
        else:
            parts = [person.given, person.father, person.family]
        arabic_name = " ".join(part.arabic for part in parts)
        if arabic_name in seen:
            continue
        seen.add(arabic_name)
        arabic.append(arabic_name)
        latin.append(" ".join(part.render("latin", rng) for part in parts))
        if len(arabic) == COUNT:
            break
    return latin, arabic


def _first_share(
    latin: list[str], arabic: list[str], score: Callable[[str, str], float], show: bool
) -> float:
    first = 0
    for index, query in enumerate(latin):
        scores = [score(query, candidate) for candidate in arabic]
        right = scores[index]
        if all(s < right for i, s in enumerate(scores) if i != index):
            first += 1
        elif show:
            best = max(range(len(arabic)), key=scores.__getitem__)
            wrong = f"{arabic[best]} ({scores[best]:.3f})"
            print(f"    miss: {query} -> {wrong} not {arabic[index]} ({right:.3f})")
    return first / len(latin)


def _ours() -> Callable[[str, str], float]:
    def score(query: str, candidate: str) -> float:
        return forms_similarity(name_forms(query), name_forms(candidate))

    return score


def _baseline(query: str, candidate: str) -> float:
    return Levenshtein.normalized_similarity(anyascii(query).lower(), anyascii(candidate).lower())


def main() -> None:
    show = "--show" in sys.argv
    for hard in (False, True):
        latin, arabic = _names(seed=11, hard=hard)
        kind = "hard set (4 parts, 10 given and 5 family names)" if hard else "3-part names"
        print(f"name-only ranking, {kind}: {len(latin)} Latin names vs {len(arabic)} Arabic names")
        for label, scorer in (("ours", _ours()), ("baseline ASCII fold + Levenshtein", _baseline)):
            started = time.perf_counter()
            share = _first_share(latin, arabic, scorer, show and label == "ours")
            seconds = time.perf_counter() - started
            print(f"  {label:36s} right one first: {share:.1%}  ({seconds:.1f} s)")


if __name__ == "__main__":
    main()
