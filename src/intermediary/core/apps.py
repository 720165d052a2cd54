"""App config for shared building blocks."""

from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "intermediary.core"
    label = "core"
