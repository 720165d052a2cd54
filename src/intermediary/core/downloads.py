"""File downloads: one way to send bytes as an attachment, for pages and API alike.

The file name is the user's (a list's original name may be Arabic or Hebrew, or carry quotes):
``content_disposition_header`` writes it as RFC 6266 wants (``filename*`` for non-ASCII,
quotes escaped), after control characters, which would break the header, are replaced.

A file kept as a party or a user sent it (a list, a person import) is handed out only as
``checked_raw_file`` returns it: its bytes hashed again against the SHA-256 recorded on
arrival, since handing out a file that differs from what was received would be worse than none.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.http import content_disposition_header

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def attachment_response(
    body: bytes, *, filename: str, content_type: str, sha256: str = ""
) -> HttpResponse:
    """``body`` as a download named ``filename``. With ``sha256`` (hex), the response also
    carries it as ``Repr-Digest`` (RFC 9530), so a client can check what it received."""
    response = HttpResponse(body, content_type=content_type)
    name = _CONTROL.sub("_", filename) or "download"
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    if sha256:
        digest = base64.b64encode(bytes.fromhex(sha256)).decode("ascii")
        response["Repr-Digest"] = f"sha-256=:{digest}:"
    return response


class StoredFileCorrupted(RuntimeError):
    """Kept bytes no longer hash to the SHA-256 recorded when they were received."""


@dataclass(frozen=True)
class RawFile:
    """A file exactly as received, with what to call it and how to type it."""

    filename: str
    content_type: str
    content: bytes
    sha256: str


def checked_raw_file(
    content: bytes, *, recorded_sha256: str, filename: str, content_type: str, what: str
) -> RawFile:
    """``content`` as a ``RawFile`` once it hashes to ``recorded_sha256``; otherwise
    ``StoredFileCorrupted`` naming ``what`` (an object reference, never personal data)."""
    sha256 = hashlib.sha256(content).hexdigest()
    if sha256 != recorded_sha256:
        raise StoredFileCorrupted(
            f"{what}: kept file hashes to {sha256}, recorded {recorded_sha256}"
        )
    return RawFile(filename=filename, content_type=content_type, content=content, sha256=sha256)


def raw_file_response(raw: RawFile) -> HttpResponse:
    """A kept file as a download under its original name, with its digest (``Repr-Digest``)."""
    return attachment_response(
        raw.content, filename=raw.filename, content_type=raw.content_type, sha256=raw.sha256
    )
