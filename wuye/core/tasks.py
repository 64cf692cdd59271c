"""Enqueueing background tasks so that they commit or roll back with the caller.

With the database task backend on the same database as the caller's rows, a task enqueued
inside the caller's transaction is a row of that transaction: it exists exactly when the
change that asked for it does (an outbox for free). Any other backend — a broker, the
in-process backend of some tests — would run the task before the caller commits, so there
the task is enqueued on commit (docs/architecture.md, "Background work").
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import router, transaction


def tasks_share_database(backend: Any, model: Any) -> bool:
    """True when ``backend`` stores tasks as rows in the database that ``model`` is
    written to."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    return isinstance(backend, DatabaseBackend) and (
        router.db_for_write(DBTaskResult) == router.db_for_write(model)
    )


def enqueue_with(model: Any, task: Any, *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task(*args, **kwargs)`` inside the caller's transaction when tasks share
    ``model``'s database, else when that transaction commits."""
    if tasks_share_database(task.get_backend(), model):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(partial(task.enqueue, *args, **kwargs))
