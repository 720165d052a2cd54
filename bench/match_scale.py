"""Scale: link 100,000 list entries against a 1,000,000-person registry on this machine.

Run: .venv/bin/python bench/match_scale.py [ENTRIES REGISTRY [MAX_BLOCK_PAIRS]]
(defaults 100000 1000000 5000; the figures in docs/benchmarks.md use 100000 1000000 500)
Reports wall time per stage, peak resident memory of the process, candidate recall (share of
true pairs among the blocked candidate pairs) and linkage recall at probability >= 0.5.
"""

from __future__ import annotations

import logging
import random
import resource
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from intermediary.matching import (
    MatchOptions,
    linkage,
)
from match_synthetic import SCRIPTS, make_persons, record


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def build(entries: int, registry: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    rng = random.Random(5)
    persons = make_persons(registry, seed=5)
    reg_rows = [
        record(p, rng.choice(("arabic", "latin")), rng, f"r{p.key}", noisy=False) for p in persons
    ]
    chosen = rng.sample(persons, entries)
    list_rows = [record(p, rng.choice(SCRIPTS), rng, f"e{p.key}") for p in chosen]
    truth = {f"e{p.key}": f"r{p.key}" for p in chosen}
    return pd.DataFrame(list_rows), pd.DataFrame(reg_rows), truth


def candidate_recall(
    frames: list[pd.DataFrame], truth: dict[str, str], max_pairs: int
) -> tuple[float, int]:
    """Recall of the candidate pairs alone (the pairs the model scores), not timed."""
    pairs = linkage._candidate_pairs(frames, max_pairs)
    con = duckdb.connect()
    con.register("pairs", pairs)
    con.register("truth", pd.DataFrame({"a": list(truth), "b": list(truth.values())}))
    separator = linkage._KEY_SEPARATOR
    found = con.execute(
        "SELECT count(*) FROM truth JOIN pairs "
        "ON join_key_l = 'list_left' || $s || a AND join_key_r = 'list_right' || $s || b",
        {"s": separator},
    ).fetchone()
    assert found is not None
    return found[0] / len(truth), pairs.num_rows


def main() -> None:
    logging.disable(logging.WARNING)
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    registry = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    print(f"scale: {entries} list entries vs {registry} registry persons")
    started = time.perf_counter()
    entries_frame, registry_frame, truth = build(entries, registry)
    print(f"  generated in {time.perf_counter() - started:.1f} s (not counted)")
    clock = [time.perf_counter()]

    def stage(message: str) -> None:
        now = time.perf_counter()
        print(f"    {now - clock[0]:6.1f} s, then {message}")
        clock[0] = now

    options = MatchOptions(
        max_block_pairs=int(sys.argv[3]) if len(sys.argv) > 3 else 5000, progress=stage
    )
    print(f"  max_block_pairs {options.max_block_pairs}")
    started = clock[0] = time.perf_counter()
    frames = linkage._prepare_all([entries_frame, registry_frame], options)
    prepared = time.perf_counter() - started
    print(f"  prepare: {prepared:.1f} s, peak {_peak_gib():.2f} GiB")
    recall, candidates = candidate_recall(frames, truth, options.max_block_pairs)
    print(f"  candidate pairs: {candidates}, candidate recall {recall:.4f} (not timed)")
    started = clock[0] = time.perf_counter()
    result, _ = linkage._predict(frames, "link_only", 1 / registry, options)
    scored = time.perf_counter() - started
    best = result.sort_values("match_probability", ascending=False).drop_duplicates("unique_id_l")
    hits = sum(
        truth.get(a) == b for a, b in zip(best["unique_id_l"], best["unique_id_r"], strict=True)
    )
    print(f"  candidate pairs, training and scoring: {scored:.1f} s, peak {_peak_gib():.2f} GiB")
    print(
        f"  total matching time {prepared + scored:.1f} s; best pair right for {hits / entries:.4f}"
    )


if __name__ == "__main__":
    main()
