"""App config for the registry: registers its disclosable fields and its demo step."""

from __future__ import annotations

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "intermediary.registry"
    label = "registry"

    def ready(self) -> None:
        # Imported here, not in core.demo, so core never depends on the registry (no cycle).
        from intermediary.core.demo import EXTRA_STEPS
        from intermediary.registry import fields  # noqa: F401  (registers disclosable fields)
        from intermediary.registry.demo import load_registry_demo

        if load_registry_demo not in EXTRA_STEPS:
            EXTRA_STEPS.append(load_registry_demo)
