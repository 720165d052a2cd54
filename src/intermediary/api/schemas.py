"""Schemas shared by several routers, and ``input_schema``: request bodies derived from the
service inputs they feed, so a field is declared once."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ninja import Schema
from pydantic import Field, create_model


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


def _source_fields(source: type | Callable[..., Any]) -> dict[str, tuple[Any, Any]]:
    """(type, default) per field of a dataclass, or per keyword-only parameter of a function;
    the default is ``...`` when there is none (pydantic's "required")."""
    if isinstance(source, type) and dataclasses.is_dataclass(source):
        hints = typing.get_type_hints(source)
        found: dict[str, tuple[Any, Any]] = {}
        for f in dataclasses.fields(source):
            if f.default is not dataclasses.MISSING:
                default: Any = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = Field(default_factory=f.default_factory)
            else:
                default = ...
            found[f.name] = (hints[f.name], default)
        return found
    parameters = inspect.signature(source, eval_str=True).parameters.values()
    return {
        p.name: (p.annotation, ... if p.default is inspect.Parameter.empty else p.default)
        for p in parameters
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }


def input_schema(
    name: str,
    source: type | Callable[..., Any],
    *,
    base: type[Schema] = Schema,
    only: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
    extra: Mapping[str, Any] | None = None,
    types: Mapping[str, Any] | None = None,
) -> type[Schema]:
    """A request body with the fields of a service input: a dataclass (``PersonInput``) or the
    keyword-only parameters of a service function, in their order, with their types and
    defaults. Adding a field to the input adds it to the API.

    ``types`` gives the API's type where it differs, as a type or pydantic's ``(type, default)``
    (``...``: required): a model object travels as its public id. ``extra`` adds API-only
    fields, as ``(type, default)``, before the input's own. Fields ``base`` already has are
    not repeated. A model type left without an API type fails here, at import: pydantic has
    no schema for it.
    """
    available = _source_fields(source)
    chosen = list(available) if only is None else list(only)
    unknown = sorted({*chosen, *exclude, *(types or {})} - set(available))
    if unknown:
        raise TypeError(f"{name}: not fields of {source.__qualname__}: {unknown}")
    definitions: dict[str, Any] = dict(extra or {})
    for field in chosen:
        if field in exclude or field in base.model_fields:
            continue
        annotation, default = available[field]
        override = (types or {}).get(field, annotation)
        definitions[field] = override if isinstance(override, tuple) else (override, default)
    model: type[Schema] = create_model(name, __base__=base, **definitions)
    return model
