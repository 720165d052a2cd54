"""The `match` and `dedupe` subcommands of the intermediary command line."""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from intermediary.matching.linkage import BACKENDS, MatchOptions, MatchResult, dedupe, link
from intermediary.matching.tables import (
    InputError,
    LoadedTable,
    check_mapping_used,
    load_table,
    parse_mapping,
)

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INPUT = 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `match` and `dedupe` to the intermediary command line."""
    match = subparsers.add_parser(
        "match",
        help="link two lists of persons across scripts and spellings",
        description="Score candidate pairs between LEFT and RIGHT and write them to --out.",
    )
    match.add_argument("left", type=Path, help="CSV or XLSX list")
    match.add_argument("right", type=Path, help="CSV or XLSX list or registry extract")
    _add_common(match)
    match.set_defaults(func=run_match)
    dedupe_parser = subparsers.add_parser(
        "dedupe",
        help="find probable duplicates within one list",
        description="Score candidate duplicate pairs within FILE and write them to --out.",
    )
    dedupe_parser.add_argument("file", type=Path, help="CSV or XLSX list")
    _add_common(dedupe_parser)
    dedupe_parser.set_defaults(func=run_dedupe)


def _probability(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, help="pairs CSV to write")
    parser.add_argument(
        "--map",
        dest="mapping",
        default="",
        help='column mapping, e.g. "name=Full Name,dob=Birth,father=Father"',
    )
    parser.add_argument("--threshold", type=_probability, default=0.5, help="default 0.5")
    parser.add_argument(
        "--id-column", default="id", help="column identifying rows (default id; else row numbers)"
    )
    parser.add_argument("--backend", choices=BACKENDS, default="duckdb")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run_match(args: argparse.Namespace) -> int:
    """Entry point of `intermediary match`."""
    return _guarded(args, lambda bar: _match(args, bar), steps=5)


def run_dedupe(args: argparse.Namespace) -> int:
    """Entry point of `intermediary dedupe`."""
    return _guarded(args, lambda bar: _dedupe(args, bar), steps=4)


def _guarded(args: argparse.Namespace, job: Callable[[tqdm[Any]], int], steps: int) -> int:
    """Run a job with a progress bar; input problems and failures end with one clear line."""
    bar: tqdm[Any] = tqdm(total=steps, file=sys.stderr, disable=args.quiet, unit="step")
    try:
        return job(bar)
    except InputError as error:
        bar.close()
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as error:
        bar.close()
        print(f"error: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as error:  # a bug: say so in one line instead of a traceback
        bar.close()
        print(f"internal error ({type(error).__name__}): {error}", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        bar.close()


def _step(bar: tqdm[Any], label: str) -> Callable[[str], None]:
    bar.set_description(label)

    def report(message: str) -> None:
        bar.set_description(message)

    return report


def _load(path: Path, args: argparse.Namespace, bar: tqdm[Any]) -> LoadedTable:
    _step(bar, f"reading {path.name}")
    table = load_table(path, parse_mapping(args.mapping), args.id_column)
    bar.update()
    return table


def _options(args: argparse.Namespace, bar: tqdm[Any]) -> MatchOptions:
    return MatchOptions(threshold=args.threshold, backend=args.backend, progress=_step(bar, ""))


def _match(args: argparse.Namespace, bar: tqdm[Any]) -> int:
    started = time.monotonic()
    left = _load(args.left, args, bar)
    right = _load(args.right, args, bar)
    check_mapping_used(parse_mapping(args.mapping), [left, right])
    result = link(left.frame, right.frame, _options(args, bar))
    bar.update()
    _write(args.out, result.pairs)
    bar.update()
    bar.close()
    _summary([left, right], result, args, time.monotonic() - started)
    return EXIT_OK


def _dedupe(args: argparse.Namespace, bar: tqdm[Any]) -> int:
    started = time.monotonic()
    table = _load(args.file, args, bar)
    check_mapping_used(parse_mapping(args.mapping), [table])
    result = dedupe(table.frame, _options(args, bar))
    bar.update()
    _write(args.out, result.pairs)
    bar.update()
    bar.close()
    _summary([table], result, args, time.monotonic() - started)
    return EXIT_OK


def _write(path: Path, pairs: pd.DataFrame) -> None:
    pairs.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, float_format="%.6g")


def _summary(
    tables: list[LoadedTable], result: MatchResult, args: argparse.Namespace, seconds: float
) -> None:
    for table in tables:
        mapped = ", ".join(f"{k}<-{v!r}" for k, v in table.source_columns.items())
        print(f"{table.path}: {len(table.frame)} rows ({mapped})", file=sys.stderr)
        for warning in table.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    pairs = result.pairs
    lefts = pairs["left_id"].nunique() if not pairs.empty else 0
    print(
        f"{len(pairs)} pairs at probability >= {args.threshold} for {lefts} left ids, "
        f"compared on {', '.join(result.fields) or 'nothing'}; written to {args.out} "
        f"in {seconds:.1f} s",
        file=sys.stderr,
    )
