"""Input records and their preparation into the comparison columns the linkage model reads."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, fields
from itertools import combinations
from typing import Any

import pandas as pd
import pyarrow as pa

from intermediary.matching.fields import normalise_id_number, parse_date, parse_sex
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

# Prepared columns; the comparisons in linkage.py read these. Names are compared in the SQL
# engine on sets of part skeletons ("*_sk"), their three-letter prefixes ("*_px", which survive a
# typo late in a part) and the skeletons in written order ("*_cat", for an edit distance).
PREPARED_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "name_text",
    "name_sk",
    "name_alt",
    "name_px",
    "name_cat",
    "father_sk",
    "father_alt",
    "father_cat",
    "pob_sk",
    "address_sk",
    "dob_y",
    "dob_m",
    "dob_d",
    "id_no",
    "sex",
    "block_keys",
)
LIST_COLUMNS: frozenset[str] = frozenset(
    {
        "name_sk",
        "name_alt",
        "name_px",
        "father_sk",
        "father_alt",
        "pob_sk",
        "address_sk",
        "block_keys",
    }
)
INTEGER_COLUMNS: frozenset[str] = frozenset({"dob_y", "dob_m", "dob_d"})
# Lists of integers: the information (bits) of each name part, aligned with name_sk.
INTEGER_LIST_COLUMNS: frozenset[str] = frozenset({"name_bits"})

_CHUNK = 20_000
_KEYS_TYPE = pa.list_(pa.string())
# Below this many rows, starting worker processes (about a second) costs more than it saves.
PARALLEL_MIN_ROWS = 100_000

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


def _forms(value: str | None) -> tuple[TokenForm, ...]:
    return name_forms(value) if value else ()


def _skeletons(forms: Sequence[TokenForm]) -> list[str]:
    seen: list[str] = []
    for form in forms[:_MAX_BLOCK_TOKENS]:
        key = form.skeleton or form.roman
        if key and key not in seen:
            seen.append(key)
    return seen


def _alternatives(forms: Sequence[TokenForm]) -> list[str]:
    """Part skeletons read the other customary way (skeleton.TokenForm.alt), when any differs."""
    primary = _skeletons(forms)
    alternative: list[str] = []
    for form in forms[:_MAX_BLOCK_TOKENS]:
        key = form.alt or form.skeleton or form.roman
        if key and key not in alternative:
            alternative.append(key)
    return alternative if alternative != primary else []


def block_keys(
    name: Sequence[TokenForm],
    father: Sequence[TokenForm],
    dob: tuple[int | None, int | None, int | None],
    id_no: str | None,
    address: Sequence[TokenForm] = (),
) -> list[str]:
    """Blocking keys of one record: two records become candidates if they share one.

    Why these keys: a pair of name skeletons survives reordered and missing parts and any
    transliteration; the year with one skeleton survives a typo in all other parts, the
    swap-proof full date with an initial a typo in every part; identity numbers, father's names
    and address parts catch the rest. (Pairs of two-letter prefixes were dropped: on the scale
    benchmark they made 2.3 of 6.9 million candidate pairs and were alone in finding 5 of
    10,000 true pairs.)

    A key too common to use is refined rather than dropped (linkage._cap_block_keys): by birth
    year, then month, or by a third name part, so that a name as common as "Mohammed Ahmed"
    still pairs records born in one year, or sharing a third part, instead of not at all.
    """
    tokens = _skeletons(name)
    year, month, day = dob
    keys = [f"p{a}|{b}" for a, b in combinations(sorted(tokens), 2)]
    # Pairs of parts read the other way: "Галима" (G) and "حليمة" (H), "Osman" and "عثمان".
    keys += [f"p{a}|{b}" for a, b in combinations(sorted(_alternatives(name)), 2)]
    if len(tokens) == 1:
        keys.append(f"s{tokens[0]}")
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


def _part_keys(forms: Sequence[TokenForm]) -> list[str]:
    """The comparable key of each part: its skeleton, or its romanisation when it has none."""
    return [form.skeleton or form.roman for form in forms if form.skeleton or form.roman]


def _usable(forms: Sequence[TokenForm]) -> list[TokenForm]:
    return [form for form in forms if form.skeleton or form.roman]


def _alternative_keys(forms: Sequence[TokenForm], keys: Sequence[str]) -> list[str]:
    """Each part's key read the other customary way (TokenForm.alt), in the order of keys."""
    return [form.alt or key for form, key in zip(_usable(forms), keys, strict=True)]


def _key_set(keys: Sequence[str]) -> list[str] | None:
    return sorted(set(keys)) or None


def _prepare_row(
    full_name: str | None,
    father: str | None,
    dob: str | None,
    place: str | None,
    id_number: str | None,
    sex: str | None,
    address: str | None,
) -> tuple[Any, ...]:
    father_forms = _forms(father)
    written = _forms(full_name)
    name_forms_ = with_father(written, father_forms)
    date = parse_date(dob)
    id_no = normalise_id_number(id_number)
    address_forms = _forms(address)
    name_keys = _part_keys(name_forms_)
    father_keys = _part_keys(father_forms)
    return (
        " ".join(form.roman for form in written) or None,
        _key_set(name_keys),
        _key_set(_alternative_keys(name_forms_, name_keys)),
        _key_set([key[:3] for key in name_keys]),
        " ".join(name_keys) or None,
        _key_set(father_keys),
        _key_set(_alternative_keys(father_forms, father_keys)),
        " ".join(father_keys) or None,
        _key_set(_part_keys(_forms(place))),
        _key_set(_part_keys(address_forms)),
        date.year,
        date.month,
        date.day,
        id_no,
        parse_sex(sex),
        block_keys(
            name_forms_, father_forms, (date.year, date.month, date.day), id_no, address_forms
        ),
    )


def _column(table: pd.DataFrame, column: str) -> list[str | None]:
    if column not in table.columns:
        return [None] * len(table)
    return [_text(value) for value in table[column].tolist()]


def _prepare_chunk(columns: tuple[list[str | None], ...]) -> tuple[list[tuple[Any, ...]], bytes]:
    """Prepared rows of one chunk, their blocking keys apart as an Arrow stream.

    Blocking keys are the bulk of a record (two dozen strings): as Arrow they cross from a
    worker process as one buffer, and a million records never hold them all as Python strings.
    """
    prepared = [_prepare_row(*row) for row in zip(*columns, strict=True)]
    keys = pa.array([row[-1] for row in prepared], type=_KEYS_TYPE)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, pa.schema([("k", _KEYS_TYPE)])) as writer:
        writer.write_batch(pa.record_batch([keys], names=["k"]))
    return [row[:-1] for row in prepared], sink.getvalue().to_pybytes()


def prepare(
    table: pd.DataFrame,
    ids: Sequence[str],
    workers: int = 1,
    parallel_min_rows: int = PARALLEL_MIN_ROWS,
) -> pd.DataFrame:
    """Comparison columns for every row of an input table (columns named as INPUT_COLUMNS).

    With workers > 1 and at least parallel_min_rows rows, chunks are prepared in that many
    processes: normalising, skeletons and blocking keys are pure Python, about 0.1 ms a record,
    so a million-person registry takes minutes on one core. Processes are spawned, not forked:
    the caller may be a threaded web or task worker.
    """
    full = _column(table, "full_name")
    given = _column(table, "given_name")
    family = _column(table, "family_name")
    names = [
        f or (" ".join(part for part in (g, s) if part) or None)
        for f, g, s in zip(full, given, family, strict=True)
    ]
    columns = (
        names,
        _column(table, "father_name"),
        _column(table, "date_of_birth"),
        _column(table, "place_of_birth"),
        _column(table, "id_number"),
        _column(table, "sex"),
        _column(table, "address"),
    )
    parallel = workers > 1 and len(names) >= parallel_min_rows
    size = min(_CHUNK, max(1, -(-len(names) // workers))) if parallel else _CHUNK
    bounds = [(start, min(start + size, len(names))) for start in range(0, len(names), size)]
    chunks = [tuple(column[start:stop] for column in columns) for start, stop in bounds]
    if parallel and len(chunks) > 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(_prepare_chunk, chunks))
    else:
        results = [_prepare_chunk(chunk) for chunk in chunks]
    rows: list[tuple[Any, ...]] = []
    key_chunks: list[pa.Array] = []
    for chunk_rows, key_bytes in results:
        rows += chunk_rows
        with pa.ipc.open_stream(key_bytes) as reader:
            key_chunks += reader.read_all().column(0).chunks
    prepared = pd.DataFrame(rows, columns=list(PREPARED_COLUMNS[1:-1]), dtype=object)
    keys = pa.chunked_array(key_chunks, type=_KEYS_TYPE)
    prepared["block_keys"] = pd.Series(pd.arrays.ArrowExtensionArray(keys), index=prepared.index)
    prepared.insert(0, "unique_id", [str(identifier) for identifier in ids])
    for column in INTEGER_COLUMNS:
        prepared[column] = prepared[column].astype("Int64")
    return prepared
