"""App config for organisations, users and memberships."""

from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "intermediary.accounts"
    label = "accounts"

    def ready(self) -> None:
        from intermediary.accounts import checks, signals  # noqa: F401  (registers, connects)
