"""Fellegi-Sunter linkage of prepared records with Splink, on DuckDB or Spark."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

import duckdb
import pandas as pd
import pyarrow as pa

from intermediary.matching.records import PersonRecord, prepare, records_to_frame
from intermediary.matching.similarity import encoded_similarity

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "spark")
SIMILARITY_FUNCTION = "im_name_sim"

TableInput: TypeAlias = "pd.DataFrame | Sequence[PersonRecord]"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class MatchOptions:
    """How to link: threshold on the match probability, backend, and blocking budget.

    max_block_pairs: a blocking key shared by more pairs than this is dropped (a name as common
    as "Mohammed" in one year); other keys of the same records still pair them.
    estimate_u: learn the chance of agreement among non-matches from random pairs of the data;
    None means when both sides have at least 200 rows (below, the built-in values are steadier).
    """

    threshold: float = 0.5
    backend: Backend = "duckdb"
    max_block_pairs: int = 5000
    estimate_u: bool | None = None
    u_sample_pairs: int = 50_000
    progress: Progress | None = None


@dataclass
class MatchResult:
    """Scored candidate pairs, best first per left id, with one weight column per field."""

    pairs: pd.DataFrame
    fields: list[str] = field(default_factory=list)
    candidate_pairs: int = 0


# Comparison levels: (label, SQL condition, m, u). The m and u values are the model's starting
# point, set from the cross-script benchmark; u is re-estimated from the data when it is large
# enough. Conditions use only SQL that DuckDB and Spark both understand.
Level = tuple[str, str, float, float]


def _similarity_levels(column: str, steps: Sequence[tuple[float, float, float]]) -> list[Level]:
    sim = f"{SIMILARITY_FUNCTION}({column}_l, {column}_r)"
    levels = [(f"{column} similarity >= {t}", f"{sim} >= {t}", m, u) for t, m, u in steps]
    return levels


_DOB_PRESENT = "dob_y_l IS NOT NULL AND dob_m_l IS NOT NULL AND dob_d_l IS NOT NULL AND " + (
    "dob_y_r IS NOT NULL AND dob_m_r IS NOT NULL AND dob_d_r IS NOT NULL"
)
_DOB_LEVELS: list[Level] = [
    (
        "exact date",
        f"{_DOB_PRESENT} AND dob_y_l = dob_y_r AND dob_m_l = dob_m_r AND dob_d_l = dob_d_r",
        0.80,
        0.0002,
    ),
    (
        "day and month swapped",
        f"{_DOB_PRESENT} AND dob_y_l = dob_y_r AND dob_m_l = dob_d_r AND dob_d_l = dob_m_r",
        0.04,
        0.00005,
    ),
    (
        "two of three parts equal",
        f"{_DOB_PRESENT} AND ((dob_y_l = dob_y_r AND dob_m_l = dob_m_r) OR "
        "(dob_y_l = dob_y_r AND dob_d_l = dob_d_r) OR (dob_m_l = dob_m_r AND dob_d_l = dob_d_r))",
        0.06,
        0.004,
    ),
    (
        "partial dates agree",
        "dob_y_l = dob_y_r AND (dob_m_l IS NULL OR dob_m_r IS NULL OR dob_m_l = dob_m_r) AND "
        "(dob_d_l IS NULL OR dob_d_r IS NULL OR dob_d_l = dob_d_r)",
        0.05,
        0.01,
    ),
    ("year within one", "abs(dob_y_l - dob_y_r) <= 1", 0.02, 0.04),
]


def _comparison(
    name: str, null_sql: str, levels: Sequence[Level], else_m: float, else_u: float
) -> dict[str, Any]:
    comparison_levels: list[dict[str, Any]] = [
        {"sql_condition": null_sql, "label_for_charts": "missing", "is_null_level": True}
    ]
    comparison_levels += [
        {"sql_condition": sql, "label_for_charts": label, "m_probability": m, "u_probability": u}
        for label, sql, m, u in levels
    ]
    comparison_levels.append(
        {
            "sql_condition": "ELSE",
            "label_for_charts": "different",
            "m_probability": else_m,
            "u_probability": else_u,
        }
    )
    return {"output_column_name": name, "comparison_levels": comparison_levels}


def _null(column: str) -> str:
    return f"{column}_l IS NULL OR {column}_r IS NULL"


def _comparisons() -> dict[str, dict[str, Any]]:
    """Every comparison the model knows, keyed by the prepared column it needs."""
    return {
        "name": _comparison(
            "name",
            _null("name"),
            _similarity_levels(
                "name",
                [
                    (0.985, 0.45, 0.0002),
                    (0.95, 0.25, 0.001),
                    (0.9, 0.15, 0.004),
                    (0.82, 0.08, 0.02),
                    (0.72, 0.04, 0.08),
                ],
            ),
            0.03,
            0.8948,
        ),
        "father": _comparison(
            "father_name",
            _null("father"),
            _similarity_levels("father", [(0.92, 0.85, 0.02), (0.8, 0.08, 0.05)]),
            0.07,
            0.93,
        ),
        "dob_y": _comparison(
            "date_of_birth", "dob_y_l IS NULL OR dob_y_r IS NULL", _DOB_LEVELS, 0.03, 0.9458
        ),
        "pob": _comparison(
            "place_of_birth",
            _null("pob"),
            _similarity_levels("pob", [(0.9, 0.85, 0.05), (0.75, 0.05, 0.05)]),
            0.1,
            0.9,
        ),
        "id_no": _comparison(
            "id_number",
            _null("id_no"),
            [
                ("exact", "id_no_l = id_no_r", 0.9, 0.000001),
                ("up to two edits", "levenshtein(id_no_l, id_no_r) <= 2", 0.06, 0.001),
            ],
            0.04,
            0.998999,
        ),
        "sex": _comparison("sex", _null("sex"), [("same", "sex_l = sex_r", 0.98, 0.5)], 0.02, 0.5),
        "address": _comparison(
            "address",
            _null("address"),
            _similarity_levels(
                "address", [(0.95, 0.6, 0.0005), (0.85, 0.2, 0.005), (0.7, 0.1, 0.05)]
            ),
            0.15,
            0.979,
        ),
    }


def _settings(
    link_type: str, columns: Sequence[str], prior: float, blocking: Sequence[Any]
) -> dict[str, Any]:
    comparisons = [spec for column, spec in _comparisons().items() if column in columns]
    return {
        "link_type": link_type,
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": prior,
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": list(blocking),
        "retain_intermediate_calculation_columns": True,
        "retain_matching_columns": False,
        "additional_columns_to_retain": [],
    }


def _as_frame(table: TableInput) -> pd.DataFrame:
    if isinstance(table, pd.DataFrame):
        return table
    return records_to_frame(table)


def _ids(frame: pd.DataFrame) -> list[str]:
    if "id" in frame.columns:
        return [str(value) for value in frame["id"]]
    return [str(index + 1) for index in range(len(frame))]


def _used_columns(frames: Sequence[pd.DataFrame]) -> list[str]:
    """Compare a field only when every input has it somewhere: else it can only add noise."""
    candidates = ["name", "father", "dob_y", "pob", "id_no", "sex", "address"]
    return [c for c in candidates if all(frame[c].notna().any() for frame in frames)]


def _cap_block_keys(frames: Sequence[pd.DataFrame], max_pairs: int) -> None:
    """Drop, in place, the blocking keys that would pair more than max_pairs records."""
    con = duckdb.connect()
    counts: list[pd.DataFrame] = []
    for index, frame in enumerate(frames):
        exploded = frame[["block_keys"]].explode("block_keys").dropna()
        con.register(f"keys_{index}", exploded)
        counts.append(
            con.execute(
                f"SELECT block_keys AS k, count(*) AS n FROM keys_{index} GROUP BY 1"  # noqa: S608
            ).df()
        )
    if len(frames) == 1:
        sizes = counts[0].assign(pairs=counts[0]["n"] * (counts[0]["n"] - 1) / 2)
    else:
        sizes = counts[0].merge(counts[1], on="k", suffixes=("_l", "_r"))
        sizes["pairs"] = sizes["n_l"] * sizes["n_r"]
    too_big = set(sizes.loc[sizes["pairs"] > max_pairs, "k"])
    con.close()
    if not too_big:
        return
    for frame in frames:
        frame["block_keys"] = [
            [k for k in keys if k not in too_big] for keys in frame["block_keys"]
        ]


def _similarity_batch(left: pa.Array, right: pa.Array) -> pa.Array:
    return pa.array(
        [
            encoded_similarity(a, b)
            for a, b in zip(left.to_pylist(), right.to_pylist(), strict=True)
        ],
        type=pa.float64(),
    )


def _duckdb_api() -> Any:
    from splink import DuckDBAPI

    con = duckdb.connect()
    con.create_function(  # type: ignore[call-overload]  # the stubs lack the "arrow" literal
        SIMILARITY_FUNCTION,
        _similarity_batch,
        ["VARCHAR", "VARCHAR"],
        "DOUBLE",
        type="arrow",
        null_handling="special",
    )
    return DuckDBAPI(connection=con)


def _register_tables(db_api: Any, frames: Sequence[pd.DataFrame], backend: Backend) -> list[Any]:
    names = ["list_left", "list_right"][: len(frames)]
    if backend == "spark":
        from intermediary.matching.spark import to_spark_frame

        tables = [to_spark_frame(db_api.spark, frame) for frame in frames]
    else:
        tables = [pa.Table.from_pandas(frame, preserve_index=False) for frame in frames]
    return [
        db_api.register(table, dataset_display_name=name)
        for table, name in zip(tables, names, strict=True)
    ]


def _db_api(backend: Backend) -> Any:
    if backend == "spark":
        from intermediary.matching.spark import spark_api

        return spark_api()
    return _duckdb_api()


def _report(options: MatchOptions, message: str) -> None:
    if options.progress is not None:
        options.progress(message)


def _predict(
    frames: list[pd.DataFrame], link_type: str, prior: float, options: MatchOptions
) -> tuple[pd.DataFrame, list[str]]:
    from splink import Linker, block_on

    used = _used_columns(frames)
    comparisons = [spec["output_column_name"] for c, spec in _comparisons().items() if c in used]
    blocking = [block_on("block_keys", arrays_to_explode=["block_keys"])]
    db_api = _db_api(options.backend)
    tables = _register_tables(db_api, frames, options.backend)
    settings = _settings(link_type, used, prior, blocking)
    linker = Linker(tables if len(tables) > 1 else tables[0], settings, log_level=None)
    if _should_estimate_u(frames, options):
        _report(options, "estimating u from random pairs")
        linker.training.estimate_u_using_random_sampling(max_pairs=options.u_sample_pairs, seed=1)
    _report(options, "scoring candidate pairs")
    predictions = linker.inference.predict(threshold_match_probability=options.threshold)
    result: pd.DataFrame = predictions.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    return result, comparisons


def _should_estimate_u(frames: Sequence[pd.DataFrame], options: MatchOptions) -> bool:
    if options.estimate_u is not None:
        return options.estimate_u
    return all(len(frame) >= 200 for frame in frames)


def _explain(result: pd.DataFrame, comparisons: Sequence[str], swap: pd.Series) -> pd.DataFrame:
    left = result["unique_id_l"].where(~swap, result["unique_id_r"])
    right = result["unique_id_r"].where(~swap, result["unique_id_l"])
    out = pd.DataFrame(
        {
            "left_id": left.astype(str),
            "right_id": right.astype(str),
            "probability": result["match_probability"].astype(float),
        }
    )
    for name in comparisons:
        column = f"mw_{name}"
        weights = result[column] if column in result.columns else pd.Series(0.0, index=result.index)
        out[name] = weights.astype(float).fillna(0.0).round(4)
    return out


def _order(pairs: pd.DataFrame, left_ids: Sequence[str]) -> pd.DataFrame:
    rank = {identifier: index for index, identifier in enumerate(dict.fromkeys(left_ids))}
    pairs = pairs.assign(_rank=pairs["left_id"].map(rank))
    pairs = pairs.sort_values(["_rank", "probability", "right_id"], ascending=[True, False, True])
    return pairs.drop(columns="_rank").reset_index(drop=True)


def _prepare_all(tables: Sequence[TableInput], options: MatchOptions) -> list[pd.DataFrame]:
    frames = []
    for table in tables:
        frame = _as_frame(table)
        frames.append(prepare(frame, _ids(frame)))
        _report(options, f"prepared {len(frame)} rows")
    _cap_block_keys(frames, options.max_block_pairs)
    return frames


def link(left: TableInput, right: TableInput, options: MatchOptions | None = None) -> MatchResult:
    """Score every candidate pair between two lists; pairs below the threshold are left out."""
    options = options or MatchOptions()
    frames = _prepare_all([left, right], options)
    if any(frame.empty for frame in frames):
        return MatchResult(pairs=_empty_pairs([]), fields=[])
    prior = 1.0 / max(len(frames[0]), len(frames[1]), 2)
    result, comparisons = _predict(frames, "link_only", prior, options)
    if result.empty:
        return MatchResult(pairs=_empty_pairs(comparisons), fields=comparisons)
    swap = result["source_dataset_l"] != "list_left"
    pairs = _order(_explain(result, comparisons, swap), frames[0]["unique_id"].tolist())
    return MatchResult(pairs=pairs, fields=comparisons, candidate_pairs=len(result))


def dedupe(table: TableInput, options: MatchOptions | None = None) -> MatchResult:
    """Score candidate duplicate pairs within one list; each pair appears once."""
    options = options or MatchOptions()
    frames = _prepare_all([table], options)
    if len(frames[0]) < 2:
        return MatchResult(pairs=_empty_pairs([]), fields=[])
    prior = min(0.2 / len(frames[0]), 0.5)
    result, comparisons = _predict(frames, "dedupe_only", prior, options)
    if result.empty:
        return MatchResult(pairs=_empty_pairs(comparisons), fields=comparisons)
    swap = pd.Series(False, index=result.index)
    pairs = _order(_explain(result, comparisons, swap), frames[0]["unique_id"].tolist())
    return MatchResult(pairs=pairs, fields=comparisons, candidate_pairs=len(result))


def _empty_pairs(comparisons: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=["left_id", "right_id", "probability", *comparisons])
