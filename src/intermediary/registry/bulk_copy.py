"""PostgreSQL COPY for the registry's bulk writes (persons_create_bulk).

Why: ``bulk_create`` prepares every value through the field (``get_db_prep_save``) and then
psycopg quotes the rows as literal arrays in Python; for 100,000 persons with 233,000 names
that was most of an import. COPY streams the rows in PostgreSQL's text format through
psycopg's C adapters instead. It runs on the service's connection, inside its transaction,
so all-or-nothing and the audit events written next to the rows are unchanged; the
database's constraints and indexes apply as for any insert. SQLite keeps ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


def copy_available() -> bool:
    """COPY is used on PostgreSQL only."""
    return connection.vendor == "postgresql"


def allocate_ids(model: type[Model], count: int) -> list[int]:
    """``count`` fresh primary keys from the table's identity sequence, ascending.

    Taking them up front (one query) lets the caller COPY rows that refer to these keys
    (names, custody events) and hand back model instances with their pk set, without reading
    the rows back.
    """
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk
    if pk is None:  # pragma: no cover - every concrete model has one
        raise ValueError(f"{model.__name__} has no primary key")
    column = pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s) AS n "
            "ORDER BY n",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model: type[Model], field_names: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY ``rows`` (values in the order of ``field_names``, by attribute name: ``person_id``
    for a foreign key) into the model's table; returns how many rows were written.

    Values go through psycopg's adapters as they would for a parameter (None is NULL), so
    they must already be what the column stores (no model-field conversions happen here).
    """
    opts = model._meta
    column_of = {f.attname: f.column for f in opts.concrete_fields if f.column}
    column_of.update({f.name: f.column for f in opts.concrete_fields if f.column})
    columns = ", ".join(connection.ops.quote_name(column_of[name]) for name in field_names)
    sql = f"COPY {connection.ops.quote_name(opts.db_table)} ({columns}) FROM STDIN"
    written = 0
    # cursor.cursor is psycopg's own cursor; errors still surface as django.db errors.
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        write_row = copy.write_row
        for row in rows:
            write_row(row)
            written += 1
    return written
