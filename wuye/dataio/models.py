"""Import jobs: one uploaded workbook imported into one project, with progress and result."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wuye.core.models import TimeStamped
from wuye.dataio.storage import private_storage


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("import status", "Queued")
    VALIDATING = "validating", pgettext_lazy("import status", "Validating")
    IMPORTING = "importing", pgettext_lazy("import status", "Importing")
    DONE = "done", pgettext_lazy("import status", "Done")
    FAILED = "failed", pgettext_lazy("import status", "Failed")


ACTIVE_STATUSES = (ImportJobStatus.QUEUED, ImportJobStatus.VALIDATING, ImportJobStatus.IMPORTING)


class ImportEvent(models.TextChoices):
    """How a job ended; the same dotted codes are written to the audit log."""

    COMPLETED = "dataio.import.completed", pgettext_lazy("import outcome", "Imported")
    REJECTED = "dataio.import.rejected", _("Rejected: the file has errors")
    CRASHED = "dataio.import.crashed", _("Failed: an unexpected error stopped the import")


class ImportJob(TimeStamped):
    """``queued → validating → importing → done``, or ``failed`` from validating (the file has
    errors: ``errors`` lists them) or from importing (nothing was written).

    The uploaded file is kept in the private storage (no URL) and deleted when the job
    finishes: it holds personal data and the outcome is kept in ``counts``/``errors``.
    """

    project = models.ForeignKey(
        "places.Project",
        on_delete=models.CASCADE,
        related_name="import_jobs",
        verbose_name=_("project"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Private storage: the upload holds personal data and has no URL (never under MEDIA_ROOT).
    file = models.FileField(
        _("file"), upload_to="dataio/imports/%Y/%m/", storage=private_storage, blank=True
    )
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    # Language the results (error reasons) are written in: the uploader's.
    language = models.CharField(_("language"), max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    event = models.CharField(_("outcome"), max_length=100, choices=ImportEvent.choices, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("number of errors"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="importjob_project_created"),
            models.Index(fields=["-created_at"], name="importjob_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def progress_percent(self) -> int:
        if self.status == ImportJobStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def stored_errors_truncated(self) -> bool:
        return self.error_count > len(self.errors)
