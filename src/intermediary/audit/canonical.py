"""Canonical JSON (RFC 8785) and SHA-256 digests: the one way anything gets hashed.

Every audit event hashes two canonical documents, so a 100,000-person import canonicalises
200,000 of them; the pure-Python ``rfc8785`` encoder made that several seconds. For the values
our services actually hand over (dicts with BMP-only keys, lists, strings, safe integers,
booleans, None, UUIDs and dates) RFC 8785 output is byte for byte what the C ``json`` encoder
produces with sorted keys and no whitespace, so those take a fast path; anything else
(floats, unsafe integers, astral characters in keys, lone surrogates, other types) goes
through ``rfc8785`` exactly as before. ``tests/audit/test_canonical.py`` checks the two paths
agree on generated payloads: no hash may change.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import rfc8785

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]

GENESIS_HASH = "0" * 64


def to_json_value(value: Any) -> JsonValue:
    """Turn the values our services hand over (UUIDs, dates, decimals) into plain JSON.

    Anything unknown is refused rather than str()-ed, so two callers cannot hash the same
    change two different ways without noticing.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, Sequence | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [to_json_value(v) for v in items]
    raise TypeError(f"cannot canonicalise {type(value).__name__}")


# RFC 8785 refuses integers outside what an IEEE 754 double holds exactly.
_SAFE_INT = 2**53 - 1

# Fast-path output is ``json.dumps`` with these options: no whitespace, keys sorted, UTF-8
# kept as is. Its string escaping (quote, backslash, \b \f \n \r \t, other C0 controls as
# lowercase \u00xx, everything else literal, U+2028 included) is RFC 8785's.
_ENCODER = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
)


class _NotPlain(Exception):
    """The value needs the general encoder: the fast path cannot vouch for its bytes."""


def _plain(value: Any) -> Any:
    """``to_json_value(value)`` for the shapes the fast path is exact on; raises _NotPlain
    otherwise.

    Why each guard: floats are formatted differently by ECMAScript and Python; integers
    beyond 2**53 - 1 are refused by RFC 8785; RFC 8785 orders keys by UTF-16 code units,
    which equals Python's code-point order unless a key holds a character above U+FFFF.
    Other types (sets, decimals, mappings that are not dicts...) are rare: not worth it.
    """
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is dict:
        out: dict[str, Any] = {}
        for key, item in value.items():
            text = str(key)  # as to_json_value does
            if not text.isascii() and max(text) > "\uffff":
                raise _NotPlain
            # Strings and None are most values: skip the call for them.
            out[text] = item if type(item) is str or item is None else _plain(item)
        return out
    if kind is list or kind is tuple:
        return [_plain(item) for item in value]
    if kind is uuid.UUID:
        return str(value)
    if kind is dt.date or kind is dt.datetime:
        return value.isoformat()
    if kind is int or (isinstance(value, int) and not isinstance(value, bool)):
        if -_SAFE_INT <= value <= _SAFE_INT:
            return value  # json and rfc8785 both print int subclasses as plain integers
        raise _NotPlain
    if isinstance(value, str):
        return value  # str subclasses (TextChoices): both encoders write the content
    raise _NotPlain


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 bytes of ``value``: the fast path when it is exact, ``rfc8785`` otherwise."""
    try:
        # encode() refuses lone surrogates, as rfc8785 does: they take the general path.
        return _ENCODER.encode(_plain(value)).encode("utf-8")
    except (_NotPlain, UnicodeEncodeError):
        return bytes(rfc8785.dumps(to_json_value(value)))


def canonical_bytes_reference(value: Any) -> bytes:
    """RFC 8785 bytes of ``value`` through ``rfc8785`` only: what the fast path must equal."""
    return bytes(rfc8785.dumps(to_json_value(value)))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value``."""
    return sha256_hex(canonical_bytes(value))
