"""Glue between Django forms and services: service errors land on the form's fields, and the
POST half of every form view is written once (``submit_form``; ``submit_embedded_form`` for
the forms of a detail page)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

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


def submit_form(
    request: HttpRequest,
    form: forms.BaseForm,
    action: Callable[[], T],
    *,
    success: str | Callable[[T], str],
    together_with: Sequence[forms.BaseForm] = (),
) -> T | None:
    """When the bound ``form`` (and every form ``together_with`` it) is valid, run the service
    with ``call_service`` and flash ``success`` (a message, or made from the result).

    Returns what the service returned, or None when the form was unbound, invalid or refused
    by the service (its errors are then on the form). The view decides the rest: redirect on
    a result; re-render the form, or flash its errors and redirect, on None.
    """
    if not form.is_bound or not form.is_valid():
        return None
    if not all(other.is_valid() for other in together_with):
        return None
    result = call_service(form, action)
    if result is not None:
        messages.success(request, success if isinstance(success, str) else success(result))
    return result


def submit_embedded_form(
    request: HttpRequest,
    form: forms.BaseForm,
    action: Callable[[], T],
    *,
    success: str | Callable[[T], str],
) -> T | None:
    """``submit_form`` for the small forms embedded in a detail page, which redirect whether
    or not the write happened: on None the form's errors are flashed (``flash_errors``)."""
    result = submit_form(request, form, action, success=success)
    if result is None:
        flash_errors(request, form)
    return result


def flash_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    """Show a form's errors as messages, for the small forms embedded in a detail page that
    redirect instead of re-rendering. Each message starts with its field's label (translated;
    Django's readable form of the name when a field has none), never the field's name; errors
    of no field stand alone."""
    for field, errors in form.errors.items():
        label = form[field].label if field in form.fields else None
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))
