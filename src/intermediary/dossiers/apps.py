"""App config for dossiers: exchange files between parties."""

from __future__ import annotations

from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "intermediary.dossiers"
    label = "dossiers"
