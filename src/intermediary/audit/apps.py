"""App config for the append-only, hash-chained audit log."""

from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "intermediary.audit"
    label = "audit"
