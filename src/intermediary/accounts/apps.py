"""App config for organisations, users and memberships."""

from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "intermediary.accounts"
    label = "accounts"

    def ready(self) -> None:
        from intermediary.accounts import signals  # noqa: F401  (connects receivers)
