"""App config for lists: registers the disclosable report fields and the demo step."""

from __future__ import annotations

from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "intermediary.lists"
    label = "lists"

    def ready(self) -> None:
        # Imported here so core never depends on lists (no import cycle).
        from intermediary.access.policy import register_disclosable
        from intermediary.core.demo import EXTRA_STEPS
        from intermediary.lists.choices import REPORT_DISCLOSABLE_FIELDS, REPORT_OBJECT_TYPE
        from intermediary.lists.demo import load_lists_demo

        register_disclosable(REPORT_OBJECT_TYPE, REPORT_DISCLOSABLE_FIELDS)
        if load_lists_demo not in EXTRA_STEPS:
            EXTRA_STEPS.append(load_lists_demo)
