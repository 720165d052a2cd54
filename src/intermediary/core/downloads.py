"""File downloads: one way to send bytes as an attachment, for pages and API alike.

The file name is the user's (a list's original name may be Arabic or Hebrew, or carry quotes):
``content_disposition_header`` writes it as RFC 6266 wants (``filename*`` for non-ASCII,
quotes escaped), after control characters, which would break the header, are replaced.
"""

from __future__ import annotations

import base64
import re

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
