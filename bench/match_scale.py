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
import pyarrow as pa

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


def candidate_recall(frames: list[pd.DataFrame], truth: dict[str, str]) -> tuple[float, int]:
    """Recall of the blocking keys alone, computed the way Splink joins them."""
    con = duckdb.connect()
    for name, frame in (("l", frames[0]), ("r", frames[1])):
        keys = linkage._key_table(frame)
        ids = pa.array(frame["unique_id"].tolist(), type=pa.string())
        con.register(name, keys.append_column("unique_id", ids.take(keys.column("row"))))
    con.execute(
        "CREATE TABLE pairs AS SELECT DISTINCT l.unique_id AS a, r.unique_id AS b "
        "FROM l JOIN r USING (k)"
    )
    con.register("truth", pd.DataFrame({"a": list(truth), "b": list(truth.values())}))
    found = con.execute("SELECT count(*) FROM truth JOIN pairs USING (a, b)").fetchone()
    total = con.execute("SELECT count(*) FROM pairs").fetchone()
    assert found is not None
    assert total is not None
    return found[0] / len(truth), int(total[0])


def main() -> None:
    logging.disable(logging.WARNING)
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    registry = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    print(f"scale: {entries} list entries vs {registry} registry persons")
    started = time.perf_counter()
    entries_frame, registry_frame, truth = build(entries, registry)
    print(f"  generated in {time.perf_counter() - started:.1f} s (not counted)")
    options = MatchOptions(max_block_pairs=int(sys.argv[3]) if len(sys.argv) > 3 else 5000)
    print(f"  max_block_pairs {options.max_block_pairs}")
    started = time.perf_counter()
    frames = linkage._prepare_all([entries_frame, registry_frame], options)
    prepared = time.perf_counter() - started
    print(f"  prepare + blocking keys: {prepared:.1f} s, peak {_peak_gib():.2f} GiB")
    recall, candidates = candidate_recall(frames, truth)
    print(f"  candidate pairs: {candidates}, candidate recall {recall:.4f}")
    started = time.perf_counter()
    result, _ = linkage._predict(frames, "link_only", 1 / registry, options)
    scored = time.perf_counter() - started
    best = result.sort_values("match_probability", ascending=False).drop_duplicates("unique_id_l")
    hits = sum(
        truth.get(a) == b for a, b in zip(best["unique_id_l"], best["unique_id_r"], strict=True)
    )
    print(f"  scoring (u estimation + predict): {scored:.1f} s, peak {_peak_gib():.2f} GiB")
    print(
        f"  total matching time {prepared + scored:.1f} s; best pair right for {hits / entries:.4f}"
    )


if __name__ == "__main__":
    main()
