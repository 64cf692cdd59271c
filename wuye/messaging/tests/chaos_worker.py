"""A delivery worker that kills itself at the worst moments (used by ``test_worker_chaos``).

    python -m wuye.messaging.tests.chaos_worker            # one worker run
    python -m wuye.messaging.tests.chaos_worker --serve    # a fork server (see below)

Runs the real ``db_worker --batch`` after patching, in this process only, three kill
points, each firing with its own probability:

- ``before_send``: after the claim and the rendering, just before the HTTP request to the
  provider (nothing reached the provider);
- ``after_accept``: right after the provider answered 2xx (the provider has the message,
  the outbox still says ``sending``);
- ``before_commit``: inside the transaction that records ``sent``, after its UPDATE ran
  and before it commits (the row stays ``sending`` when the process dies).

A kill is ``os._exit(KILLED)``: no ``finally``, no ``atexit``, no transaction rollback, as
when the kernel kills a worker. Before dying the worker appends ``<point> <message id>``
to the file named by ``CHAOS_KILL_LOG`` (one ``os.write`` on an ``O_APPEND`` descriptor:
the line survives the exit).

``--serve`` sets Django up and patches once, then for every line read on stdin (a seed)
forks one such worker and answers ``exit <status>`` when it has ended: a new worker
without half a second of interpreter and Django start-up each time.

Environment: Django's (``WUYE_VAR_DIR`` → the shared SQLite file, …) plus
``CHAOS_KILL_LOG``, ``CHAOS_SEED`` and ``CHAOS_P_BEFORE_SEND``, ``CHAOS_P_AFTER_ACCEPT``,
``CHAOS_P_BEFORE_COMMIT`` (probabilities, default 0).
"""

from __future__ import annotations

import json
import os
import random
import sys
import traceback
from collections.abc import Callable
from typing import Any

KILLED = 77
POINTS = ("before_send", "after_accept", "before_commit")


def _probability(point: str) -> float:
    return float(os.environ.get(f"CHAOS_P_{point.upper()}", "0") or 0)


def prepare() -> Callable[[str], None]:
    """Set Django up and patch the kill points; returns ``run(seed)``, one worker run."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wuye.settings")
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import transaction

    from wuye.messaging import services
    from wuye.messaging.models import MessageStatus
    from wuye.messaging.providers import http_gateway

    rng = random.Random()
    chance = {point: _probability(point) for point in POINTS}
    log = os.open(os.environ["CHAOS_KILL_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def maybe_die(point: str, message_id: object) -> None:
        if chance[point] and rng.random() < chance[point]:
            os.write(log, f"{point} {message_id}\n".encode())
            os._exit(KILLED)

    real_request = http_gateway.http_request
    real_settle = services._settle

    def chaotic_request(url: str, **kwargs: Any) -> Any:
        message_id = json.loads(kwargs["body"])["id"]
        maybe_die("before_send", message_id)
        reply = real_request(url, **kwargs)
        if 200 <= reply.status < 300:
            maybe_die("after_accept", message_id)
        return reply

    def chaotic_settle(message: Any, **kwargs: Any) -> bool:
        if kwargs.get("to_status") != MessageStatus.SENT:
            return real_settle(message, **kwargs)
        # The real _settle's own atomic block becomes a savepoint of this one: its UPDATE
        # and event are written, and dying before this block ends loses them all.
        with transaction.atomic():
            settled = real_settle(message, **kwargs)
            maybe_die("before_commit", message.pk)
        return settled

    http_gateway.http_request = chaotic_request  # type: ignore[assignment]
    services._settle = chaotic_settle  # type: ignore[assignment]

    def run(seed: str) -> None:
        rng.seed(seed)
        call_command(
            "db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
        )

    return run


def serve(run: Callable[[str], None]) -> None:
    from django.db import connections

    connections.close_all()  # a child must never share its parent's database connection
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                run(line.strip())
            except BaseException:
                traceback.print_exc()
                status = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        _, wait_status = os.waitpid(pid, 0)
        sys.stdout.write(f"exit {os.waitstatus_to_exitcode(wait_status)}\n")
        sys.stdout.flush()


def main() -> None:
    run = prepare()
    if "--serve" in sys.argv[1:]:
        serve(run)
    else:
        run(os.environ.get("CHAOS_SEED", ""))


if __name__ == "__main__":
    main()
