"""Vocabularies of lists: kinds, reconciliation states, review decisions and outcomes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ListKind(models.TextChoices):
    HELD = "held", _("Persons held")
    SOUGHT = "sought", _("Persons sought")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class Decision(models.TextChoices):
    """A reviewer's verdict on one candidate; "pending" until someone decides."""

    PENDING = "pending", _("Awaiting review")
    CONFIRMED = "confirmed", _("Confirmed: same person")
    REJECTED = "rejected", _("Rejected: not the same person")


class CandidateSource(models.TextChoices):
    """Who proposed a candidate: the matcher (with a score) or a reviewer's own search (none).
    The matcher misses people (year-only dates, respelled names); reviewers fill the gap."""

    MATCHER = "matcher", _("Found by the matcher")
    MANUAL = "manual", _("Added by reviewer")


class SignOffAction(models.TextChoices):
    """A reviewer's attestation on one sought entry. Only a standing "searched, no match"
    sign-off lets an entry become "not acknowledged"; withdrawing it keeps the history."""

    SIGNED = "signed", _("Searched, no match")
    WITHDRAWN = "withdrawn", _("Sign-off withdrawn")


class Outcome(models.TextChoices):
    """Result per entry, derived from decisions and the registry (lists/outcomes.py)."""

    ACKNOWLEDGED_HELD = "acknowledged_held", _("Acknowledged held")
    NOT_ACKNOWLEDGED = "not_acknowledged", _("Not acknowledged")
    UNKNOWN = "unknown", _("Unknown")
    DECEASED = "deceased", _("Deceased")
    DUPLICATE = "duplicate", _("Duplicate")


# Object types in the audit log and the denial log.
LIST_OBJECT_TYPE = "lists.list"
CANDIDATE_OBJECT_TYPE = "lists.candidate"
ENTRY_OBJECT_TYPE = "lists.entry"
# An upload awaiting its uploader's confirmation (models.ListDraft).
DRAFT_OBJECT_TYPE = "lists.draft"

# What a coordinator may disclose of a list's reconciliation to a party. Candidates, scores,
# explanations, matched registry persons and reviewer notes are never disclosable.
REPORT_OBJECT_TYPE = "lists.report"
REPORT_OUTCOME_COUNTS = "outcome_counts"
REPORT_OUTCOME_PER_ENTRY = "outcome_per_entry"
REPORT_DISCLOSABLE_FIELDS: tuple[str, ...] = (REPORT_OUTCOME_COUNTS, REPORT_OUTCOME_PER_ENTRY)
