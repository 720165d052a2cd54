"""Which person and remains fields exist for whom: the one vocabulary of field names shared by
views, API, exports, search hits and disclosures. Registers the disclosable ones at import.

Intermediary-only fields (health, cause of death, internal notes) are listed here only to be
kept out: they are never registered as disclosable and never in a party view.
"""

from __future__ import annotations

from intermediary.access.policy import (
    PERSON_OBJECT_TYPE,
    REMAINS_OBJECT_TYPE,
    register_disclosable,
)

PERSON_INTERMEDIARY_ONLY: tuple[str, ...] = (
    "wounded",
    "sick",
    "health_notes",
    "cause_of_death",
    "internal_notes",
)

# Keys of a person view that a holding party sees (and that may be disclosed to others).
PERSON_PARTY_SAFE: tuple[str, ...] = (
    "names",
    "date_of_birth",
    "place_of_birth",
    "nationality",
    "sex",
    "fathers_first_name",
    "mothers_maiden_name",
    "rank",
    "armed_force",
    "unit",
    "service_number",
    "id_document_kind",
    "id_document_number",
    "distinguishing_marks",
    "last_residence",
    "person_to_inform",
    "person_to_inform_address",
    "correspondence_address",
    "next_of_kin",
    "holding_party",
    "party_of_origin",
    "legal_status",
    "affiliation",
    "place_of_detention",
    "capture_date",
    "capture_place",
    "capture_circumstances",
    "source",
    "status",
    "timeline",
    "categories",
)

REMAINS_INTERMEDIARY_ONLY: tuple[str, ...] = ("identified_by", "internal_notes")
REMAINS_PARTY_SAFE: tuple[str, ...] = (
    "case_number",
    "holding_party",
    "recovery_date",
    "recovery_place",
    "recovery_details",
    "storage_location",
    "identification_status",
    "identification_method",
    "identified_on",
    "person",
    "custody_events",
)

assert not set(PERSON_PARTY_SAFE) & set(PERSON_INTERMEDIARY_ONLY)  # noqa: S101
assert not set(REMAINS_PARTY_SAFE) & set(REMAINS_INTERMEDIARY_ONLY)  # noqa: S101

register_disclosable(PERSON_OBJECT_TYPE, PERSON_PARTY_SAFE)
register_disclosable(REMAINS_OBJECT_TYPE, REMAINS_PARTY_SAFE)
