"""App config for the JSON API (django-ninja)."""

from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "intermediary.api"
    label = "api"
