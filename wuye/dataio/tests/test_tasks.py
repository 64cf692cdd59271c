"""Large files: queued job, progress, worker idempotency and all-or-nothing on a crash."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from wuye.audit.models import AuditEvent
from wuye.dataio import parsing, services
from wuye.dataio.models import ImportEvent, ImportJob, ImportJobStatus
from wuye.dataio.services import import_job_run, import_job_submit
from wuye.dataio.tasks import import_job_task
from wuye.places.models import Building, Occupant, Unit

from .helpers import rows, upload, workbook_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(world, settings):
    """A 30-row upload, queued because the inline limit is set below its size."""
    settings.WUYE_IMPORT_SYNC_ROWS = 10
    return import_job_submit(
        actor=world.manager, project=world.p1, upload=upload(workbook_bytes(rows(30)))
    )


def test_a_large_upload_is_queued_with_its_task(queued):
    assert queued.status == ImportJobStatus.QUEUED
    assert queued.total_rows == 0  # counted by the worker, not by the upload request
    task = DBTaskResult.objects.get()
    assert task.task_path == "wuye.dataio.tasks.import_job_task"
    assert task.args_kwargs == {"args": [], "kwargs": {"job_id": queued.pk}}
    assert not Unit.objects.filter(building__name="2幢").exists()


def test_running_the_task_twice_imports_once(world, queued):
    assert import_job_task.call(job_id=queued.pk) == ImportJobStatus.DONE
    assert import_job_task.call(job_id=queued.pk) is None

    queued.refresh_from_db()
    assert queued.status == ImportJobStatus.DONE
    assert Unit.objects.filter(building__name="2幢").count() == 30
    assert AuditEvent.objects.filter(action=ImportEvent.COMPLETED).count() == 1
    assert AuditEvent.objects.filter(action="places.unit.created").count() == 30


@pytest.mark.django_db(transaction=True)  # the worker commits and reconnects like in production
def test_the_database_worker_runs_the_queued_job(world, queued):
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    queued.refresh_from_db()
    assert queued.status == ImportJobStatus.DONE
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert Unit.objects.filter(building__name="2幢").count() == 30


def test_progress_is_saved_while_rows_are_checked(world, queued, monkeypatch):
    monkeypatch.setattr(parsing, "PROGRESS_EVERY", 10)
    seen = []
    original = services._progress

    def spy(job_id, processed, total):
        original(job_id, processed, total)
        job = ImportJob.objects.get(pk=job_id)
        seen.append((job.status, job.processed_rows, job.total_rows))

    monkeypatch.setattr(services, "_progress", spy)
    import_job_run(job_id=queued.pk)

    assert seen == [("validating", 10, 30), ("validating", 20, 30), ("validating", 30, 30)]


def test_a_crash_while_writing_imports_nothing_and_fails_the_job(world, queued, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(AuditEvent.objects, "bulk_create", explode)
    units_before, occupants_before = Unit.objects.count(), Occupant.objects.count()

    with pytest.raises(RuntimeError):
        import_job_task.call(job_id=queued.pk)

    queued.refresh_from_db()
    assert (queued.status, queued.event) == (ImportJobStatus.FAILED, ImportEvent.CRASHED)
    assert queued.errors[0]["message"]
    assert (Unit.objects.count(), Occupant.objects.count()) == (units_before, occupants_before)
    assert not Building.objects.filter(name="2幢").exists()
    assert queued.file  # kept to reproduce the failure
    # and running it again does not retry half-way
    assert import_job_task.call(job_id=queued.pk) is None


def test_a_conflicting_concurrent_write_is_reported_as_such(world, queued, monkeypatch):
    def conflict(*args, **kwargs):
        raise IntegrityError("UNIQUE constraint failed")

    monkeypatch.setattr(Unit.objects, "bulk_create", conflict)
    job = import_job_run(job_id=queued.pk)
    assert job.status == ImportJobStatus.FAILED
    with translation.override(job.language):
        expected = gettext(
            "The data changed while the file was being imported; nothing was imported. "
            "Upload the file again."
        )
    assert job.errors == [{"row": None, "column": "", "message": expected}]
    assert "重新上传" in expected  # the uploader's language, Chinese by default


def test_a_job_that_is_already_running_is_not_claimed_again(world, queued):
    ImportJob.objects.filter(pk=queued.pk).update(status=ImportJobStatus.VALIDATING)
    assert import_job_run(job_id=queued.pk) is None
    assert not Unit.objects.filter(building__name="2幢").exists()


def test_a_job_whose_worker_died_is_queued_again_and_imports_once(world, queued):
    # given a worker claimed the job and died in the write phase (its transaction rolled back)
    ImportJob.objects.filter(pk=queued.pk).update(
        status=ImportJobStatus.IMPORTING, updated_at=timezone.now() - dt.timedelta(hours=1)
    )
    # when the sweep runs (twice, as two schedulers might)
    assert services.import_jobs_requeue_stale() == 1
    assert services.import_jobs_requeue_stale() == 0
    # then the job runs again from the start and imports every row exactly once
    assert DBTaskResult.objects.filter(args_kwargs__kwargs__job_id=queued.pk).count() == 2
    assert import_job_task.call(job_id=queued.pk) == ImportJobStatus.DONE
    assert Unit.objects.filter(building__name="2幢").count() == 30


def test_a_job_still_making_progress_is_left_alone(world, queued):
    ImportJob.objects.filter(pk=queued.pk).update(
        status=ImportJobStatus.VALIDATING, updated_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert services.import_jobs_requeue_stale() == 0
    queued.refresh_from_db()
    assert queued.status == ImportJobStatus.VALIDATING
