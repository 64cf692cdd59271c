"""``wuye scheduler``: enqueue periodic tasks, exactly once per slot (see ``core.scheduling``)."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from wuye.core.scheduling import DEFAULT_INTERVAL, entries, run_scheduler


def _aware_datetime(value: str) -> dt.datetime:
    parsed = parse_datetime(value)
    if parsed is None or parsed.tzinfo is None:
        raise CommandError(f"--now needs an ISO datetime with an offset, got {value!r}")
    return parsed


class Command(BaseCommand):
    help = (
        "Enqueue periodic tasks registered with wuye.core.scheduling. Safe to run in several "
        "processes at once: each slot is enqueued exactly once. Stops on SIGTERM/SIGINT."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one pass and exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=DEFAULT_INTERVAL,
            help=f"Seconds between passes (default {DEFAULT_INTERVAL:g}).",
        )
        parser.add_argument(
            "--now",
            type=_aware_datetime,
            help="Pretend it is this time (ISO 8601 with offset); for back-filling one slot.",
        )
        parser.add_argument(
            "--list", action="store_true", help="List the registered entries and exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for entry in entries():
                when = (
                    f"every {entry.every}"
                    if entry.every
                    else f"rule {entry.rule!s}".replace("\n", " ")
                )
                self.stdout.write(f"{entry.name}\t{entry.task.module_path}\t{when}")
            return
        if options["now"] and not options["once"]:
            raise CommandError("--now only makes sense with --once")
        if options["interval"] <= 0:
            raise CommandError("--interval must be positive")
        stop = threading.Event()
        received: list[int] = []

        def _stop(signum: int, frame: Any) -> None:
            received.append(signum)  # no I/O in a signal handler; reported below
            stop.set()

        previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            if not options["once"]:
                self.stdout.write(
                    f"scheduler: {len(entries())} entries, a pass every {options['interval']:g} s"
                )
            enqueued = run_scheduler(
                now=options["now"], once=options["once"], interval=options["interval"], stop=stop
            )
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if received:
            self.stdout.write(f"scheduler: {signal.Signals(received[0]).name} received")
        if options["once"]:
            self.stdout.write(f"scheduler: enqueued {len(enqueued)}: {', '.join(enqueued) or '-'}")
        else:
            self.stdout.write("scheduler: stopped")
