"""Helpers for the one error vocabulary services speak: ValidationError with named fields."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def field_error(field: str, message: str, code: str = "invalid") -> ValidationError:
    """A ValidationError naming the field at fault, so UI and API can point at it."""
    return ValidationError({field: [ValidationError(message, code=code)]})


def validation_error_fields(exc: ValidationError) -> dict[str, list[str]]:
    """Flatten a ValidationError into {field: [messages]} ("__all__" for non-field errors)."""
    if hasattr(exc, "error_dict"):
        return {
            key: [str(m) for e in errors for m in e.messages]
            for key, errors in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}
