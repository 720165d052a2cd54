"""App config for THE authorization module."""

from __future__ import annotations

from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "intermediary.access"
    label = "access"
