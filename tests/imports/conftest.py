"""Imports run their background job at once in these tests (the immediate task backend)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def immediate_tasks() -> Iterator[None]:
    with override_settings(TASKS=IMMEDIATE):
        yield
