"""Choosing the decoding: BOM, then strict UTF-8, then the named encoding; never a guess."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intermediary.imports.decoding import (
    choose_decoding,
    first_invalid_offset,
    normalise_encoding,
    text_stream,
)
from intermediary.imports.problems import FileProblem

ARABIC = "الاسم,تاريخ الميلاد\r\nسامي,1990\r\n"  # noqa: RUF001
HEBREW = "שם\r\nאורן\r\n"  # noqa: RUF001


def _decode(data: bytes, requested: str = "") -> str:
    return text_stream(data, choose_decoding(data, requested)).read()


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (ARABIC.encode("utf-8"), "UTF-8"),
        (codecs.BOM_UTF8 + ARABIC.encode("utf-8"), "UTF-8 with BOM"),
        (codecs.BOM_UTF16_LE + ARABIC.encode("utf-16-le"), "UTF-16 LE with BOM"),
        (codecs.BOM_UTF16_BE + ARABIC.encode("utf-16-be"), "UTF-16 BE with BOM"),
    ],
)
def test_bom_and_utf8_need_no_option(data: bytes, label: str) -> None:
    assert choose_decoding(data).label == label
    assert _decode(data) == ARABIC  # and the BOM is not part of the text


def test_windows_1256_without_the_option_is_refused_with_offset_and_hint() -> None:
    data = ARABIC.encode("cp1256")
    with pytest.raises(FileProblem) as caught:
        choose_decoding(data)
    assert caught.value.code == "encoding"
    message = caught.value.message
    assert "offset 0" in message  # the very first byte of "الاسم" is not UTF-8
    assert "windows-1256" in message


def test_offset_points_at_the_first_bad_byte() -> None:
    data = b"name_latin\r\nSami\r\n" + "سامي".encode("cp1256")
    with pytest.raises(FileProblem, match="offset 18"):
        choose_decoding(data)


def test_windows_1256_with_the_option() -> None:
    data = ARABIC.encode("cp1256")
    decoding = choose_decoding(data, "windows-1256")
    assert decoding.label == "Windows-1256 (Arabic)"
    assert _decode(data, "windows-1256") == ARABIC


def test_windows_1255_for_hebrew() -> None:
    assert _decode(HEBREW.encode("cp1255"), "windows-1255") == HEBREW


def test_utf8_wins_over_a_named_encoding_when_the_bytes_are_utf8() -> None:
    assert choose_decoding(ARABIC.encode("utf-8"), "windows-1256").label == "UTF-8"


def test_bytes_the_named_encoding_cannot_decode() -> None:
    # 0x90 is neither UTF-8 here nor defined in Windows-1255.
    with pytest.raises(FileProblem, match=r"not valid Windows-1255.*offset 3"):
        choose_decoding(b"abc\x90", "windows-1255")


def test_broken_utf16_is_reported() -> None:
    data = codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"\x00\xd8"  # lone surrogate
    with pytest.raises(FileProblem, match="not valid UTF-16 LE"):
        choose_decoding(data)


def test_utf32_is_refused() -> None:
    with pytest.raises(FileProblem, match="UTF-32"):
        choose_decoding(codecs.BOM_UTF32_LE + "a".encode("utf-32-le"))


@pytest.mark.parametrize("name", ["rot13", "base64", "klingon", "utf-7"])
def test_only_text_encodings_on_the_list(name: str) -> None:
    with pytest.raises(FileProblem) as caught:
        normalise_encoding(name)
    assert caught.value.code == "unknown_encoding"


@pytest.mark.parametrize(
    ("alias", "codec"),
    [
        ("windows-1256", "cp1256"),
        ("CP1256", "cp1256"),
        ("utf8", "utf-8"),
        ("UTF-16LE", "utf-16-le"),
    ],
)
def test_encoding_aliases(alias: str, codec: str) -> None:
    assert normalise_encoding(alias) == codec


@given(st.text(min_size=0, max_size=300), st.binary(min_size=1, max_size=3), st.text(max_size=50))
def test_first_invalid_offset_matches_a_full_decode(prefix: str, junk: bytes, suffix: str) -> None:
    """The chunked scan finds exactly the offset a one-shot decode reports."""
    data = prefix.encode() + junk + suffix.encode()
    try:
        data.decode("utf-8")
        expected = None
    except UnicodeDecodeError as exc:
        expected = exc.start
    assert first_invalid_offset(data, "utf-8") == expected


def test_first_invalid_offset_across_chunk_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    from intermediary.imports import decoding

    monkeypatch.setattr(decoding, "_CHUNK", 4)
    text = "aé" * 10  # two-byte characters straddle every 4-byte chunk boundary
    data = text.encode() + b"\xff" + b"zz"
    assert first_invalid_offset(data, "utf-8") == len(text.encode())
    assert first_invalid_offset(text.encode(), "utf-8") is None
    assert first_invalid_offset("aé".encode()[:-1], "utf-8") == 1  # truncated at the end
