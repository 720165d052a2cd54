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
