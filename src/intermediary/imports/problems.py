"""The one error vocabulary of an import: a problem at a row and column, with a stable code."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class RowError:
    """One problem, addressed as the uploader sees the file in a spreadsheet: the header is
    row 1, the first person row 2. File-level problems have no row and no column."""

    row: int | None
    column: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FileProblem(Exception):
    """The file as a whole cannot be read (encoding, format, size): nothing row-level to say."""

    def __init__(self, code: str, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.row = row

    def as_error(self) -> RowError:
        return RowError(row=self.row, column=None, code=self.code, message=self.message)
