"""``wuye scheduler`` as real processes: exactly once across processes, clean stop on signals."""

from __future__ import annotations

import signal
import sqlite3
import subprocess

import pytest

from wuye.core.tests.processes import ROOT, process_env, wuye_command


def test_three_scheduler_processes_at_the_same_moment_enqueue_once(var_dir):
    # Given three schedulers started together, all told it is 05:00 on 15 January
    now = "2026-01-15T05:00:00+08:00"
    processes = [
        subprocess.Popen(
            wuye_command("scheduler", "--once", f"--now={now}"),
            cwd=ROOT,
            env=process_env(var_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=60)[0].decode() for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs

    # Then every registered entry — the built-in daily one included — was enqueued exactly
    # once, each by only one of them
    assert sum("core.prune_scheduled_runs" in out for out in outputs) == 1, outputs
    with sqlite3.connect(var_dir / "wuye.sqlite3") as db:
        runs = db.execute("SELECT name, slot_start FROM core_scheduledrun").fetchall()
        tasks = db.execute("SELECT count(*) FROM django_tasks_database_dbtaskresult").fetchone()[0]
    assert ("core.prune_scheduled_runs", "2026-01-14 20:10:00") in runs
    assert len({name for name, _ in runs}) == len(runs)
    assert tasks == len(runs)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_scheduler_command_stops_cleanly_on_signal(var_dir, sig):
    process = subprocess.Popen(
        wuye_command("scheduler", "--interval", "60"),
        cwd=ROOT,
        env=process_env(var_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # wait for the loop to start (it prints once it has installed its handlers)
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        while line and "a pass every" not in line:
            line = process.stdout.readline().decode()
        process.send_signal(sig)
        assert process.wait(timeout=10) == 0
        assert b"scheduler: stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
