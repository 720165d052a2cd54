"""Which parties a dossier has now, read so that a withdrawal or removal cannot pass a write.

Every write that names a party of a dossier asks here inside its own transaction: those that
need the party to take part (a negotiator acting for its party, a list submitted on a party's
behalf, a disclosure to a party) through ``active_party_ids``; the registry's records of fact
(a person held by or originating from a party, a remains case), which still name a withdrawn
party, through ``linked_party_ids``. On PostgreSQL the links they read stay share-locked until
that write commits: a withdrawal or removal (which locks the link for update) waits for writes
already under way, and a write that starts meanwhile waits for the withdrawal and then no
longer sees the party (or, after a removal, the link). Share locks do not block one another,
so concurrent writers never queue here. SQLite runs each transaction alone: it needs no lock.
"""

from __future__ import annotations

from django.db import connection

# The ORM can lock rows only FOR UPDATE, which would queue every writer of a dossier behind
# one another (a long import would hold up every form); FOR SHARE is what is meant.
_LINKED = "SELECT organisation_id FROM dossiers_dossierparty WHERE dossier_id = %s"
_ACTIVE = _LINKED + " AND withdrawn_at IS NULL"


def active_party_ids(dossier_id: int) -> frozenset[int]:
    """Organisations taking part in the dossier (linked and not withdrawn); share-locked until
    the end of the caller's transaction where the database supports it."""
    return _share_locked(_ACTIVE, dossier_id)


def linked_party_ids(dossier_id: int) -> frozenset[int]:
    """Every party of the dossier, withdrawn ones included: what a registry record may name
    (a party that left the talks still holds people, and nobody may go unrecorded for that).
    Share-locked like ``active_party_ids``, so a removal cannot delete a link that a write
    under way is about to name."""
    return _share_locked(_LINKED, dossier_id)


def _share_locked(sql: str, dossier_id: int) -> frozenset[int]:
    if connection.features.has_select_for_update and connection.in_atomic_block:
        sql += " FOR SHARE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [dossier_id])
        return frozenset(row[0] for row in cursor.fetchall())
