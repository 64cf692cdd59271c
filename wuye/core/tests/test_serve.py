"""``wuye serve`` as a real process tree: web server, task worker and scheduler."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wuye.core.tests.processes import (
    ROOT,
    alive,
    cmdline,
    descendants,
    free_port,
    http_status,
    process_env,
    wait_until,
    wuye_command,
)


@contextmanager
def serving(var_dir: Path, *args: str) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    port = free_port()
    log = var_dir / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            wuye_command("serve", "--port", str(port), "--workers", "1", *args),
            cwd=ROOT,
            env=process_env(var_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    tree: set[int] = set()
    try:
        ok = wait_until(
            lambda: http_status(f"http://127.0.0.1:{port}/admin/login/") == 200, timeout=25
        )
        assert ok, log.read_text(errors="replace")
        tree = descendants(process.pid)
        yield process, port, log
    finally:
        # Leave nothing behind even when an assertion failed: stop exactly what we started.
        tree |= descendants(process.pid) if alive(process.pid) else set()
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in tree:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_serve_runs_web_worker_and_scheduler_and_stops_them_all_on_sigterm(var_dir):
    with serving(var_dir) as (process, port, log):
        # Given the server answers, with static files served by WhiteNoise after collectstatic
        assert http_status(f"http://127.0.0.1:{port}/static/admin/css/base.css") == 200
        assert (var_dir / "static" / "admin" / "css" / "base.css").exists()
        tree = descendants(process.pid)
        commands = [cmdline(pid) for pid in tree]
        assert any("granian" in c for c in commands)
        assert wait_until(
            lambda: any("db_worker" in cmdline(p) for p in descendants(process.pid)), 10
        )
        assert any("scheduler" in c for c in commands)
        tree = descendants(process.pid)

        # When it receives SIGTERM
        process.send_signal(signal.SIGTERM)

        # Then every child stops and the command exits cleanly, within a few seconds
        assert process.wait(timeout=10) == 0, log.read_text(errors="replace")
        assert wait_until(lambda: not any(alive(pid) for pid in tree), timeout=5)
        output = log.read_text(errors="replace")
        assert f"http://127.0.0.1:{port}/console/" in output
        assert "/api/v1/docs" in output


def test_serve_stops_everything_when_one_child_dies(var_dir):
    with serving(var_dir, "--no-collectstatic", "--no-worker") as (process, _port, log):
        tree = descendants(process.pid)
        scheduler = next(pid for pid in tree if "scheduler" in cmdline(pid))

        os.kill(scheduler, signal.SIGKILL)

        assert process.wait(timeout=10) == 1
        assert wait_until(lambda: not any(alive(pid) for pid in tree), timeout=5)
        assert "the scheduler" in log.read_text(errors="replace")


def test_children_stop_when_serve_itself_is_killed(var_dir):
    with serving(var_dir, "--no-collectstatic", "--no-worker") as (process, port, _log):
        tree = descendants(process.pid)

        process.kill()  # SIGKILL: no chance to forward anything
        process.wait()

        # the kernel's parent-death signal stops them, and the port is free again
        assert wait_until(lambda: not any(alive(pid) for pid in tree), timeout=10)
        assert http_status(f"http://127.0.0.1:{port}/admin/login/") is None
