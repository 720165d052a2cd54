"""States of an import job."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Imported")
    REJECTED = "rejected", _("Rejected: the file has errors, nothing was imported")
    FAILED = "failed", _("Failed: nothing was imported")


# An import in these states holds its file's SHA-256 in its dossier: the same file again is
# refused. A rejected or failed file may be uploaded again (after fixing the dossier, say).
BLOCKING_STATUSES = (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.SUCCEEDED)
FINISHED_STATUSES = (ImportStatus.SUCCEEDED, ImportStatus.REJECTED, ImportStatus.FAILED)
