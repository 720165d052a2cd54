"""PostgreSQL only: a trigram GIN index on the normalised name key, so substring search
(``search_key LIKE '%hasan%'``) stays fast over millions of names. SQLite keeps the B-tree
index of 0001 and scans for substrings, which is fine at the sizes it is used for."""

from __future__ import annotations

from typing import Any

from django.db import migrations

INDEX = "personname_search_key_trgm"


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON registry_personname "
        "USING gin (search_key gin_trgm_ops)"
    )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
