"""Linking and deduplicating small fictional lists on DuckDB, and once on Spark."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from intermediary.matching import MatchOptions, PersonRecord, dedupe, link

HELD = [
    PersonRecord(
        "h1", "يوسف عبد الرحمن حسن", father_name="أحمد", date_of_birth="1990-04-03", sex="ذكر"
    ),
    PersonRecord("h2", "فاطمة محمود سالم", date_of_birth="1985", place_of_birth="غزة"),
    PersonRecord("h3", "משה בן דוד לוי", date_of_birth="1979-11-20", id_number="301-22-4455"),
    PersonRecord("h4", "Ирина Павловна Соколова", date_of_birth="1992-02-14"),
]
SOUGHT = [
    PersonRecord(
        "s1", "Youssef Abdulrahman Hassan", father_name="Ahmad", date_of_birth="03/04/1990", sex="M"
    ),
    PersonRecord("s2", "Fatima Mahmoud Salem", date_of_birth="1985-07-01", place_of_birth="Gaza"),
    PersonRecord("s3", "Moshe Levi", date_of_birth="20.11.1979", id_number="301224455"),
    PersonRecord("s4", "Irina Sokolova", date_of_birth="1992-14-02"),
    PersonRecord("s5", "Karim Nasser Odeh", date_of_birth="1970-01-01"),
]


def _best(pairs: pd.DataFrame) -> dict[str, str]:
    best: dict[str, str] = pairs.groupby("left_id").first()["right_id"].to_dict()
    return best


def test_link_finds_each_person_across_scripts() -> None:
    result = link(HELD, SOUGHT)
    assert _best(result.pairs) == {"h1": "s1", "h2": "s2", "h3": "s3", "h4": "s4"}
    assert list(result.pairs.columns[:3]) == ["left_id", "right_id", "probability"]
    assert (result.pairs["probability"] >= 0.5).all()


def test_link_explains_each_field() -> None:
    pairs = link(HELD, SOUGHT).pairs.set_index("left_id")
    assert pairs.loc["h1", "name"] > 0
    assert pairs.loc["h1", "date_of_birth"] > 0  # day-month swap still counts for
    assert pairs.loc["h3", "id_number"] > 0
    assert pairs.loc["h2", "date_of_birth"] > 0  # partial date agrees


def test_link_orders_best_first_per_left_id() -> None:
    pairs = link(HELD, SOUGHT, MatchOptions(threshold=0.0)).pairs
    assert pairs["left_id"].drop_duplicates().tolist() == ["h1", "h2", "h3", "h4"]
    for _, group in pairs.groupby("left_id"):
        assert group["probability"].is_monotonic_decreasing


def test_name_only_table_works() -> None:
    left = pd.DataFrame({"full_name": ["Jamal Haddad", "Layla Khoury"]})
    right = pd.DataFrame({"full_name": ["جمال حداد", "Nadia Saba"]})
    pairs = link(left, right).pairs
    assert pairs[["left_id", "right_id"]].values.tolist() == [["1", "1"]]
    assert list(pairs.columns) == ["left_id", "right_id", "probability", "name"]


def test_names_in_unknown_scripts_and_empty_names_do_not_fail() -> None:
    left = [
        PersonRecord("a", "张伟"),
        PersonRecord("b", "🙂"),
        PersonRecord("c", None, date_of_birth="1990"),
    ]
    right = [PersonRecord("x", "Zhang Wei"), PersonRecord("y", "")]
    result = link(left, right, MatchOptions(threshold=0.0))
    assert set(result.pairs["left_id"]) <= {"a", "b", "c"}


def test_dedupe_finds_the_duplicate_once() -> None:
    records = [*SOUGHT, PersonRecord("s6", "Yusuf Abd al-Rahman Hasan", date_of_birth="1990-04-03")]
    pairs = dedupe(records).pairs
    assert pairs[["left_id", "right_id"]].values.tolist() == [["s1", "s6"]]


def test_empty_inputs_give_no_pairs() -> None:
    assert link([], SOUGHT).pairs.empty
    assert dedupe([PersonRecord("only")]).pairs.empty


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java")
def test_spark_backend_gives_the_same_pairs() -> None:
    duckdb_pairs = link(HELD, SOUGHT).pairs
    spark_pairs = link(HELD, SOUGHT, MatchOptions(backend="spark")).pairs
    assert (
        spark_pairs[["left_id", "right_id"]].values.tolist()
        == duckdb_pairs[["left_id", "right_id"]].values.tolist()
    )
    assert (
        spark_pairs["probability"].round(6).tolist()
        == duckdb_pairs["probability"].round(6).tolist()
    )


def test_prepared_names_are_sets_of_part_skeletons() -> None:
    from intermediary.matching.records import prepare, records_to_frame

    frame = records_to_frame([HELD[0], SOUGHT[0]])
    prepared = prepare(frame, ["h1", "s1"])
    left, right = prepared["name_sk"].tolist()
    assert left == right  # same parts in Arabic and Latin script, father's name included
    first_parts = [written.split()[0] for written in prepared["name_cat"]]
    assert first_parts[0] == first_parts[1]  # the given name leads in both, as written
    assert prepared["dob_m"].tolist() == [4, 4]


def test_a_typo_in_one_part_still_links() -> None:
    left = [PersonRecord("a", "Khalid Mansour Haddad", date_of_birth="1980-05-06")]
    right = [
        PersonRecord("x", "Khaild Mansour Hadad", date_of_birth="1980-05-06"),
        PersonRecord("y", "Karim Nasser Odeh", date_of_birth="1980-05-06"),
    ]
    pairs = link(left, right).pairs
    assert pairs[["left_id", "right_id"]].values.tolist() == [["a", "x"]]


def test_comparisons_are_native_sql_in_both_dialects() -> None:
    """DuckDB's levels call SQL macros (bodies of native functions); Spark's are spelt out."""
    from intermediary.matching.linkage import _DUCKDB_MACROS, _comparisons

    duck = str(_comparisons("duckdb")["name_sk"])
    spark = str(_comparisons("spark")["name_sk"])
    bodies = " ".join(body for _, _, body in _DUCKDB_MACROS)
    assert "im_common_parts(" in duck
    assert "list_contains" in bodies
    assert "array_contains" not in duck + bodies
    assert "array_contains" in spark
    assert "list_contains" not in spark
    assert "im_" not in spark
    assert "im_name_sim" not in duck + spark  # no Python function inside the SQL


def test_duckdb_macros_count_what_the_levels_mean() -> None:
    from intermediary.matching.linkage import _connect

    con = _connect()
    ((common, parts, bits, similarity),) = con.execute(
        "SELECT im_common(['a', 'b', 'c'], ['c', 'b', 'x']), "
        "im_common_parts(['a'], ['b'], ['b'], ['z']), "
        "im_name_bits(['a', 'b'], [3, 5], ['z'], ['b', 'q'], [4, 9], ['a']), "
        "im_edit_similarity('abcd', 'abce')"
    ).fetchall()
    con.close()
    assert (common, parts, bits, similarity) == (2, 1, 8, 0.75)


def test_training_from_the_data_keeps_the_right_pairs() -> None:
    """u by random sampling and m by EM on 1,200 generated entries, then the same decisions."""
    import random

    rng = random.Random(4)
    given = ["Omar", "Ali", "Hassan", "Yusuf", "Karim", "Sami", "Walid", "Nabil", "Fadi", "Rami"]
    family = ["Haddad", "Khoury", "Nassar", "Salem", "Mansour", "Hamdan", "Younis", "Issa"]
    people = [
        (
            f"{rng.choice(given)} {rng.choice(given)} {rng.choice(family)}",
            f"{rng.randint(1950, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        )
        for _ in range(1200)
    ]
    left = pd.DataFrame(
        {
            "id": [f"l{i}" for i in range(1200)],
            "full_name": [n for n, _ in people],
            "date_of_birth": [d for _, d in people],
        }
    )
    right = left.assign(id=[f"r{i}" for i in range(1200)]).iloc[::-1]
    result = link(left, right, MatchOptions(estimate_u=True, estimate_m=True))
    best = _best(result.pairs)
    right_share = sum(best.get(f"l{i}") == f"r{i}" for i in range(1200)) / 1200
    assert right_share > 0.95


def _candidates(frames: list[pd.DataFrame], max_pairs: int) -> set[tuple[str, str]]:
    from intermediary.matching.linkage import _candidate_pairs

    table = _candidate_pairs(frames, max_pairs)
    return {
        (left.split("-__-")[-1], right.split("-__-")[-1])
        for left, right in zip(
            table.column("join_key_l").to_pylist(),
            table.column("join_key_r").to_pylist(),
            strict=True,
        )
    }


def test_a_too_common_key_is_refined_not_dropped() -> None:
    """30 x 30 "Mohammed Ahmed" would make 900 pairs: over a cap of 100 the name pair is
    refined by birth year, so namesakes born in one year are still candidates."""
    from intermediary.matching.records import prepare

    def frame(prefix: str) -> pd.DataFrame:
        table = pd.DataFrame(
            {
                "full_name": ["Mohammed Ahmed"] * 30,
                "date_of_birth": [str(1950 + i) for i in range(30)],
            }
        )
        return prepare(table, [f"{prefix}{i}" for i in range(30)])

    pairs = _candidates([frame("l"), frame("r")], max_pairs=100)
    assert {(f"l{i}", f"r{i}") for i in range(30)} <= pairs  # same year: still candidates
    assert ("l0", "r1") not in pairs  # born in different years: not
    assert {(f"l{i}", f"r{i}") for i in range(30)} == {
        pair for pair in pairs if pair[0][1:] == pair[1][1:]
    }
    # Under a cap of 1,000 the coarse key pairs everyone.
    assert len(_candidates([frame("l"), frame("r")], max_pairs=1000)) == 900


def test_one_weak_key_alone_makes_no_candidate_pair() -> None:
    """Two records sharing only a birth year and one name part are strangers more often than
    not; a second key in common (here the father's name) makes them candidates."""
    from intermediary.matching.records import prepare

    left = prepare(
        pd.DataFrame(
            {
                "full_name": ["Omar Haddad", "Omar Haddad"],
                "father_name": [None, "Saleh"],
                "date_of_birth": ["1980", "1981"],
            }
        ),
        ["a", "b"],
    )
    right = prepare(
        pd.DataFrame(
            {
                "full_name": ["Omar Kassem", "Omar Nasser"],
                "father_name": [None, "Saleh"],
                "date_of_birth": ["1980", "1981"],
            }
        ),
        ["x", "y"],
    )
    assert _candidates([left, right], max_pairs=100) == {("b", "y")}


def test_dedupe_candidates_keep_each_pair_once_smaller_id_first() -> None:
    from intermediary.matching.records import prepare

    frame = prepare(
        pd.DataFrame({"full_name": ["Yusuf Abdel Rahman", "يوسف عبد الرحمن", "Omar Haddad"]}),
        ["z", "m", "q"],
    )
    assert _candidates([frame], max_pairs=100) == {("m", "z")}


def test_dedupe_with_many_namesakes_keeps_the_duplicate() -> None:
    records = [
        PersonRecord(f"n{i}", "Mohammed Ahmed", date_of_birth=str(1950 + i)) for i in range(60)
    ]
    records.append(PersonRecord("dup", "Muhammad Ahmad", date_of_birth="1955"))
    pairs = dedupe(records, MatchOptions(max_block_pairs=200, threshold=0.0)).pairs
    found = {tuple(sorted(pair)) for pair in pairs[["left_id", "right_id"]].values.tolist()}
    assert ("dup", "n5") in found


def test_preparing_in_worker_processes_gives_the_same_records() -> None:
    from intermediary.matching.records import prepare

    frame = pd.DataFrame(
        {
            "full_name": ["يوسف عبد الرحمن", "Yusuf Abdel Rahman", "Юсуф Абдуррахман", "Omar"] * 5,
            "date_of_birth": ["1980-04-03", "03/04/1980", None, "1990"] * 5,
        }
    )
    ids = [str(index) for index in range(len(frame))]
    alone = prepare(frame, ids, workers=1)
    spread = prepare(frame, ids, workers=2, parallel_min_rows=1)
    # Keys too, in the same order: no key order follows a set's iteration, which differs
    # between processes (each worker hashes strings with its own seed).
    assert alone.equals(spread)


def test_u_from_random_pairs_leaves_out_the_matches_among_them() -> None:
    from intermediary.matching.linkage import _unmix_u

    def level(m: float) -> dict[str, object]:
        return {"sql_condition": "x", "m_probability": m, "u_probability": 0.3}

    levels = [{"sql_condition": "x IS NULL", "is_null_level": True}]
    levels += [level(0.4), level(0.01), level(0.5), level(0.09)]
    model = {
        "probability_two_random_records_match": 1 / 4000,
        "comparisons": [{"output_column_name": "name", "comparison_levels": levels}],
    }
    # Shares among random pairs; the last level was never sampled.
    shares: dict[str, list[float | None]] = {"name": [None, 0.0001, 0.5, 0.00005, None]}
    unmixed = _unmix_u(model, shares, sampled_pairs=1_000_000)
    strong, common, unseen, unsampled = unmixed["comparisons"][0]["comparison_levels"][1:]
    # 0.0001 of random pairs, of which 0.4 / 4000 = 0.0001 are matches: next to no non-match.
    assert strong["u_probability"] == pytest.approx(0.5 / 1_000_000)
    assert common["u_probability"] == pytest.approx((0.5 - 0.01 / 4000) / (1 - 1 / 4000))
    assert unseen["u_probability"] == pytest.approx(0.5 / 1_000_000)
    assert unsampled["u_probability"] == 0.3  # keeps its built-in value
    assert levels[1]["u_probability"] == 0.3  # the model passed in is left as it was


def test_u_shares_count_each_level_of_random_pairs_once() -> None:
    """One pass over sampled random pairs gives every comparison's level shares, summing to 1
    over the levels that are not "missing"."""
    from intermediary.matching.linkage import (
        _mark_part_information,
        _random_pair_shares,
        _settings,
        _used_columns,
    )
    from intermediary.matching.records import prepare

    def frame(prefix: str, count: int) -> pd.DataFrame:
        table = pd.DataFrame(
            {
                "full_name": [
                    f"Omar Haddad {i % 7}" if i % 3 else "Layla Khoury" for i in range(count)
                ],
                "date_of_birth": [f"19{60 + i % 30}-0{1 + i % 9}-1{i % 10}" for i in range(count)],
                "sex": [None if i % 4 == 0 else "F" for i in range(count)],
            }
        )
        return prepare(table, [f"{prefix}{i}" for i in range(count)])

    frames = [frame("l", 300), frame("r", 400)]
    _mark_part_information(frames)
    settings = _settings("link_only", _used_columns(frames), 0.01, [], "duckdb")
    shares, sampled = _random_pair_shares(frames, settings, MatchOptions(u_sample_pairs=10_000))
    assert 9_000 <= sampled <= 11_000
    assert set(shares) == {"name", "date_of_birth", "sex"}
    for values in shares.values():
        assert values[0] is None  # the "missing" level has no share
        assert sum(v for v in values if v is not None) == pytest.approx(1.0)
    # Sex is "F" on both sides whenever present: every sampled pair with both present is "same".
    assert shares["sex"][1] == pytest.approx(1.0)
    # The Spark backend's model is sampled the same way (the sample is counted in DuckDB).
    spark_settings = _settings("link_only", _used_columns(frames), 0.01, [], "spark")
    options = MatchOptions(u_sample_pairs=10_000)
    assert _random_pair_shares(frames, spark_settings, options) == (shares, sampled)


def test_rule_pairs_counts_the_pairs_em_would_read() -> None:
    from intermediary.matching.linkage import _rule_pairs

    def dates(*values: tuple[int | None, int | None, int | None]) -> pd.DataFrame:
        frame = pd.DataFrame(values, columns=["dob_y", "dob_m", "dob_d"])
        return frame.astype("Int64").assign(name_cat=["A B"] * len(values))

    left = dates((1980, 1, 5), (1980, 1, 5), (None, 2, 5), (1990, 3, None))
    right = dates((1980, 1, 5), (1990, 3, 1))
    rule = ("dob_y", "dob_m", "dob_d")
    assert _rule_pairs([left, right], rule) == 2  # a missing part pairs nothing
    assert _rule_pairs([left], rule) == 1
    assert _rule_pairs([left, right], ("name_cat",)) == 8
