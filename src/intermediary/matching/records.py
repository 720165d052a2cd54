"""Input records and their preparation into the comparison columns the linkage model reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from itertools import combinations
from typing import Any

import pandas as pd

from intermediary.matching.fields import normalise_id_number, parse_date, parse_sex
from intermediary.matching.similarity import encode_forms
from intermediary.matching.skeleton import TokenForm, name_forms


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One entry of a list or the registry, every field optional except the id."""

    id: str
    full_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    father_name: str | None = None
    date_of_birth: str | None = None
    place_of_birth: str | None = None
    id_number: str | None = None
    sex: str | None = None
    address: str | None = None


INPUT_COLUMNS: tuple[str, ...] = tuple(field.name for field in fields(PersonRecord))
NAME_COLUMNS: tuple[str, ...] = ("full_name", "given_name", "family_name")

# Prepared columns; the comparisons in linkage.py read these.
PREPARED_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "name",
    "father",
    "pob",
    "address",
    "dob_y",
    "dob_m",
    "dob_d",
    "id_no",
    "sex",
    "block_keys",
)

# Name parts beyond this many add nothing to blocking but multiply its keys.
_MAX_BLOCK_TOKENS = 6


def records_to_frame(records: Iterable[PersonRecord]) -> pd.DataFrame:
    """Records as a table with the input columns."""
    rows = [asdict(record) for record in records]
    return pd.DataFrame(rows, columns=list(INPUT_COLUMNS), dtype=object)


def _text(value: Any) -> str | None:
    """Cell value as text; None for missing (NaN, None, blank)."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    text = str(value)
    return text if text.strip() else None


def _full_name(row: dict[str, Any]) -> str | None:
    full = _text(row.get("full_name"))
    if full:
        return full
    parts = [_text(row.get(column)) for column in ("given_name", "family_name")]
    joined = " ".join(part for part in parts if part)
    return joined or None


def _forms(value: str | None) -> tuple[TokenForm, ...]:
    return name_forms(value) if value else ()


def _skeletons(forms: Sequence[TokenForm]) -> list[str]:
    seen: list[str] = []
    for form in forms[:_MAX_BLOCK_TOKENS]:
        key = form.skeleton or form.roman
        if key and key not in seen:
            seen.append(key)
    return seen


def block_keys(
    name: Sequence[TokenForm],
    father: Sequence[TokenForm],
    dob: tuple[int | None, int | None, int | None],
    id_no: str | None,
    address: Sequence[TokenForm] = (),
) -> list[str]:
    """Blocking keys of one record: two records become candidates if they share one.

    Why these keys: a pair of name skeletons survives reordered and missing parts and any
    transliteration; the two-letter prefixes survive a typo late in a word; the year with one
    skeleton, and the swap-proof full date with an initial, survive a typo in every name part;
    identity numbers and father's names catch the rest.
    """
    tokens = _skeletons(name)
    keys = [f"p{a}|{b}" for a, b in combinations(sorted(tokens), 2)]
    keys += [f"q{a}|{b}" for a, b in combinations(sorted({t[:2] for t in tokens}), 2)]
    if len(tokens) == 1:
        keys.append(f"s{tokens[0]}")
    year, month, day = dob
    if year is not None:
        keys += [f"y{year}|{token}" for token in tokens]
        if month is not None and day is not None:
            low, high = sorted((month, day))
            keys += [f"d{year}-{low}-{high}|{initial}" for initial in {t[0] for t in tokens}]
    father_tokens = _skeletons(father)[:2]
    keys += [f"f{f}|{token}" for f in father_tokens for token in tokens]
    if id_no:
        keys.append(f"i{id_no}")
    places = _skeletons(address)
    keys += [f"a{a}|{b}" for a, b in combinations(sorted(places), 2)]
    return list(dict.fromkeys(keys))


def with_father(name: Sequence[TokenForm], father: Sequence[TokenForm]) -> tuple[TokenForm, ...]:
    """The name chain with the father's name in second place, unless the name already has it.

    Why: an Arabic name is a chain (given, father's, grandfather's, family); one list writes
    the father's name inside the full name, the other in its own column.
    """
    if not name or not father:
        return tuple(name)
    present = {form.skeleton for form in name}
    missing = [form for form in father[:1] if form.skeleton not in present]
    return (name[0], *missing, *name[1:])


def _prepare_row(row: dict[str, Any]) -> dict[str, Any]:
    father_forms = _forms(_text(row.get("father_name")))
    name_forms_ = with_father(_forms(_full_name(row)), father_forms)
    date = parse_date(_text(row.get("date_of_birth")))
    id_no = normalise_id_number(_text(row.get("id_number")))
    address_forms = _forms(_text(row.get("address")))
    return {
        "name": encode_forms(name_forms_) or None,
        "father": encode_forms(father_forms) or None,
        "pob": encode_forms(_forms(_text(row.get("place_of_birth")))) or None,
        "address": encode_forms(address_forms) or None,
        "dob_y": date.year,
        "dob_m": date.month,
        "dob_d": date.day,
        "id_no": id_no,
        "sex": parse_sex(_text(row.get("sex"))),
        "block_keys": block_keys(
            name_forms_, father_forms, (date.year, date.month, date.day), id_no
        ),
    }


def prepare(table: pd.DataFrame, ids: Sequence[str]) -> pd.DataFrame:
    """Comparison columns for every row of an input table (columns named as INPUT_COLUMNS)."""
    columns = [column for column in INPUT_COLUMNS if column in table.columns]
    rows: list[dict[str, Any]] = [
        {str(key): value for key, value in row.items()} for row in table[columns].to_dict("records")
    ]
    prepared = pd.DataFrame([_prepare_row(row) for row in rows])
    if prepared.empty:
        prepared = pd.DataFrame(columns=[c for c in PREPARED_COLUMNS if c != "unique_id"])
    prepared.insert(0, "unique_id", [str(identifier) for identifier in ids])
    for column in ("dob_y", "dob_m", "dob_d"):
        prepared[column] = prepared[column].astype("Int64")
    return prepared
