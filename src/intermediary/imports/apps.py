"""App config for imports: uploaded person files, their validation jobs, exports."""

from __future__ import annotations

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "intermediary.imports"
    label = "imports"
