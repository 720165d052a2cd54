"""Glue between Django forms and services: service errors land on the form's fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.core.exceptions import ValidationError

T = TypeVar("T")

# Services return the object they wrote; views only need to know it succeeded.


def call_service(form: forms.BaseForm, action: Callable[[], T]) -> T | None:
    """Run a service; on ValidationError attach its messages to the form and return None."""
    try:
        return action()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                target = field if field in form.fields else None
                for error in errors:
                    form.add_error(target, error)
        else:
            form.add_error(None, exc)
        return None
