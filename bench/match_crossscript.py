"""Cross-script linkage benchmark on generated fictional persons, by script pair, vs plain Splink.

Run: .venv/bin/python bench/match_crossscript.py
A held list of 2,000 persons and a sought list with 2,000 of the same persons plus 2,000 others
(321 given and 425 family names, drawn with frequencies falling with rank, so namesakes occur
as in real lists without dominating). Each entry is written in
a random script with transliteration variants, typos, dropped or reordered parts, missing or
swapped dates. The decision scored is the best pair per held entry at probability >= 0.5.
The baseline is Splink with the names folded to ASCII (anyascii) and a standard person model.
"""

from __future__ import annotations

import logging
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import pandas as pd
from anyascii import anyascii

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from intermediary.matching import MatchOptions, link
from intermediary.matching.fields import parse_date
from match_synthetic import SCRIPTS, make_persons, record

PERSONS = 2000
THRESHOLD = 0.5


def build(seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    rng = random.Random(seed)
    persons = make_persons(PERSONS * 2, seed=seed)
    held, sought, truth = [], [], {}
    for person in persons[:PERSONS]:
        held.append({**record(person, rng.choice(SCRIPTS), rng, f"h{person.key}"), "script": ""})
    for person in persons:
        sought.append({**record(person, rng.choice(SCRIPTS), rng, f"s{person.key}"), "script": ""})
    for person in persons[:PERSONS]:
        truth[f"h{person.key}"] = f"s{person.key}"
    rng.shuffle(sought)
    return pd.DataFrame(held), pd.DataFrame(sought), truth


def _script_of(frame: pd.DataFrame) -> dict[str, str]:
    from intermediary.matching import detect_script

    return {row.id: str(detect_script(row.full_name)) for row in frame.itertuples()}


def best_pairs(pairs: pd.DataFrame) -> dict[str, str]:
    best = pairs.sort_values("probability", ascending=False).drop_duplicates("left_id")
    best = best[best["probability"] >= THRESHOLD]
    return dict(zip(best["left_id"], best["right_id"], strict=True))


def scores_by_pair(
    chosen: dict[str, str],
    truth: dict[str, str],
    scripts_l: dict[str, str],
    scripts_r: dict[str, str],
) -> dict[str, tuple[float, float, float, int]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, fn
    for left, right in truth.items():
        key = "-".join(sorted((scripts_l[left], scripts_r[right])))
        got = chosen.get(left)
        if got == right:
            counts[key][0] += 1
        else:
            counts[key][2] += 1
            if got is not None:
                counts[key][1] += 1
    for left, right in chosen.items():
        if left not in truth:
            counts["-".join(sorted((scripts_l[left], scripts_r[right])))][1] += 1
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    counts["overall"] = total
    result = {}
    for key, (tp, fp, fn) in counts.items():
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        result[key] = (p, r, 2 * p * r / (p + r) if p + r else 0.0, tp + fn)
    return result


def _iso(text: str) -> str | None:
    date = parse_date(text)
    if date.year and date.month and date.day:
        return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"
    return None


def _ascii_frame(frame: pd.DataFrame) -> pd.DataFrame:
    def fold(text: str) -> str | None:
        folded = anyascii(text or "").lower().strip()
        return folded or None

    return pd.DataFrame(
        {
            "unique_id": frame["id"],
            "name": frame["full_name"].map(fold),
            "first": frame["full_name"].map(lambda t: (fold(t) or " ").split()[0] or None),
            "father": frame["father_name"].map(fold),
            "dob": frame["date_of_birth"].map(_iso),
            "sex": frame["sex"].replace("", None),
            "id_number": frame["id_number"].replace("", None),
        }
    )


def run_baseline(held: pd.DataFrame, sought: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Plain Splink: ASCII-folded names, Jaro-Winkler, trained the documented way."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    settings = SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=[
            block_on("substr(name, 1, 3)"),
            block_on("dob"),
            block_on("id_number"),
            block_on("first", "father"),
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.92, 0.85, 0.75]),
            cl.JaroWinklerAtThresholds("father", [0.9, 0.8]),
            cl.DateOfBirthComparison("dob", input_is_string=True, invalid_dates_as_null=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("id_number"),
        ],
    )
    db_api = DuckDBAPI()
    tables = [
        db_api.register(_ascii_frame(held), dataset_display_name="held"),
        db_api.register(_ascii_frame(sought), dataset_display_name="sought"),
    ]
    linker = Linker(tables, settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name", "dob"), block_on("id_number")], recall=0.5
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("substr(name, 1, 3)")
    )
    predictions = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    swap = predictions["source_dataset_l"] != "held"
    pairs = pd.DataFrame(
        {
            "left_id": predictions["unique_id_l"].where(~swap, predictions["unique_id_r"]),
            "right_id": predictions["unique_id_r"].where(~swap, predictions["unique_id_l"]),
            "probability": predictions["match_probability"],
        }
    )
    return pairs, time.perf_counter() - started


def main() -> None:
    logging.disable(logging.WARNING)
    held, sought, truth = build()
    scripts_l, scripts_r = _script_of(held), _script_of(sought)
    print(f"cross-script: {len(held)} held vs {len(sought)} sought, {len(truth)} true pairs")
    started = time.perf_counter()
    ours = link(held, sought, MatchOptions(threshold=0.01)).pairs
    ours_time = time.perf_counter() - started
    baseline, baseline_time = run_baseline(held, sought)
    ours_scores = scores_by_pair(best_pairs(ours), truth, scripts_l, scripts_r)
    base_scores = scores_by_pair(best_pairs(baseline), truth, scripts_l, scripts_r)
    print(f"{'script pair':20s} {'n':>5s}   ours P / R / F1          baseline P / R / F1")
    for key in sorted(ours_scores, key=lambda k: (k == "overall", k)):
        p, r, f, n = ours_scores[key]
        bp, br, bf, _ = base_scores.get(key, (0.0, 0.0, 0.0, 0))
        print(f"{key:20s} {n:5d}   {p:.3f} / {r:.3f} / {f:.3f}    {bp:.3f} / {br:.3f} / {bf:.3f}")
    print(f"time: ours {ours_time:.1f} s, baseline {baseline_time:.1f} s")


if __name__ == "__main__":
    main()
