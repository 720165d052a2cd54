"""The fast canonical-JSON path must give rfc8785's bytes for every value, or the same error:
a changed byte would change a hash and break the audit chain."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from intermediary.audit.canonical import canonical_bytes, canonical_bytes_reference, digest


class Colour(enum.StrEnum):
    RED = "red"
    ASTRAL = "\U0001f600"


class Level(enum.IntEnum):
    LOW = 1
    HUGE = 2**60


# Characters where JSON encoders tend to differ: controls, quotes, backslash, DEL, the line
# and paragraph separators, BMP characters above the surrogates (which sort after astral ones
# in UTF-16), astral characters and lone surrogates (which RFC 8785 refuses).
AWKWARD = st.sampled_from(
    [
        *[chr(c) for c in range(0x20)],
        '"',
        "\\",
        "/",
        "\x7f",
        "\u2028",
        "\u2029",
        "\ufeff",
        "\ue000",
        "\uffff",
        "\U0001f600",
        "\U00010000",
        "\ud800",
        "\udfff",
        "é",
        "ي",
        "א",
    ]
)
TEXT = st.text(st.one_of(AWKWARD, st.characters(codec=None, exclude_categories=())), max_size=12)
INTS = st.one_of(
    st.integers(min_value=-(2**53) - 2, max_value=2**53 + 2),
    st.sampled_from([2**53 - 1, -(2**53) + 1, 2**53, -(2**53), 2**64]),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    INTS,
    TEXT,
    st.floats(allow_nan=True, allow_infinity=True),
    st.uuids(),
    st.dates(),
    st.datetimes(timezones=st.just(dt.UTC) | st.none()),
    st.decimals(allow_nan=False, places=2, max_value=10**6, min_value=-(10**6)),
    st.sampled_from([Colour.RED, Colour.ASTRAL, Level.LOW, Level.HUGE]),
)
KEYS = st.one_of(TEXT, st.sampled_from([Colour.RED, 1, Level.LOW]))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(KEYS, inner, max_size=5),
        st.frozensets(st.integers(-5, 5) | st.text(max_size=3), max_size=3),
    ),
    max_leaves=25,
)


def _outcome(fn: Any, value: Any) -> tuple[str, bytes | str]:
    try:
        return ("ok", fn(value))
    except Exception as exc:  # the same refusal is part of "the same result"
        return ("error", type(exc).__name__)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES)
@example({"\U0001f600": 1, "\ue000": 2})  # UTF-16 order differs from code-point order
@example({"a": '\u2028\x00\x1f\x7f"\\'})
@example({"n": 2**53 - 1, "m": -(2**53) + 1})
@example({"n": 2**53})
@example({"x": "\ud800"})
@example({"\ud800": 1})
@example({"f": 1.0, "g": 1e21, "h": 5e-7})
def test_fast_path_equals_rfc8785(value: Any) -> None:
    assert _outcome(canonical_bytes, value) == _outcome(canonical_bytes_reference, value)


def test_an_import_payload_keeps_its_hash() -> None:
    """A person payload as the registry builds it, hashed before the fast path existed."""
    payload = {
        "names": ["سامي حداد", "Sami Haddad", "סאמי חדאד"],
        "dossier": uuid.UUID("6f1c1b1e-2d7a-4c55-9a43-2b0d1c0e9f11"),
        "holding_party": None,
        "birth_year": 1990,
        "capture_date": dt.date(2020, 1, 1),
        "wounded": None,
        "sick": False,
        "service_number": 'A-1"\\',
        "legal_status": "detainee",
    }
    assert canonical_bytes(payload) == canonical_bytes_reference(payload)
    assert digest(payload) == "fd40a6722a13f773306e0131a497e551b00ef2d968de7374ae11ffd7ef01dc96"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": [True, None, "é"]}, '{"a":[true,null,"é"],"b":1}'),
        ("\u2028\x01\n", '"\u2028\\u0001\\n"'),
        ({"\U0001f600": 1, "\ue000": 2}, '{"\U0001f600":1,"\ue000":2}'),
        ([1.0, 1e21, -0.0], "[1,1e+21,0]"),
    ],
)
def test_known_canonical_forms(value: Any, expected: str) -> None:
    assert canonical_bytes(value) == expected.encode()


def test_person_payloads_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The import's payload shapes must not fall back to the slow encoder unnoticed."""

    def refuse(value: Any) -> bytes:
        raise AssertionError("fell back to rfc8785")

    monkeypatch.setattr("intermediary.audit.canonical.rfc8785.dumps", refuse)
    payload = {
        "names": ["سامي حداد"],
        "dossier": uuid.uuid4(),
        "at": dt.datetime.now(dt.UTC),
        "capture_date": dt.date(2020, 1, 1),
        "status": Colour.RED,
        "birth_year": 1990,
        "wounded": None,
        "sick": True,
    }
    assert canonical_bytes(payload).startswith(b'{"at":"')
