"""Choosing how to decode an uploaded CSV: byte-order mark, then strict UTF-8, then what the
uploader named. Never a silent guess: a wrong guess garbles names that nobody can repair."""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from intermediary.imports.problems import FileProblem

# Codec names an uploader may give (normalised by codecs.lookup), and how we show them.
# A whitelist: Python also knows "codecs" such as rot13 or base64 that are no text encodings.
ALLOWED_ENCODINGS: dict[str, str] = {
    "utf-8": "UTF-8",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "cp1256": "Windows-1256 (Arabic)",
    "cp1255": "Windows-1255 (Hebrew)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "cp1252": "Windows-1252 (Western)",
    "iso8859-6": "ISO-8859-6 (Arabic)",
    "iso8859-8": "ISO-8859-8 (Hebrew)",
}

# The IANA charset name of each codec, for a Content-Type header when a kept file is served.
IANA_CHARSETS: dict[str, str] = {
    "utf-8": "utf-8",
    "utf-16-le": "utf-16le",
    "utf-16-be": "utf-16be",
    "cp1256": "windows-1256",
    "cp1255": "windows-1255",
    "cp1251": "windows-1251",
    "cp1252": "windows-1252",
    "iso8859-6": "iso-8859-6",
    "iso8859-8": "iso-8859-8",
}

_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
# Longest first would matter for UTF-32 LE (FF FE 00 00), which is refused before this list.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE with BOM"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE with BOM"),
)
_CHUNK = 1 << 20


def charset_of_label(label: str) -> str:
    """The IANA charset of a file decoded as ``label`` (what ``Decoding.label`` recorded,
    "Windows-1256 (Arabic)", "UTF-8 with BOM"), or "" when the label names no known codec."""
    by_label = {shown: codec for codec, shown in ALLOWED_ENCODINGS.items()}
    by_label.update({shown: codec for _bom, codec, shown in _BOMS})
    return IANA_CHARSETS.get(by_label.get(label, ""), "")


@dataclass(frozen=True)
class Decoding:
    """How a file's bytes become text: the codec, a label for people, and the BOM to skip."""

    codec: str
    label: str
    bom_length: int = 0


def normalise_encoding(name: str) -> str:
    """The codec name for an encoding the uploader gave, or FileProblem if we do not take it."""
    try:
        codec = codecs.lookup(name.strip()).name
    except LookupError:
        codec = ""
    if codec not in ALLOWED_ENCODINGS:
        allowed = ", ".join(sorted({"utf-8", "utf-16", "windows-1256", "windows-1255"}))
        raise FileProblem(
            "unknown_encoding",
            _("Unknown or unsupported encoding %(name)s (for example: %(allowed)s).")
            % {"name": repr(name), "allowed": allowed},
        )
    return codec


def first_invalid_offset(data: bytes, codec: str, start: int = 0) -> int | None:
    """Byte offset of the first byte ``codec`` cannot decode, or None; decodes in chunks so a
    large file is never held twice in memory as text."""
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    for offset in range(start, max(len(data), start + 1), _CHUNK):
        chunk = data[offset : offset + _CHUNK]
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(chunk, final=offset + _CHUNK >= len(data))
        except UnicodeDecodeError as exc:
            return offset - pending + exc.start
    return None


def _invalid(data: bytes, offset: int, label: str) -> FileProblem:
    return FileProblem(
        "encoding",
        _(
            "The file is not valid %(label)s: byte %(byte)s at offset %(offset)d cannot be "
            "decoded. Save the file as UTF-8, or give its encoding."
        )
        % {"label": label, "byte": f"0x{data[offset]:02X}", "offset": offset},
    )


def choose_decoding(data: bytes, requested: str = "") -> Decoding:
    """BOM first, then strict UTF-8, then the encoding the uploader named; else refuse, naming
    the first bad byte and the usual culprit (Windows-1256 from older Arabic Excel)."""
    if data.startswith(_UTF32_BOMS):
        raise FileProblem("encoding", _("UTF-32 files are not supported; save as UTF-8."))
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            bad = first_invalid_offset(data, codec, start=len(bom))
            if bad is not None:
                raise _invalid(data, bad, label)
            return Decoding(codec=codec, label=label, bom_length=len(bom))
    bad = first_invalid_offset(data, "utf-8")
    if bad is None:
        return Decoding(codec="utf-8", label="UTF-8")
    if not requested:
        raise FileProblem(
            "encoding",
            _(
                "The file is not UTF-8: byte %(byte)s at offset %(offset)d is not valid UTF-8. "
                "If it was saved by an older Excel in Arabic, give the encoding windows-1256 "
                "(Hebrew: windows-1255), or save it as 'CSV UTF-8'."
            )
            % {"byte": f"0x{data[bad]:02X}", "offset": bad},
        )
    codec = normalise_encoding(requested)
    bad = first_invalid_offset(data, codec)
    if bad is not None:
        raise _invalid(data, bad, ALLOWED_ENCODINGS[codec])
    return Decoding(codec=codec, label=ALLOWED_ENCODINGS[codec])


def text_stream(data: bytes, decoding: Decoding) -> io.TextIOWrapper:
    """Decode lazily (the csv module reads line by line), without the BOM."""
    raw = io.BytesIO(memoryview(data)[decoding.bom_length :])
    return io.TextIOWrapper(raw, encoding=decoding.codec, errors="strict", newline="")
