"""Background work for dataio: thin wrappers over services, taking ids, idempotent."""

from __future__ import annotations

from django_tasks import task

from wuye.dataio.services import import_job_run, import_jobs_requeue_stale


@task()
def import_job_task(job_id: int) -> str | None:
    """Run one import job. Safe to run twice: only a queued job is claimed."""
    job = import_job_run(job_id=job_id, reraise=True)
    return job.status if job else None


@task()
def import_jobs_sweep() -> int:
    """Periodic: queue again the jobs whose worker died (see ``import_jobs_requeue_stale``)."""
    return import_jobs_requeue_stale()
