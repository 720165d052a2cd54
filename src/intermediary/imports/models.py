"""An uploaded person file, kept as uploaded, and the job that validates and imports it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from intermediary.core.models import PublicIdModel
from intermediary.dossiers.models import Dossier
from intermediary.imports.choices import BLOCKING_STATUSES, FINISHED_STATUSES, ImportStatus


class PersonImport(PublicIdModel):
    """One upload of a list of persons into one dossier: who, when, which bytes (SHA-256), and
    how the import went. Rows are all imported or none is: there is no partial state."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="person_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    requested_encoding = models.CharField(_("encoding given"), max_length=32, blank=True)
    format = models.CharField(_("format"), max_length=8, blank=True)
    encoding = models.CharField(_("read as"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_checked = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    persons_created = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # [{row, column, code, message}], the first MAX_KEPT_ERRORS; error_count has them all.
    errors = models.JSONField(default=list, blank=True)
    failure = models.CharField(max_length=500, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="person_import_status_valid"
            ),
            # The same bytes are imported into a dossier at most once (a second upload of a
            # list would double every person in it).
            models.UniqueConstraint(
                fields=["dossier", "sha256"],
                condition=Q(status__in=BLOCKING_STATUSES),
                name="person_import_file_once_per_dossier",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(status__in=FINISHED_STATUSES),
                name="person_import_finished_means_final",
            ),
            models.CheckConstraint(
                condition=Q(persons_created=0) | Q(status=ImportStatus.SUCCEEDED),
                name="person_import_persons_only_when_succeeded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.sha256[:12]})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def percent(self) -> int:
        """Checking is the first half of the work, writing the second."""
        if self.status == ImportStatus.SUCCEEDED:
            return 100
        if not self.rows_total:
            return 0
        return min(100, (self.rows_checked + self.rows_done) * 50 // self.rows_total)


class PersonImportFile(models.Model):
    """The raw bytes as uploaded, in the database: one backup, one retention rule, and a
    worker on another host reads them without a shared disk. Deleted with its import."""

    person_import = models.OneToOneField(
        PersonImport, on_delete=models.CASCADE, primary_key=True, related_name="raw"
    )
    content = models.BinaryField()

    def __str__(self) -> str:
        return f"raw file of {self.person_import_id}"
