"""A small periodic scheduler on top of the Django tasks API.

django-tasks runs tasks but has no clock. This module keeps a registry of periodic entries
and a loop that enqueues each entry's task once per *slot*:

- ``every=timedelta(minutes=5)`` — slots are aligned to the Unix epoch (UTC), so the slot of
  ``now`` is ``floor(now / every) * every``;
- ``rule=rrule(...)`` or ``rule="FREQ=DAILY;BYHOUR=3;BYMINUTE=0;BYSECOND=0"`` — wall-clock
  schedules via python-dateutil; the slot of ``now`` is the latest occurrence at or before
  ``now`` (string rules start on 2025-01-01 in ``settings.TIME_ZONE``).

Exactly once across any number of scheduler processes: the scheduler inserts a
``ScheduledRun(name, slot_start)`` row (unique together) and enqueues the task in the same
transaction. With the database task backend the task row commits or rolls back with the
claim, so a slot is enqueued exactly once; with any other backend the task is enqueued on
commit (at most once: a crash between the commit and the enqueue skips that slot).

A scheduler that was down catches up on the *current* slot only, never on every missed one;
pass ``grace=`` to skip a slot entirely when it is already older than that.

Registering: an app calls ``schedule`` from its ``AppConfig.ready()``::

    class ServiceDeskConfig(AppConfig):
        name = "wuye.servicedesk"

        def ready(self) -> None:
            from datetime import timedelta

            from wuye.core.scheduling import schedule
            from wuye.servicedesk.tasks import sla_sweep

            schedule("servicedesk.sla_sweep", every=timedelta(minutes=1), task=sla_sweep)

Tasks run by the scheduler must be idempotent sweeps (safe to run twice at once), take
JSON-serialisable ``args``/``kwargs`` and should accept being run a little late.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from wuye.core.models import ScheduledRun

logger = logging.getLogger(__name__)

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
DEFAULT_INTERVAL = 15.0  # seconds between scheduler passes


@dataclass(frozen=True)
class Entry:
    """One periodic job: ``task`` is enqueued with ``args``/``kwargs`` once per slot."""

    name: str
    task: Task[Any, Any]
    every: dt.timedelta | None = None
    rule: rrule | None = None
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    grace: dt.timedelta | None = None

    def slot_start(self, now: dt.datetime) -> dt.datetime | None:
        """Start of the slot containing ``now`` (aware, UTC), or ``None`` before the first one."""
        if self.every is not None:
            step = int(self.every.total_seconds())
            elapsed = int((now - _EPOCH).total_seconds())
            return _EPOCH + dt.timedelta(seconds=elapsed - elapsed % step)
        assert self.rule is not None
        occurrence = self.rule.before(now, inc=True)
        return None if occurrence is None else occurrence.astimezone(dt.UTC)

    def is_due(self, slot: dt.datetime, now: dt.datetime) -> bool:
        return self.grace is None or now - slot <= self.grace


_registry: dict[str, Entry] = {}
_lock = threading.Lock()


def _parse_rule(rule: rrule | str) -> rrule:
    if isinstance(rule, rrule):
        # dateutil has no public accessor, and types-python-dateutil omits the private one.
        if rule._dtstart.tzinfo is None:  # type: ignore[attr-defined]
            raise ValueError("An rrule for the scheduler needs a time-zone-aware dtstart.")
        return rule
    start = dt.datetime(2025, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))
    parsed = rrulestr(rule, dtstart=start, cache=True)
    if not isinstance(parsed, rrule):
        raise ValueError("Give the scheduler one RRULE, not a set of rules.")
    return parsed


def schedule(
    name: str,
    *,
    task: Task[Any, Any],
    every: dt.timedelta | None = None,
    rule: rrule | str | None = None,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    grace: dt.timedelta | None = None,
) -> Entry:
    """Register a periodic entry under a unique, stable ``name`` (e.g. ``"app.job"``).

    Exactly one of ``every`` (at least one second, whole seconds) and ``rule`` is required.
    Registering the same name again with the same definition is a no-op; with a different
    definition it raises ``ValueError`` (two apps claiming one name is a bug).
    """
    if (every is None) == (rule is None):
        raise ValueError("Pass exactly one of every= and rule=.")
    if every is not None and (every < dt.timedelta(seconds=1) or every.microseconds):
        raise ValueError("every= must be a whole number of seconds, at least one.")
    max_length = ScheduledRun._meta.get_field("name").max_length
    assert max_length is not None  # a CharField
    if len(name) > max_length:
        raise ValueError(f"Schedule name {name!r} is too long.")
    entry = Entry(
        name=name,
        task=task,
        every=every,
        rule=_parse_rule(rule) if rule is not None else None,
        args=tuple(args),
        kwargs=dict(kwargs or {}),
        grace=grace,
    )
    with _lock:
        existing = _registry.get(name)
        if existing is not None:
            if _same(existing, entry):
                return existing
            raise ValueError(f"Schedule entry {name!r} is already registered differently.")
        _registry[name] = entry
    return entry


def _same(a: Entry, b: Entry) -> bool:
    return (
        a.task.module_path == b.task.module_path
        and a.every == b.every
        and str(a.rule) == str(b.rule)
        and a.args == b.args
        and dict(a.kwargs) == dict(b.kwargs)
        and a.grace == b.grace
    )


def unschedule(name: str) -> None:
    """Remove an entry (tests, or an app that turns a job off by setting)."""
    with _lock:
        _registry.pop(name, None)


def entries() -> list[Entry]:
    with _lock:
        return sorted(_registry.values(), key=lambda e: e.name)


# --- running ---------------------------------------------------------------------------------


def _uses_database_backend(entry: Entry) -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(entry.task.get_backend(), DatabaseBackend)


def _claim_and_enqueue(entry: Entry, slot: dt.datetime, now: dt.datetime) -> bool:
    """Insert the slot's row and enqueue; False when another scheduler already did."""
    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(name=entry.name, slot_start=slot, enqueued_at=now)
            if _uses_database_backend(entry):
                result = entry.task.enqueue(*entry.args, **entry.kwargs)
                ScheduledRun.objects.filter(pk=run.pk).update(task_result_id=str(result.id))
            else:
                transaction.on_commit(lambda: entry.task.enqueue(*entry.args, **entry.kwargs))
    except IntegrityError:
        return False
    return True


def run_due(*, now: dt.datetime | None = None, only: Sequence[str] | None = None) -> list[str]:
    """One pass: enqueue every entry whose current slot has not run yet.

    Returns the names enqueued by *this* call. Safe to call from several processes at once.
    """
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be time-zone aware")
    enqueued: list[str] = []
    for entry in entries():
        if only is not None and entry.name not in only:
            continue
        slot = entry.slot_start(now)
        if slot is None or not entry.is_due(slot, now):
            continue
        if ScheduledRun.objects.filter(name=entry.name, slot_start=slot).exists():
            continue  # the common case, answered without a write
        if _claim_and_enqueue(entry, slot, now):
            logger.info("scheduler: enqueued %s for slot %s", entry.name, slot.isoformat())
            enqueued.append(entry.name)
    return enqueued


def _refresh_connections() -> None:
    """Drop broken or expired connections between passes, as a request cycle would; never
    inside a caller's transaction (tests, or a caller that wraps the loop in one)."""
    if not connection.in_atomic_block:
        close_old_connections()


def run_scheduler(
    *,
    now: dt.datetime | Callable[[], dt.datetime] | None = None,
    once: bool = False,
    interval: float = DEFAULT_INTERVAL,
    stop: threading.Event | None = None,
) -> list[str]:
    """Run passes every ``interval`` seconds until ``stop`` is set (or one pass if ``once``).

    ``now`` fixes the clock (a datetime, or a callable returning one) — for tests and for
    back-filling one slot by hand. A pass that fails (e.g. the database is briefly away) is
    logged and retried on the next pass. Returns every name enqueued by this loop.
    """
    stop = stop or threading.Event()
    clock: Callable[[], dt.datetime]
    if now is None:
        clock = timezone.now
    elif callable(now):
        clock = now
    else:
        fixed = now
        clock = lambda: fixed  # noqa: E731
    enqueued: list[str] = []
    while not stop.is_set():
        _refresh_connections()
        try:
            enqueued.extend(run_due(now=clock()))
        except Exception:
            if once:
                raise
            logger.exception("scheduler: pass failed; retrying in %.0f s", interval)
        if once:
            break
        stop.wait(interval)
    _refresh_connections()
    return enqueued


# --- built-in housekeeping -------------------------------------------------------------------

RUN_RETENTION = dt.timedelta(days=30)


def scheduled_runs_prune(
    *, now: dt.datetime | None = None, keep: dt.timedelta = RUN_RETENTION
) -> int:
    """Delete ``ScheduledRun`` rows older than ``keep``, always keeping each name's newest row
    (deleting it would let a long-period entry run its current slot again). Returns the count."""
    cutoff = (now or timezone.now()) - keep
    newer = ScheduledRun.objects.filter(
        name=OuterRef("name"), slot_start__gt=OuterRef("slot_start")
    )
    deleted, _ = ScheduledRun.objects.filter(slot_start__lt=cutoff).filter(Exists(newer)).delete()
    return deleted


@task()
def prune_scheduled_runs() -> int:
    return scheduled_runs_prune()


schedule(
    "core.prune_scheduled_runs",
    task=prune_scheduled_runs,
    rule="FREQ=DAILY;BYHOUR=4;BYMINUTE=10;BYSECOND=0",
)
