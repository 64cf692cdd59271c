"""The periodic scheduler: slots, exactly-once enqueueing, stopping, housekeeping."""

from __future__ import annotations

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import DAILY, rrule
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from wuye.core import scheduling
from wuye.core.models import ScheduledRun
from wuye.core.scheduling import run_due, run_scheduler, schedule, scheduled_runs_prune

SHANGHAI = ZoneInfo("Asia/Shanghai")
TASK_PATH = f"{__name__}.record_tick"


@task()
def record_tick(label: str = "") -> str:
    return label


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test (the built-in entry is put back afterwards)."""
    monkeypatch.setattr(scheduling, "_registry", {})
    return scheduling._registry


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def enqueued(label: str | None = None) -> int:
    rows = DBTaskResult.objects.filter(task_path=TASK_PATH)
    if label is not None:
        rows = rows.filter(args_kwargs__kwargs__label=label)
    return rows.count()


# --- slots -----------------------------------------------------------------------------------


def test_every_slots_are_aligned_to_the_epoch(registry):
    entry = schedule("t.five", task=record_tick, every=dt.timedelta(minutes=5))

    assert entry.slot_start(at(2026, 11, 25, 10, 7, 30)) == at(2026, 11, 25, 10, 5)
    assert entry.slot_start(at(2026, 11, 25, 10, 5)) == at(2026, 11, 25, 10, 5)
    assert entry.slot_start(at(2026, 11, 25, 10, 4, 59)) == at(2026, 11, 25, 10, 0)


def test_rule_slot_is_the_latest_occurrence_in_local_time(registry):
    entry = schedule("t.night", task=record_tick, rule="FREQ=DAILY;BYHOUR=3;BYMINUTE=0;BYSECOND=0")

    # 02:00 in Shanghai is before today's 03:00, so the slot is yesterday's.
    assert entry.slot_start(at(2026, 11, 25, 2, 0)) == at(2026, 11, 24, 3, 0)
    assert entry.slot_start(at(2026, 11, 25, 3, 0)) == at(2026, 11, 25, 3, 0)


def test_rrule_objects_need_an_aware_start(registry):
    with pytest.raises(ValueError, match="aware"):
        schedule("t.naive", task=record_tick, rule=rrule(DAILY, dtstart=dt.datetime(2026, 1, 1)))
    entry = schedule(
        "t.aware", task=record_tick, rule=rrule(DAILY, byhour=8, dtstart=at(2026, 1, 1))
    )
    assert entry.slot_start(at(2026, 3, 1, 9)) == at(2026, 3, 1, 8)


def test_an_entry_needs_exactly_one_period_and_a_name_once(registry):
    with pytest.raises(ValueError):
        schedule("t.none", task=record_tick)
    with pytest.raises(ValueError):
        schedule("t.both", task=record_tick, every=dt.timedelta(hours=1), rule="FREQ=DAILY")
    schedule("t.once", task=record_tick, every=dt.timedelta(hours=1))
    schedule("t.once", task=record_tick, every=dt.timedelta(hours=1))  # same again: fine
    with pytest.raises(ValueError, match="already registered"):
        schedule("t.once", task=record_tick, every=dt.timedelta(hours=2))


def test_the_housekeeping_entry_is_built_in():
    assert "core.prune_scheduled_runs" in {e.name for e in scheduling.entries()}


# --- exactly once ----------------------------------------------------------------------------


def test_two_schedulers_in_the_same_slot_enqueue_once(db, registry):
    schedule("t.tick", task=record_tick, every=dt.timedelta(minutes=5), kwargs={"label": "a"})
    now = at(2026, 11, 25, 10, 7)

    first = run_scheduler(now=now, once=True)
    second = run_scheduler(now=now + dt.timedelta(seconds=30), once=True)

    assert first == ["t.tick"]
    assert second == []
    assert enqueued("a") == 1
    run = ScheduledRun.objects.get()
    assert (run.name, run.slot_start) == ("t.tick", at(2026, 11, 25, 10, 5))
    assert run.task_result_id == str(DBTaskResult.objects.get().id)


def test_a_claim_taken_between_check_and_insert_is_skipped(db, registry, monkeypatch):
    """The race itself: another scheduler inserts the slot after our exists() check."""
    schedule("t.tick", task=record_tick, every=dt.timedelta(minutes=5))
    now = at(2026, 11, 25, 10, 7)
    real_claim = scheduling._claim_and_enqueue

    def other_scheduler_wins(entry, slot, when):
        assert real_claim(entry, slot, when)  # the other process
        return real_claim(entry, slot, when)  # us, a moment later

    monkeypatch.setattr(scheduling, "_claim_and_enqueue", other_scheduler_wins)
    assert run_due(now=now) == []  # we lost the race: nothing enqueued by us
    assert enqueued() == 1


def test_a_later_slot_enqueues_again(db, registry):
    schedule("t.tick", task=record_tick, every=dt.timedelta(minutes=5))
    now = at(2026, 11, 25, 10, 7)

    run_scheduler(now=now, once=True)
    run_scheduler(now=now + dt.timedelta(minutes=5), once=True)

    assert enqueued() == 2
    assert ScheduledRun.objects.count() == 2


def test_a_scheduler_that_was_down_catches_up_once_not_per_missed_slot(db, registry):
    schedule("t.tick", task=record_tick, every=dt.timedelta(minutes=5))
    run_scheduler(now=at(2026, 11, 25, 10, 0), once=True)

    run_scheduler(now=at(2026, 11, 25, 12, 0), once=True)  # 23 slots missed

    assert enqueued() == 2


def test_grace_skips_a_slot_that_is_too_old(db, registry):
    schedule(
        "t.morning",
        task=record_tick,
        rule="FREQ=DAILY;BYHOUR=7;BYMINUTE=0;BYSECOND=0",
        grace=dt.timedelta(hours=1),
    )

    assert run_due(now=at(2026, 11, 25, 9, 0)) == []
    assert run_due(now=at(2026, 11, 26, 7, 30)) == ["t.morning"]


def test_a_failed_enqueue_leaves_the_slot_open(db, registry):
    schedule("t.bad", task=record_tick, every=dt.timedelta(minutes=5), args=[object()])

    with pytest.raises(TypeError):
        run_due(now=at(2026, 11, 25, 10, 7))

    assert not ScheduledRun.objects.exists()  # the claim rolled back with the enqueue


def test_other_backends_enqueue_on_commit(
    db, registry, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    schedule("t.tick", task=record_tick, every=dt.timedelta(minutes=5))
    backend = record_tick.get_backend()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert run_due(now=at(2026, 11, 25, 10, 7)) == ["t.tick"]
        assert backend.results == []  # not before the claim commits

    assert len(callbacks) == 1
    assert len(backend.results) == 1


# --- the loop --------------------------------------------------------------------------------


def test_the_loop_stops_promptly_when_asked(monkeypatch):
    passes: list[dt.datetime] = []
    monkeypatch.setattr(scheduling, "run_due", lambda *, now: passes.append(now) or [])
    monkeypatch.setattr(scheduling, "_refresh_connections", lambda: None)
    stop = threading.Event()
    loop = threading.Thread(target=run_scheduler, kwargs={"interval": 60, "stop": stop})

    started = time.monotonic()
    loop.start()
    time.sleep(0.1)
    stop.set()  # what the command's SIGTERM/SIGINT handler does
    loop.join(timeout=5)

    assert not loop.is_alive()
    assert time.monotonic() - started < 3  # did not sit out the 60 s interval
    assert len(passes) == 1


def test_a_failing_pass_is_logged_and_the_loop_goes_on(db, registry, caplog, monkeypatch):
    calls = []

    def flaky(*, now):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        stop.set()
        return ["t.tick"]

    stop = threading.Event()
    monkeypatch.setattr(scheduling, "run_due", flaky)

    assert run_scheduler(now=at(2026, 11, 25, 10, 7), interval=0.01, stop=stop) == ["t.tick"]
    assert len(calls) == 2
    assert "pass failed" in caplog.text


# --- housekeeping ----------------------------------------------------------------------------


def test_pruning_keeps_recent_rows_and_each_entrys_newest(db):
    now = at(2026, 11, 25, 4, 10)
    old, older = now - dt.timedelta(days=40), now - dt.timedelta(days=70)
    for name, slot in [
        ("daily", older),
        ("daily", old),
        ("daily", now),
        ("monthly", older),
        ("monthly", old),
    ]:
        ScheduledRun.objects.create(name=name, slot_start=slot, enqueued_at=slot)

    assert scheduled_runs_prune(now=now) == 3

    left = set(ScheduledRun.objects.values_list("name", "slot_start"))
    # "monthly" keeps its newest slot even though it is old: deleting it would re-run it.
    assert left == {("daily", now), ("monthly", old)}
