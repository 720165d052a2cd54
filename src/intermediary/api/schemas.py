"""Schemas shared by several routers."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, Any]


class ErrorOut(Schema):
    error: ErrorDetail


class OrganisationRef(Schema):
    id: str
    name: str
    short_name: str
    kind: str
