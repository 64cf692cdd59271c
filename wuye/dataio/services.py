"""Import jobs: submit an uploaded workbook, run it (in a task or inline), record the outcome.

Running a job has two phases, chosen so that progress stays visible on every database:

1. **validating** — the workbook is parsed and every row checked without writing any tenant
   data; ``processed_rows`` is saved every few hundred rows in its own short autocommit
   ``UPDATE``, which a polling page can read at once (on SQLite no write transaction is
   held open, so these small writes never wait on the import).
2. **importing** — only when the file has no errors: one ``transaction.atomic()`` block
   upserts everything, marks the job done and writes the audit rows. A crash rolls all of it
   back, so a file is never half-imported; the job is then marked failed.

Each phase starts with a conditional ``UPDATE ... WHERE status = <previous>`` claim, so a
task that runs twice for the same job (a retry, two workers) imports once.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import openpyxl
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from wuye.audit.services import audit_record
from wuye.core.tasks import enqueue_with
from wuye.dataio.models import ImportEvent, ImportJob, ImportJobStatus
from wuye.dataio.parsing import MAX_STORED_ERRORS, ParsedFile, parse_workbook
from wuye.dataio.upsert import AmbiguousOccupants, import_parsed_rows
from wuye.places.models import Project

logger = logging.getLogger(__name__)

# Files up to this many rows are imported inside the upload request (a second or two) so
# the user sees the result at once; larger ones go to the task queue with a progress page.


def sync_row_limit() -> int:
    return int(settings.WUYE_IMPORT_SYNC_ROWS)


def measure_upload(upload: Any, *, limit: int) -> tuple[int, bool]:
    """``(data rows, small)``. Counts non-empty rows up to ``limit`` and stops there, so a big
    upload costs the request little; for a big file the count is left at 0 (unknown) for the
    worker to fill in."""
    try:
        workbook = openpyxl.load_workbook(upload, read_only=True)
    except Exception:  # an unreadable file is reported by the parser with a proper reason
        upload.seek(0)
        return 0, True
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # do not trust (or compute) the stored size
        rows = 0
        for seen, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=1):
            if any(v is not None and str(v).strip() for v in values):
                rows += 1
            if rows > limit or seen > 5 * limit + 100:
                return 0, False
        return rows, True
    finally:
        workbook.close()
        upload.seek(0)


def _enqueue(job_id: int) -> None:
    """Start the job's task: it exists exactly when the job does (see ``wuye.core.tasks``)."""
    from wuye.dataio.tasks import import_job_task

    enqueue_with(ImportJob, import_job_task, job_id=job_id)


def import_job_submit(
    *, actor: Any, project: Project, upload: UploadedFile, now: dt.datetime | None = None
) -> ImportJob:
    """Store ``upload`` as an import job for ``project`` and start it.

    Precondition: the caller checked ``Capability.IMPORT_EXPORT`` for ``project``. Small files
    are imported before this returns; larger ones are queued for the task worker. Returns the
    job as it stands afterwards.
    """
    estimate, inline = measure_upload(upload, limit=sync_row_limit())
    with transaction.atomic():
        job = ImportJob(
            project=project,
            created_by=actor,
            original_name=(upload.name or "")[:255],
            language=translation.get_language() or settings.LANGUAGE_CODE,
            total_rows=estimate,
        )
        job.file.save(upload.name or "import.xlsx", upload, save=False)
        job.save()
        if not inline:
            _enqueue(job.pk)
    if inline:
        import_job_run(job_id=job.pk, now=now)
        job.refresh_from_db()
    return job


def import_job_run(
    *, job_id: int, now: dt.datetime | None = None, reraise: bool = False
) -> ImportJob | None:
    """Run a queued job to the end. Returns the job, or None when it was not queued (already
    claimed or finished: running twice is harmless). An unexpected error marks the job
    failed (nothing imported) and is logged; ``reraise`` passes it on (for the task runner).
    """
    now = now or timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.QUEUED).update(
        status=ImportJobStatus.VALIDATING,
        started_at=now,
        processed_rows=0,
        updated_at=now,
    )
    if not claimed:
        logger.info("Import job %s is not queued; nothing to do", job_id)
        return None
    job = ImportJob.objects.select_related("project", "created_by").get(pk=job_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            _run(job, now)
        except Exception as exc:
            logger.exception("Import job %s failed", job_id)
            _mark_crashed(job, exc)
            if reraise:
                raise
    job.refresh_from_db()
    return job


# A running job bumps ``updated_at`` every few hundred rows while validating and its write
# phase takes about a minute per 100,000 rows: a job untouched this long lost its worker.
STALE_AFTER = dt.timedelta(minutes=30)


def import_jobs_requeue_stale(*, now: dt.datetime | None = None) -> int:
    """Queue again the jobs whose worker died mid-run (killed, out of memory, host lost).

    Nothing of such a job was written (the write phase is one transaction), and the upsert is
    idempotent, so running it again from the start neither loses nor duplicates rows. Safe to
    run concurrently: each job is moved back with a conditional UPDATE. Returns the count.
    """
    now = now or timezone.now()
    cutoff = now - STALE_AFTER
    running = [ImportJobStatus.VALIDATING, ImportJobStatus.IMPORTING]
    stale = ImportJob.objects.filter(status__in=running, updated_at__lt=cutoff).exclude(file="")
    requeued = 0
    for job_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            moved = ImportJob.objects.filter(
                pk=job_id, status__in=running, updated_at__lt=cutoff
            ).update(status=ImportJobStatus.QUEUED, processed_rows=0, updated_at=now)
            if moved:
                logger.warning("Import job %s lost its worker; queued again", job_id)
                _enqueue(job_id)
                requeued += 1
    return requeued


def _progress(job_id: int, processed: int, total: int) -> None:
    # Outside any transaction: commits at once and is visible to the polling page.
    ImportJob.objects.filter(pk=job_id).update(
        processed_rows=processed, total_rows=total, updated_at=timezone.now()
    )


def _run(job: ImportJob, now: dt.datetime) -> None:
    with job.file.open("rb") as handle:
        parsed = parse_workbook(
            handle,
            project_name=job.project.name,
            on_progress=lambda done, total: _progress(job.pk, done, total),
        )
    if not parsed.ok:
        _reject(job, parsed, errors=parsed.errors, error_count=parsed.error_count)
        return
    moved = ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.VALIDATING).update(
        status=ImportJobStatus.IMPORTING,
        total_rows=parsed.total_rows,
        processed_rows=parsed.total_rows,
        updated_at=timezone.now(),
    )
    if not moved:
        return
    try:
        _write(job, parsed, now)
    except AmbiguousOccupants as exc:  # rolled back: nothing was written
        errors = exc.errors[:MAX_STORED_ERRORS]
        _reject(job, parsed, errors=errors, error_count=len(exc.errors))
        return
    _discard_file(job)


def _write(job: ImportJob, parsed: ParsedFile, now: dt.datetime) -> None:
    with transaction.atomic():
        counts = import_parsed_rows(
            actor=job.created_by,
            project=job.project,
            parsed=parsed,
            note=_("Import job #%(id)s") % {"id": job.pk},
            now=now,
        )
        finished = ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.IMPORTING).update(
            status=ImportJobStatus.DONE,
            event=ImportEvent.COMPLETED,
            counts=counts,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if not finished:
            raise RuntimeError(f"Import job {job.pk} changed state while importing")
        audit_record(
            actor=job.created_by,
            action=ImportEvent.COMPLETED,
            instance=job,
            project=job.project,
            changes={
                "rows": [None, parsed.total_rows],
                **{entity: [None, c] for entity, c in counts.items()},
            },
            note=job.original_name,
            now=now,
        )


def _reject(
    job: ImportJob, parsed: ParsedFile, *, errors: list[dict[str, Any]], error_count: int
) -> None:
    """The file has errors: found while checking it, or (occupants that cannot be told
    apart) while writing it, which was rolled back."""
    with transaction.atomic():
        ImportJob.objects.filter(
            pk=job.pk, status__in=[ImportJobStatus.VALIDATING, ImportJobStatus.IMPORTING]
        ).update(
            status=ImportJobStatus.FAILED,
            event=ImportEvent.REJECTED,
            errors=errors,
            error_count=error_count,
            total_rows=parsed.total_rows,
            processed_rows=parsed.total_rows,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        audit_record(
            actor=job.created_by,
            action=ImportEvent.REJECTED,
            instance=job,
            project=job.project,
            changes={"rows": [None, parsed.total_rows], "errors": [None, error_count]},
            note=job.original_name,
        )
    _discard_file(job)


def _mark_crashed(job: ImportJob, exc: Exception) -> None:
    if isinstance(exc, IntegrityError):
        message = _(
            "The data changed while the file was being imported; nothing was imported. "
            "Upload the file again."
        )
    else:
        message = _(
            "An unexpected error stopped the import; nothing was imported. Try again, "
            "and contact support if it happens again."
        )
    # The file is kept so that an administrator can reproduce the failure.
    with transaction.atomic():
        ImportJob.objects.filter(
            pk=job.pk,
            status__in=[ImportJobStatus.VALIDATING, ImportJobStatus.IMPORTING],
        ).update(
            status=ImportJobStatus.FAILED,
            event=ImportEvent.CRASHED,
            errors=[{"row": None, "column": "", "message": str(message)}],
            error_count=1,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        audit_record(
            actor=job.created_by,
            action=ImportEvent.CRASHED,
            instance=job,
            project=job.project,
            note=f"{type(exc).__name__}",
        )


def _discard_file(job: ImportJob) -> None:
    """The upload holds personal data; once the outcome is recorded it is not needed."""
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
