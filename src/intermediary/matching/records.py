"""Input records and their preparation into the comparison columns the linkage model reads."""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from itertools import combinations
from typing import Any, NamedTuple

import pandas as pd
import pyarrow as pa

from intermediary.matching.fields import normalise_id_number, parse_date, parse_sex
from intermediary.matching.normalise import name_tokens, word_tokens
from intermediary.matching.skeleton import token_form


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
# typo late in a part) and the skeletons in written order ("*_cat", for an edit distance); the
# parts read the other customary way ("*_alt") are an empty list when no part reads otherwise.
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


def _texts(values: list[Any]) -> list[str | None]:
    """_text of every value, inline for plain strings (most cells): blank is "" or all space."""
    return [
        (value if value and not value.isspace() else None) if type(value) is str else _text(value)
        for value in values
    ]


def _pair_keys(tokens: Sequence[str], alternatives: Sequence[str]) -> list[str]:
    """The blocking keys of a name alone: pairs of parts, as written and read the other way,
    or the one part of a single-part name."""
    keys = [f"p{a}|{b}" for a, b in combinations(sorted(tokens), 2)]
    keys += [f"p{a}|{b}" for a, b in combinations(sorted(alternatives), 2)]
    if len(tokens) == 1:
        keys.append(f"s{tokens[0]}")
    return keys


def block_keys(
    tokens: Sequence[str],
    pair_keys: Sequence[str],
    father_tokens: Sequence[str],
    dob: tuple[int | None, int | None, int | None],
    id_no: str | None,
    places: Sequence[str],
) -> list[str]:
    """Blocking keys of one record from its parts' keys: two records become candidates if they
    share one (pair_keys: _pair_keys of the name's parts; tokens, father_tokens, places: the
    distinct keys of the first parts of the name, the father's name, the address).

    Why these keys: a pair of name skeletons survives reordered and missing parts and any
    transliteration; the year with one skeleton survives a typo in all other parts, the
    swap-proof full date with an initial a typo in every part; identity numbers, father's names
    and address parts catch the rest. (Pairs of two-letter prefixes were dropped: on the scale
    benchmark they made 2.3 of 6.9 million candidate pairs and were alone in finding 5 of
    10,000 true pairs.) Pairs of parts are also read the other way: "Галима" (G) and "حليمة"
    (H), "Osman" and "عثمان".

    A key too common to use is refined rather than dropped (linkage._candidate_pairs): by birth
    year, then month, or by a third name part, so that a name as common as "Mohammed Ahmed"
    still pairs records born in one year, or sharing a third part, instead of not at all. Two
    records sharing a single year, date or father's-name key and nothing else are not paired
    (linkage._WEAK_KEY_KINDS).
    """
    year, month, day = dob
    keys = list(pair_keys)
    if year is not None:
        prefix = f"y{year}|"
        keys += [prefix + token for token in tokens]
        if month is not None and day is not None:
            low, high = sorted((month, day))
            prefix = f"d{year}-{low}-{high}|"
            keys += [prefix + initial for initial in sorted({t[0] for t in tokens})]
    for father in father_tokens:
        prefix = f"f{father}|"
        keys += [prefix + token for token in tokens]
    if id_no:
        keys.append(f"i{id_no}")
    if len(places) > 1:
        keys += [f"a{a}|{b}" for a, b in combinations(sorted(places), 2)]
    return list(dict.fromkeys(keys))


# Names are read as _Part tuples rather than TokenForms: what every column needs of a part is
# computed once per distinct token, and what it needs of a father's name or a place once per
# distinct text.


class _Part(NamedTuple):
    """One usable name part (skeleton or romanisation not empty) as the columns read it."""

    key: str  # the skeleton, or the romanisation when there is none
    alt: str  # the key read the other customary way (TokenForm.alt), else the key
    skeleton: str  # the father's name is inserted by skeleton, not key (_prepare_row)
    roman: str


@lru_cache(maxsize=1 << 18)
def _token_part(token: str) -> _Part | None:
    """The part of one normalised token, None if unusable; cached as names repeat by token."""
    form = token_form(token)
    key = form.skeleton or form.roman
    return _Part(key, form.alt or key, form.skeleton, form.roman) if key else None


def _usable_parts(tokens: Iterable[str]) -> tuple[_Part, ...]:
    return tuple([part for part in map(_token_part, tokens) if part is not None])


@lru_cache(maxsize=1 << 16)
def _word_parts(word: str) -> tuple[_Part, ...] | None:
    """The parts of one word, None when its neighbours may change them (normalise.word_tokens)."""
    tokens = word_tokens(word)
    return None if tokens is None else _usable_parts(tokens)


def _parts(text: str | None) -> tuple[_Part, ...]:
    """The parts of a text, one per form of skeleton.name_forms(text); by word when it can."""
    if not text:
        return ()
    parts: list[_Part] = []
    for word in text.split():
        word_parts = _word_parts(word)
        if word_parts is None:
            return _usable_parts(name_tokens(text))
        parts += word_parts
    return tuple(parts)


class _Summary(NamedTuple):
    """What the prepared columns and blocking keys need of a sequence of parts.

    The lists of a cached summary (_text_summary) are shared: copy them into a cell.
    """

    parts: tuple[_Part, ...]
    key_set: list[str]  # sorted distinct keys (*_sk)
    alt_set: list[str]  # sorted distinct alternative keys (*_alt)
    prefix_set: list[str]  # sorted distinct three-letter key prefixes (*_px)
    cat: str | None  # keys in written order (*_cat)
    tokens: list[str]  # distinct keys of the first _MAX_BLOCK_TOKENS parts, in order
    pair_keys: list[str]  # _pair_keys of the parts


def _summarise(parts: tuple[_Part, ...]) -> _Summary:
    keys = [part.key for part in parts]
    alts = [part.alt for part in parts]
    key_set = sorted(set(keys))
    tokens = list(dict.fromkeys(keys[:_MAX_BLOCK_TOKENS]))
    if alts == keys:  # most names: no part has another reading
        alt_set, alternatives = key_set[:], tokens
    else:
        alt_set, alternatives = sorted(set(alts)), list(dict.fromkeys(alts[:_MAX_BLOCK_TOKENS]))
    return _Summary(
        parts,
        key_set,
        alt_set,
        sorted({key[:3] for key in keys}),
        " ".join(keys) or None,
        tokens,
        _pair_keys(tokens, alternatives if alternatives != tokens else []),
    )


def _other_reading(summary: _Summary) -> list[str] | None:
    """The *_alt cell: the parts read the other customary way; empty when that changes no part
    (most names), None when there are no parts.

    Why empty rather than a copy of *_sk: every comparison reads either side's parts both ways
    (linkage._common_parts), and an empty list costs the engine nothing where a copy costs a
    set intersection per pair; reading "no other reading" as the parts themselves gives the
    same counts.
    """
    if not summary.key_set:
        return None
    return [] if summary.alt_set == summary.key_set else list(summary.alt_set)


@lru_cache(maxsize=1 << 16)
def _text_summary(text: str | None) -> _Summary:
    """_summarise of a text, cached: fathers' names and places repeat, full names mostly not."""
    return _summarise(_parts(text))


@lru_cache(maxsize=1 << 16)
def _date(value: str | None) -> tuple[int | None, int | None, int | None]:
    """parse_date as (year, month, day), cached: dates of birth repeat in a large list."""
    date = parse_date(value)
    return date.year, date.month, date.day


def _prepare_row(
    full_name: str | None,
    father: str | None,
    dob: str | None,
    place: str | None,
    id_number: str | None,
    sex: str | None,
    address: str | None,
) -> tuple[tuple[Any, ...], list[str]]:
    """The prepared columns of one row but the blocking keys, and its blocking keys."""
    written = _parts(full_name)
    fathers = _text_summary(father)
    parts = written
    # The name chain with the father's name in second place, unless the name already has it:
    # an Arabic name is a chain (given, father's, grandfather's, family); one list writes the
    # father's name inside the full name, the other in its own column.
    if written and fathers.parts:
        first = fathers.parts[0]
        if first.skeleton not in [part.skeleton for part in written]:
            parts = (written[0], first, *written[1:])
    name = _summarise(parts)  # not cached: its lists go into the cells as they are
    date = _date(dob)
    id_no = normalise_id_number(id_number)
    address_keys = [part.key for part in _parts(address)]
    row = (
        " ".join([part.roman for part in written]) or None,
        name.key_set or None,
        _other_reading(name),
        name.prefix_set or None,
        name.cat,
        list(fathers.key_set) or None,  # copies: no two cells share a list
        _other_reading(fathers),
        fathers.cat,
        list(_text_summary(place).key_set) or None,
        sorted(set(address_keys)) or None,
        *date,
        id_no,
        parse_sex(sex),
    )
    places = list(dict.fromkeys(address_keys[:_MAX_BLOCK_TOKENS]))
    keys = block_keys(name.tokens, name.pair_keys, fathers.tokens[:2], date, id_no, places)
    return row, keys


def _column(table: pd.DataFrame, column: str) -> list[str | None]:
    if column not in table.columns:
        return [None] * len(table)
    return _texts(table[column].tolist())


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Suspend the cyclic garbage collector (process-wide) while preparing, then restore it.

    Why: preparing keeps millions of small lists (the list cells), and every full collection
    walks all of them: on 110,000 rows of the scale benchmark they took 40% of preparing. None
    of them is in a cycle, so reference counting alone frees whatever is discarded meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _prepare_chunk(columns: tuple[list[str | None], ...]) -> tuple[list[tuple[Any, ...]], bytes]:
    """Prepared rows of one chunk, their blocking keys apart as an Arrow stream.

    Blocking keys are the bulk of a record (two dozen strings): as Arrow they cross from a
    worker process as one buffer, and a million records never hold them all as Python strings.
    """
    with _gc_paused():
        prepared = [_prepare_row(*row) for row in zip(*columns, strict=True)]
        keys = pa.array([row_keys for _, row_keys in prepared], type=_KEYS_TYPE)
        rows = [row for row, _ in prepared]
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, pa.schema([("k", _KEYS_TYPE)])) as writer:
        writer.write_batch(pa.record_batch([keys], names=["k"]))
    return rows, sink.getvalue().to_pybytes()


def _assemble(
    results: list[tuple[list[tuple[Any, ...]], bytes]],
) -> tuple[pd.DataFrame, pa.ChunkedArray]:
    """The prepared rows of every chunk as one table, their blocking keys as one Arrow array.

    The list and text columns are Arrow arrays (pandas' ArrowDtype), not Python objects: the
    SQL engines read them without a conversion, they take a fraction of the memory, and the
    garbage collector has nothing to walk (on FEBRL4 a full collection over the Python lists
    of 10,000 prepared records took 0.18 s, after preparing).
    """
    rows: list[tuple[Any, ...]] = []
    key_chunks: list[pa.Array] = []
    for chunk_rows, key_bytes in results:
        rows += chunk_rows
        with pa.ipc.open_stream(key_bytes) as reader:
            key_chunks += reader.read_all().column(0).chunks
    names = PREPARED_COLUMNS[1:-1]
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    del rows
    prepared = pd.DataFrame(
        {name: _typed_column(name, values) for name, values in zip(names, columns, strict=True)}
    )
    return prepared, pa.chunked_array(key_chunks, type=_KEYS_TYPE)


def _typed_column(name: str, values: Sequence[Any]) -> Any:
    """One prepared column: an Arrow array of string lists or strings, nullable integers."""
    if name in INTEGER_COLUMNS:
        return pd.array(list(values), dtype="Int64")
    kind = _KEYS_TYPE if name in LIST_COLUMNS else pa.string()
    return pd.arrays.ArrowExtensionArray(pa.array(values, type=kind))


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
    with _gc_paused():  # here too, as the rows of every chunk gather
        if parallel and len(chunks) > 1:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                results = list(pool.map(_prepare_chunk, chunks))
        else:
            results = [_prepare_chunk(chunk) for chunk in chunks]
        prepared, keys = _assemble(results)
        del results  # the row tuples go now, not after the collector walked them
    prepared["block_keys"] = pd.Series(pd.arrays.ArrowExtensionArray(keys), index=prepared.index)
    prepared.insert(0, "unique_id", [str(identifier) for identifier in ids])
    return prepared
