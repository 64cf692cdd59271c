"""``wuye serve``: the embedded all-in-one server — web (granian), task worker and scheduler.

One command for a laptop or a small intranet box. It does not migrate (``make run`` runs
``wuye migrate`` first). Static files: ``collectstatic`` copies them to ``STATIC_ROOT`` and
WhiteNoise serves them from there (in DEBUG WhiteNoise also finds them through the finders,
``WHITENOISE_USE_FINDERS`` defaulting to ``DEBUG``). Children run in their own process
groups; SIGINT/SIGTERM to this process is forwarded to each child once. When any child
dies the others are stopped and the command exits non-zero: restarting crashed processes
is a job for a production supervisor (see docs/operations.md).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.module_loading import import_string

STOP_TIMEOUT = 10.0  # seconds a child gets to stop before it is killed
POLL = 0.2
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


@dataclass
class Child:
    label: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


def _uses_database_tasks() -> bool:
    from django_tasks_db.backend import DatabaseBackend

    for config in settings.TASKS.values():
        try:
            backend = import_string(config["BACKEND"])
        except ImportError:
            continue
        if isinstance(backend, type) and issubclass(backend, DatabaseBackend):
            return True
    return False


def _unapplied_migrations() -> int:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _die_with_parent(parent: int) -> Callable[[], None]:
    """Linux: have the kernel send SIGTERM to the child if ``wuye serve`` itself is killed
    (SIGKILL, OOM), so that no orphaned server keeps the port. Runs between fork and exec."""

    def set_death_signal() -> None:
        if sys.platform.startswith("linux"):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)

    return set_death_signal


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(settings.BASE_DIR.parent)  # so children import ``wuye`` from a source checkout
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env.setdefault("DJANGO_SETTINGS_MODULE", "wuye.settings")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


class Command(BaseCommand):
    help = (
        "Serve Wuye on one machine: the granian web server, the database task worker and the "
        "periodic scheduler as child processes. Run `wuye migrate` first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="Address to bind (default 127.0.0.1)."
        )
        parser.add_argument(
            "--port",
            type=int,
            default=settings.WUYE_PORT,
            help="Port (default $WUYE_PORT, else 8000).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=min(2, os.cpu_count() or 1),
            help="Web worker processes (default: 2, or 1 on a single CPU).",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not start the task worker."
        )
        parser.add_argument(
            "--no-scheduler", action="store_true", help="Do not start the scheduler."
        )
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="Skip collectstatic before serving."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["port"] <= 65535:
            raise CommandError("--port must be between 1 and 65535")
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        pending = _unapplied_migrations()
        if pending:
            self.stderr.write(f"Warning: {pending} unapplied migrations: run `wuye migrate` first.")
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        connections.close_all()  # children open their own; do not hold SQLite open here

        children = self._children(options)
        stop = threading.Event()
        received: list[int] = []

        def _on_signal(signum: int, frame: Any) -> None:
            received.append(signum)
            stop.set()

        previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._start(children)
            self._banner(options, children)
            dead = self._watch(children, stop)
        finally:
            if received:
                self.stdout.write(
                    f"wuye serve: {signal.Signals(received[0]).name} received, stopping"
                )
            self._stop(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if dead is not None:
            code = dead.process.returncode if dead.process else None
            self.stderr.write(
                f"wuye serve: the {dead.label} (pid {dead.pid}) exited with code {code}; "
                "stopped the others. Restarting crashed processes is left to a production "
                "supervisor such as systemd (see docs/operations.md)."
            )
            sys.exit(1)
        self.stdout.write("wuye serve: stopped")

    # --- children ------------------------------------------------------------------------------

    def _children(self, options: dict[str, Any]) -> list[Child]:
        python = sys.executable
        manage = [python, "-m", "wuye.cli"]
        children = [
            Child(
                "web server",
                [
                    python,
                    "-m",
                    "granian",
                    "--interface",
                    "wsgi",
                    "--host",
                    options["host"],
                    "--port",
                    str(options["port"]),
                    "--workers",
                    str(options["workers"]),
                    "--blocking-threads",
                    "1",
                    "--no-ws",
                    "wuye.wsgi:application",
                ],
            ),
        ]
        if not options["no_worker"]:
            if _uses_database_tasks():
                # Every queue, and no autoreloader: it would fork again and blur signal handling.
                children.append(
                    Child("task worker", [*manage, "db_worker", "--queue-name=*", "--no-reload"])
                )
            else:
                self.stdout.write(
                    "wuye serve: tasks do not use the database backend; no worker started"
                )
        if not options["no_scheduler"]:
            children.append(Child("scheduler", [*manage, "scheduler"]))
        return children

    def _start(self, children: list[Child]) -> None:
        env = _child_env()
        for child in children:
            # Own process group: a terminal's Ctrl-C reaches only us, and we forward it once.
            child.process = subprocess.Popen(
                child.argv, env=env, process_group=0, preexec_fn=_die_with_parent(os.getpid())
            )

    def _banner(self, options: dict[str, Any], children: list[Child]) -> None:
        host = options["host"]
        shown = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
        if ":" in shown and not shown.startswith("["):
            shown = f"[{shown}]"
        base = f"http://{shown}:{options['port']}"
        lines = [
            "",
            f"Wuye is starting on {base}/",
            f"  console   {base}/console/",
            f"  portal    {base}/portal/",
            f"  API docs  {base}/api/v1/docs",
            f"  admin     {base}/admin/",
            "  " + ", ".join(f"{c.label} pid {c.pid}" for c in children),
            "Press Ctrl-C to stop.",
            "",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()

    def _watch(self, children: list[Child], stop: threading.Event) -> Child | None:
        """Block until a signal arrives (None) or a child exits (that child)."""
        while not stop.is_set():
            for child in children:
                if child.process is not None and child.process.poll() is not None:
                    return child
            stop.wait(POLL)
        return None

    def _stop(self, children: list[Child]) -> None:
        running = [c for c in children if c.process is not None and c.process.poll() is None]
        for child in running:
            try:
                child.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"wuye serve: the {child.label} did not stop in time; killing it")
                try:
                    os.killpg(child.pid, signal.SIGKILL)  # its whole group, e.g. granian's workers
                except ProcessLookupError:
                    pass
                child.process.wait()
