"""The `import` subcommand: import a person file into a dossier as a named user, with a
progress bar. Same service as the web upload (same checks, same audit), run in-process."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REJECTED = 2
SHOWN_ERRORS = 50


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `import` to the intermediary command line."""
    parser = subparsers.add_parser(
        "import",
        help="import a CSV or XLSX list of persons into a dossier (all rows or none)",
        description=(
            "Validate FILE and import every row into the dossier, or nothing if any row has "
            "an error. Acts as --as USERNAME (or $INTERMEDIARY_USER): audited as that user."
        ),
    )
    parser.add_argument("file", type=Path, help="CSV or XLSX file (columns: docs/imports.md)")
    parser.add_argument("--dossier", required=True, help="dossier reference, e.g. DOS-2026-001")
    parser.add_argument(
        "--encoding",
        default="",
        help="encoding of a CSV without BOM that is not UTF-8, e.g. windows-1256",
    )
    parser.add_argument(
        "--as",
        dest="username",
        default=os.environ.get("INTERMEDIARY_USER", ""),
        help="acting user (default: $INTERMEDIARY_USER)",
    )
    parser.add_argument("--errors", type=Path, help="write the full error report to this CSV")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run_import)


def _fail(message: str, code: int = EXIT_REJECTED) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def run_import(args: argparse.Namespace) -> int:
    """Entry point of `intermediary import`."""
    from intermediary.cli import _setup_django

    _setup_django()
    if not args.username:
        return _fail("name the acting user with --as USERNAME (or set INTERMEDIARY_USER)")
    if not args.file.is_file():
        return _fail(f"no such file: {args.file}")
    from intermediary.accounts.models import User

    user = User.objects.filter(username=args.username, is_active=True).first()
    if user is None:
        return _fail(f"no active user {args.username!r}")
    dossier = _dossier(user, args.dossier)
    if dossier is None:
        return _fail(f"no dossier {args.dossier!r} that {args.username} may see")
    return _run(args, user, dossier)


def _dossier(user: Any, reference: str) -> Any:
    from intermediary.dossiers.selectors import dossier_list

    return dossier_list(user=user).filter(reference=reference).first()


def _run(args: argparse.Namespace, user: Any, dossier: Any) -> int:
    from django.core.exceptions import ValidationError

    from intermediary.access.policy import PermissionDenied
    from intermediary.core.errors import validation_error_fields
    from intermediary.imports.services import person_import_run, person_import_upload

    try:
        job = person_import_upload(
            actor=user,
            dossier=dossier,
            filename=args.file.name,
            content=args.file.read_bytes(),
            encoding=args.encoding,
        )
    except PermissionDenied:
        return _fail(f"{user.username} may not import into {dossier.reference}")
    except ValidationError as exc:
        fields = validation_error_fields(exc)
        return _fail("; ".join(m for messages in fields.values() for m in messages))
    with _Bars(quiet=args.quiet) as bars:
        try:
            job = person_import_run(job=job, listener=bars.update)
        except Exception as exc:  # recorded on the job and in the log; say it plainly here
            return _fail(f"import failed ({type(exc).__name__}); nothing was imported", EXIT_FAILED)
    return _report(args, job)


def _report(args: argparse.Namespace, job: Any) -> int:
    print(f"import {job.public_id}  sha256 {job.sha256}  read as {job.encoding or '-'}")
    if job.status == "succeeded":
        print(f"OK: {job.persons_created} persons imported into {job.dossier.reference}.")
        return EXIT_OK
    if job.status == "failed":
        return _fail(job.failure, EXIT_FAILED)
    for error in job.errors[:SHOWN_ERRORS]:
        where = f"row {error['row']}" if error["row"] else "file"
        column = f", {error['column']}" if error["column"] else ""
        print(f"  {where}{column}: {error['message']} [{error['code']}]", file=sys.stderr)
    if job.error_count > SHOWN_ERRORS:
        print(f"  ... and {job.error_count - SHOWN_ERRORS} more", file=sys.stderr)
    if args.errors:
        _write_errors(args.errors, job.errors)
        print(f"error report written to {args.errors}", file=sys.stderr)
    return _fail(f"{job.error_count} errors: nothing was imported")


def _write_errors(path: Path, errors: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "code", "message"])
        for e in errors:
            writer.writerow([e["row"] or "", e["column"] or "", e["code"], e["message"]])


class _Bars:
    """Two tqdm bars, checking then writing, driven by the import's progress listener."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.bars: dict[str, Any] = {}

    def __enter__(self) -> _Bars:
        return self

    def __exit__(self, *exc: object) -> None:
        for bar in self.bars.values():
            bar.close()

    def update(self, phase: str, done: int, total: int) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        bar = self.bars.get(phase)
        if bar is None:
            label = "checking" if phase == "checked" else "importing"
            bar = self.bars[phase] = tqdm(total=total, desc=label, unit="rows", file=sys.stderr)
        bar.update(done - bar.n)
