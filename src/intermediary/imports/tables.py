"""Reading an uploaded CSV or XLSX as a header and a stream of rows of text cells.

Streaming on purpose: a 100,000-row file is validated row by row without building a list of
rows, so memory stays flat whatever the file size.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.utils.translation import gettext as _

from intermediary.imports.decoding import Decoding, choose_decoding, text_stream
from intermediary.imports.problems import FileProblem

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ROWS = 200_000
# An XLSX is a zip: refuse archives that inflate beyond this (a "zip bomb").
MAX_XLSX_INFLATED_BYTES = 512 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
DELIMITERS = (",", ";", "\t")
PERSONS_SHEET = "persons"

Row = tuple[int, list[str]]


@dataclass
class Table:
    """A file opened for reading: what it was decoded as, its header, and its data rows.

    ``rows`` yields (spreadsheet row number, cells); blank rows are skipped, not counted.
    """

    format: str
    encoding: str
    header: list[str]
    rows: Iterator[Row]
    total: int


def cell_text(value: Any) -> str:
    """One cell as text, the same whether it came from CSV or XLSX. Excel turns dates and
    numbers into typed values; we turn them back into the documented text forms."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip(" ")


def detect_format(data: bytes, filename: str) -> str:
    """XLSX by its zip signature, CSV otherwise; the name only breaks the tie for messages."""
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise FileProblem("unreadable", _("This .xlsx file is not a valid Excel workbook."))
    if filename.lower().endswith(".xls"):
        raise FileProblem(
            "unreadable", _("Old Excel .xls files are not supported: save as .xlsx or CSV.")
        )
    return "csv"


def open_table(data: bytes, filename: str = "", encoding: str = "") -> Table:
    """Open a CSV or XLSX upload. Raises FileProblem for anything that is not a readable
    table (size, encoding, broken workbook)."""
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(
            "file_too_large",
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
        )
    if not data.strip():
        raise FileProblem("empty_file", _("The file is empty."))
    if detect_format(data, filename) == "xlsx":
        return _open_xlsx(data)
    return _open_csv(data, choose_decoding(data, encoding))


# --- CSV ----------------------------------------------------------------------------------------


def _delimiter(first_line: str) -> str:
    """The delimiter is whichever of , ; TAB the header line uses most. Headers are known
    identifiers without those characters, so this is a reading, not a guess. (Excel writes
    TAB for 'Unicode text' and ';' in locales where the comma is the decimal sign.)"""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_reader(data: bytes, decoding: Decoding) -> Iterator[list[str]]:
    stream = text_stream(data, decoding)
    first = stream.readline()
    return csv.reader(itertools.chain([first], stream), delimiter=_delimiter(first), strict=True)


def _csv_records(data: bytes, decoding: Decoding) -> Iterator[Row]:
    """Records numbered like spreadsheet rows; csv.Error becomes a FileProblem at that row."""
    reader = _csv_reader(data, decoding)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileProblem(
                "malformed_csv",
                _("Row %(row)d cannot be read as CSV (%(why)s).") % {"row": number + 1, "why": exc},
                row=number + 1,
            ) from exc
        number += 1
        yield number, [c.strip(" ") for c in cells]  # CSV cells are text already


def _count(rows: Iterator[Row]) -> int:
    return sum(1 for _n, cells in rows if any(cells))


def _count_csv(data: bytes, decoding: Decoding) -> int:
    """Rows with any content, header included (a fast pass: the csv module's C reader)."""
    try:
        return sum(1 for cells in _csv_reader(data, decoding) if any(c.strip(" ") for c in cells))
    except csv.Error:
        return 0  # the reading pass reports where


def _open_csv(data: bytes, decoding: Decoding) -> Table:
    total = max(_count_csv(data, decoding) - 1, 0)
    _check_row_count(total)
    records = _csv_records(data, decoding)
    header = _first_row(records)
    return Table("csv", decoding.label, header, _non_blank(records), total)


# --- XLSX ---------------------------------------------------------------------------------------


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise FileProblem("unreadable", _("This file is not a valid Excel workbook.")) from exc
    if inflated > MAX_XLSX_INFLATED_BYTES:
        raise FileProblem("file_too_large", _("The workbook is too large once uncompressed."))


def _pick_sheet(workbook: Any) -> Any:
    """The only sheet, or the one named 'persons': never silently ignore a second sheet."""
    sheets = workbook.worksheets
    named = [ws for ws in sheets if str(ws.title).strip().lower() == PERSONS_SHEET]
    if named:
        return named[0]
    if len(sheets) != 1:
        raise FileProblem(
            "several_sheets",
            _("The workbook has %(n)d sheets: keep one, or name the sheet to import 'persons'.")
            % {"n": len(sheets)},
        )
    return sheets[0]


def _xlsx_records(sheet: Any) -> Iterator[Row]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield number, [cell_text(v) for v in values]


def _open_xlsx(data: bytes) -> Table:
    import openpyxl

    _check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise FileProblem("unreadable", _("This file is not a valid Excel workbook.")) from exc
    sheet = _pick_sheet(workbook)
    total = max(_count(_xlsx_records(sheet)) - 1, 0)
    _check_row_count(total)
    records = _xlsx_records(sheet)
    header = _trim(_first_row(records))
    return Table("xlsx", "XLSX", header, _closing(_non_blank(records), workbook), total)


def _closing(rows: Iterator[Row], workbook: Any) -> Iterator[Row]:
    """read_only workbooks keep the file open until closed: close when the rows run out."""
    try:
        yield from rows
    finally:
        workbook.close()


# --- shared ---------------------------------------------------------------------------------------


def _check_row_count(total: int) -> None:
    if total > MAX_ROWS:
        raise FileProblem(
            "too_many_rows",
            _("The file has %(n)d rows; at most %(max)d can be imported at once.")
            % {"n": total, "max": MAX_ROWS},
        )


def _first_row(records: Iterator[Row]) -> list[str]:
    for _number, cells in records:
        return cells
    raise FileProblem("empty_file", _("The file is empty."))


def _trim(cells: list[str]) -> list[str]:
    """Drop empty cells at the end of the header (XLSX sheets are as wide as their widest row)."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _non_blank(records: Iterator[Row]) -> Iterator[Row]:
    """Blank rows (every cell empty) are layout, not persons: skip them."""
    return ((n, cells) for n, cells in records if any(cells))
