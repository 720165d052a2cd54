"""Submitted lists kept as received, their parsed entries, reconciliation runs, candidates and
the reviewers' decisions (with history)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intermediary.accounts.models import Organisation
from intermediary.core.models import PublicIdModel
from intermediary.dossiers.models import Dossier
from intermediary.lists.choices import (
    CandidateSource,
    Decision,
    ListKind,
    RunStatus,
    SignOffAction,
)
from intermediary.registry.choices import Script, Sex
from intermediary.registry.models import Person, PersonName


class SubmittedList(PublicIdModel):
    """A list as a party handed it over: who, when, for which party, which kind, which bytes.

    ``submitted_by`` may be intermediary staff uploading on the party's behalf
    (``on_behalf`` is then true): the list is still the party's.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="lists")
    kind = models.CharField(_("kind"), max_length=8, choices=ListKind.choices)
    submitting_party = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="submitted_lists"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf = models.BooleanField(_("uploaded by the intermediary"), default=False)
    submitted_at = models.DateTimeField(auto_now_add=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    file_format = models.CharField(max_length=8)
    encoding = models.CharField(max_length=64)
    entry_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            # The same bytes twice in a dossier is a resubmission, never a second list.
            models.UniqueConstraint(fields=["dossier", "sha256"], name="list_file_once"),
            models.CheckConstraint(condition=Q(kind__in=ListKind.values), name="list_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} list {self.filename}"


class ListFile(models.Model):
    """The raw bytes, apart from the list row so that listing lists never loads them."""

    submitted_list = models.OneToOneField(
        SubmittedList, on_delete=models.CASCADE, related_name="raw_file"
    )
    content = models.BinaryField()

    def __str__(self) -> str:
        return f"file of {self.submitted_list_id}"


class SeenData(models.Model):
    """What the registry and the other side's lists held when a reconciliation read them:
    counts of the dossier's registry persons, of their names, and of the other side's lists
    of the opposite kind, and the dossier's count of registry corrections
    (``Dossier.registry_corrections``; ``lists.freshness``). Counts, not timestamps: a long
    import that commits after a run started still raises them, whereas its rows' timestamps
    could be older than the run. Zero means "nothing recorded", which reads as new data
    (safe) as soon as the dossier holds anything or has had a correction."""

    seen_persons = models.PositiveIntegerField(default=0)
    seen_person_names = models.PositiveIntegerField(default=0)
    seen_lists = models.PositiveIntegerField(default=0)
    seen_corrections = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class ListEntry(PublicIdModel):
    """One person as the list names them; every field as given except the parsed date."""

    submitted_list = models.ForeignKey(
        SubmittedList, on_delete=models.CASCADE, related_name="entries"
    )
    row_number = models.PositiveIntegerField(_("row"))
    reference = models.CharField(_("list reference"), max_length=64, blank=True)
    full_name = models.CharField(_("name as given"), max_length=300)
    script = models.CharField(_("script"), max_length=16, choices=Script.choices)
    other_names = models.CharField(_("other names as given"), max_length=600, blank=True)
    given_name = models.CharField(_("given name"), max_length=200, blank=True)
    family_name = models.CharField(_("family name"), max_length=200, blank=True)
    father_name = models.CharField(_("father's name"), max_length=200, blank=True)
    date_of_birth_text = models.CharField(_("date of birth as given"), max_length=40, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(null=True, blank=True)
    place_of_birth = models.CharField(_("place of birth"), max_length=200, blank=True)
    id_number = models.CharField(_("identity number"), max_length=64, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    # Every name the entry gives, folded by the matching library's rules: what a reviewer's
    # search of the other side's lists runs on (lists.selectors.entry_other_side_search).
    search_key = models.CharField(max_length=1000, blank=True, editable=False)

    class Meta:
        ordering = ["submitted_list", "row_number"]
        verbose_name_plural = "list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_list", "row_number"], name="list_entry_row_unique"
            ),
            models.CheckConstraint(
                condition=Q(birth_day__isnull=True) | Q(birth_month__isnull=False),
                name="list_entry_day_needs_month",
            ),
            models.CheckConstraint(
                condition=Q(birth_month__isnull=True) | Q(birth_year__isnull=False),
                name="list_entry_month_needs_year",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class ReconciliationRun(SeenData, PublicIdModel):
    """One background matching job over a list, with its progress for the polling page, and
    (once done) what data it compared the list against (``SeenData``)."""

    submitted_list = models.ForeignKey(SubmittedList, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    threshold = models.FloatField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    candidate_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One job at a time per list: two would race on the same candidates.
            models.UniqueConstraint(
                fields=["submitted_list"],
                condition=Q(status__in=["queued", "running"]),
                name="list_one_active_run",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="list_run_status_valid"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="list_run_progress_range"),
        ]

    def __str__(self) -> str:
        return f"run {self.public_id} ({self.status})"


class MatchCandidate(PublicIdModel):
    """A possible identity between an entry and a registry person or another list's entry
    (or an earlier entry of the same list: a possible duplicate), with the model's score and
    per-field match weights. Intermediary-only, always.

    A reviewer may add a registry person or an entry of the other side's list that the
    matcher missed (``source`` manual): such a candidate has no run, no score and no weights,
    and is decided like any other.
    """

    entry = models.ForeignKey(ListEntry, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    matched_name = models.ForeignKey(
        PersonName, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    other_entry = models.ForeignKey(
        ListEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    source = models.CharField(
        max_length=8, choices=CandidateSource.choices, default=CandidateSource.MATCHER
    )
    run = models.ForeignKey(
        ReconciliationRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    probability = models.FloatField(null=True, blank=True)
    weights = models.JSONField(default=dict, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=16, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["entry", "-probability", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, other_entry__isnull=True)
                | Q(person__isnull=True, other_entry__isnull=False),
                name="candidate_one_target",
            ),
            models.UniqueConstraint(fields=["entry", "person"], name="candidate_person_once"),
            models.UniqueConstraint(fields=["entry", "other_entry"], name="candidate_entry_once"),
            # At most one confirmed identity per entry: the outcome must be unambiguous.
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(decision="confirmed"),
                name="candidate_one_confirmed_per_entry",
            ),
            models.CheckConstraint(
                condition=Q(decision__in=Decision.values), name="candidate_decision_valid"
            ),
            models.CheckConstraint(
                condition=Q(probability__isnull=True) | Q(probability__gte=0, probability__lte=1),
                name="candidate_probability_range",
            ),
            # A score comes from a run; a reviewer's own candidate has neither, but says who.
            models.CheckConstraint(
                condition=Q(
                    source=CandidateSource.MATCHER,
                    run__isnull=False,
                    probability__isnull=False,
                )
                | Q(
                    source=CandidateSource.MANUAL,
                    run__isnull=True,
                    probability__isnull=True,
                    added_by__isnull=False,
                ),
                name="candidate_source_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"candidate {self.public_id}"

    @property
    def is_manual(self) -> bool:
        return self.source == CandidateSource.MANUAL


class CandidateDecision(PublicIdModel):
    """Every decision ever taken on a candidate; the latest is the current one (cached on the
    candidate). Never updated: revising a decision adds a row."""

    candidate = models.ForeignKey(
        MatchCandidate, on_delete=models.CASCADE, related_name="decisions"
    )
    decision = models.CharField(max_length=16, choices=Decision.choices)
    note = models.TextField(_("reviewer note"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=[Decision.CONFIRMED, Decision.REJECTED]),
                name="candidate_decision_history_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} by {self.decided_by_id}"


class EntrySignOff(SeenData, PublicIdModel):
    """A reviewer's attestation on one sought entry: "searched, no match" (``signed``), or
    its withdrawal. Never updated: the latest row is the entry's current state, earlier rows
    are the history.

    Why it exists: the matcher misses people, so "no candidate found" must never by itself
    tell a family or a party that a person is not acknowledged. Only a standing sign-off by
    a reviewer, with the note of what was searched, makes the outcome "not acknowledged".

    A sign-off keeps the data its search covered (``SeenData``: that of the reconciliation it
    followed). Registry persons or other-side lists added since, or a registry record that
    could match the entry corrected since (``lists.reach``), suspend it: the outcome is
    "unknown" again until a reviewer reconciles, searches and renews it, on the entry's page
    or with others whose fresh search found nobody (``lists.renewal``; docs/lists.md).
    """

    entry = models.ForeignKey(ListEntry, on_delete=models.CASCADE, related_name="sign_offs")
    action = models.CharField(max_length=16, choices=SignOffAction.choices)
    note = models.TextField(_("reviewer note"), max_length=2000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=SignOffAction.values), name="sign_off_action_valid"
            ),
            # What was searched is the substance of the sign-off: never without a note.
            models.CheckConstraint(condition=~Q(note=""), name="sign_off_note_required"),
        ]

    def __str__(self) -> str:
        return f"{self.action} on {self.entry_id} by {self.by_id}"


class ListDraft(PublicIdModel):
    """An upload awaiting its uploader's confirmation (the preview page), kept server-side so
    that the bytes confirmed are exactly the bytes previewed: never re-uploaded, never taken
    from the client. Seen by its uploader only, until ``expires_at``; deleted when confirmed
    (it then becomes a ``SubmittedList``) or cancelled, and expired ones whenever a new draft
    is made (``services.list_draft_create``)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="list_drafts")
    kind = models.CharField(_("kind"), max_length=8, choices=ListKind.choices)
    party = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255)
    # As the uploader named it on the form (empty: UTF-8); the confirm parses with it again.
    encoding = models.CharField(max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ListKind.values), name="draft_kind_valid"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="list_draft_expiry")]

    def __str__(self) -> str:
        return f"draft {self.filename}"
