"""Canonical JSON (RFC 8785) and SHA-256 digests: the one way anything gets hashed."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
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


def canonical_bytes(value: Any) -> bytes:
    """RFC 8785 bytes of ``value``."""
    return bytes(rfc8785.dumps(to_json_value(value)))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value``."""
    return sha256_hex(canonical_bytes(value))
