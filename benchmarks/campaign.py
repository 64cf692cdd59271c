"""A campaign to 100,000 occupants: queueing time and delivery rate to a local SMTP sink.

    python -m benchmarks.campaign [--occupants 100000] [--database-url URL]
                                  [--workers 2] [--deliver-seconds 60 | --deliver-all]
                                  [--json FILE]

1. Seeds (once; reused when it already holds N) one company ``campaign`` with one project
   and ``--occupants`` occupants, each with an e-mail address and no mobile, portal user or
   contact preference, into ``var/bench/campaign-<N>.sqlite3`` (or ``--database-url``):
   raw ``executemany`` on SQLite, ``COPY`` on PostgreSQL (``wuye.demo.seed._insert``).
   Rows of an earlier run of this benchmark (its notifications, messages, events, tasks)
   are deleted first.
2. **Queueing**: times ``notify_many(event="messaging.message", occupant_ids=<all>, …)`` —
   one notification and one e-mail message per occupant, in chunks of 2,000, plus the 4
   ``deliver_batch`` tasks that deliver the campaign.
3. **Delivery**: starts an SMTP sink (aiosmtpd on 127.0.0.1, counts what it accepts) and
   ``--workers`` ``wuye db_worker`` processes with the SMTP e-mail backend pointed at the
   sink; they run the campaign's ``deliver_batch`` tasks (``message_deliver_batch``: each
   message claimed, rendered, sent over its own SMTP connection, settled, its
   notification marked delivered). Prints messages per second every 5 s and overall,
   for ``--deliver-seconds`` (then the workers are killed) or until all are sent
   (``--deliver-all``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.run import ROOT, free_port, server_env, setup_django

SOURCE = "bench:campaign"
COMPANY_CODE = "campaign"
TEXT = "尊敬的业主：本小区将于12月5日上午9点至11点进行电梯年检，届时电梯暂停使用，敬请谅解。"


def default_database_url(occupants: int) -> str:
    path = ROOT / "var" / "bench" / f"campaign-{occupants}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


# --- seeding ------------------------------------------------------------------------------


def seed(occupants: int) -> dict[str, Any]:
    """One company, one project, ``occupants`` occupants with e-mail addresses."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from wuye.demo.seed import _insert
    from wuye.places.models import Company, Occupant, Project

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    company, _ = Company.objects.get_or_create(code=COMPANY_CODE, defaults={"name": "群发物业"})
    project, _ = Project.objects.get_or_create(
        company=company,
        code="campaign",
        defaults={"name": "群发小区", "kind": "residential", "service_phone": "0571-88880000"},
    )
    have = Occupant.objects.filter(project=project).count()
    if have < occupants:
        now = timezone.now()
        attnames = [
            "created_at", "updated_at", "project_id", "kind", "name", "contact_name",
            "mobile", "mobile_tail", "id_number", "id_number_index", "interests", "email",
            "note",
        ]  # fmt: skip
        rows = [
            (now, now, project.pk, "person", f"业主{n:06d}", "", "", "", "", "", "[]",
             f"owner{n:06d}@example.com", "")
            for n in range(have, occupants)
        ]  # fmt: skip
        with transaction.atomic():
            _insert(Occupant, attnames, rows)
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "created": max(occupants - have, 0),
        "company": company,
        "project": project,
    }


def reset() -> dict[str, int]:
    """Delete the rows an earlier run of this benchmark left (raw SQL: 100,000s of rows)."""
    from django.db import connection, transaction
    from django_tasks_db.models import DBTaskResult

    from wuye.messaging.models import Message, MessageEvent, Notification

    qn = connection.ops.quote_name
    n_table = qn(Notification._meta.db_table)
    m_table = qn(Message._meta.db_table)
    e_table = qn(MessageEvent._meta.db_table)
    t_table = qn(DBTaskResult._meta.db_table)
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        notifications = f"SELECT id FROM {n_table} WHERE source = %s"
        messages = f"SELECT id FROM {m_table} WHERE notification_id IN ({notifications})"
        for name, sql in (
            ("events", f"DELETE FROM {e_table} WHERE message_id IN ({messages})"),
            ("messages", f"DELETE FROM {m_table} WHERE notification_id IN ({notifications})"),
            ("notifications", f"DELETE FROM {n_table} WHERE source = %s"),
        ):
            cursor.execute(sql, [SOURCE])
            counts[name] = cursor.rowcount
        cursor.execute(f"DELETE FROM {t_table}")
        counts["tasks"] = cursor.rowcount
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in (n_table, m_table, e_table, t_table):
                cursor.execute(f"VACUUM ANALYZE {table}")
    return counts


# --- queueing -----------------------------------------------------------------------------


def queue(company: Any, project: Any) -> dict[str, Any]:
    from django.db import connection

    from wuye.messaging.bulk import notify_many
    from wuye.messaging.models import Message
    from wuye.places.models import Occupant

    ids = list(Occupant.objects.filter(project=project).order_by("id").values_list("pk", flat=True))
    stamp = dt.datetime.now().strftime("%Y%m%d%H%M%S")
    queries = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    # (a counting wrapper, not CaptureQueriesContext: its debug cursor formats every query)
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        created = notify_many(
            event="messaging.message",
            occupant_ids=ids,
            context={"text": TEXT},
            company=company,
            source=SOURCE,
            dedupe_prefix=f"bench-campaign-{stamp}",
        )
        seconds = time.perf_counter() - started
    messages = Message.objects.filter(notification__source=SOURCE).count()
    return {
        "occupants": len(ids),
        "notifications": created,
        "messages": messages,
        "seconds": round(seconds, 2),
        "per_second": round(created / seconds),
        "queries": queries,
    }


# --- delivery -----------------------------------------------------------------------------


class Sink:
    """An SMTP server that accepts everything and counts it."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.count = 0
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"

    def __enter__(self) -> Sink:
        import logging

        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def _sent() -> int:
    from django.db import close_old_connections

    from wuye.messaging.models import Message, MessageStatus

    close_old_connections()
    return Message.objects.filter(notification__source=SOURCE, status=MessageStatus.SENT).count()


def deliver(database_url: str, workers: int, seconds: float, total: int) -> dict[str, Any]:
    with Sink() as sink:
        env = server_env(database_url)
        env.update(
            WUYE_MESSAGE_CHANNELS="email",
            WUYE_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            WUYE_EMAIL_HOST="127.0.0.1",
            WUYE_EMAIL_PORT=str(sink.controller.port),
            WUYE_DEFAULT_FROM_EMAIL="notice@campaign.example.com",
        )
        command = [sys.executable, "-m", "wuye.cli", "db_worker", "--no-reload",
                   "--no-startup-delay", "--interval", "0.5"]  # fmt: skip
        started = time.perf_counter()
        procs = [
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True)
            for _ in range(workers)
        ]  # fmt: skip
        samples: list[tuple[float, int]] = []
        try:
            last = (0.0, 0)
            while True:
                time.sleep(5)
                elapsed = time.perf_counter() - started
                sent = _sent()
                samples.append((round(elapsed, 1), sent))
                rate = (sent - last[1]) / (elapsed - last[0])
                print(f"  {elapsed:6.1f} s  {sent:>7} sent  {sink.count:>7} received  "
                      f"{rate:7.1f}/s")  # fmt: skip
                last = (elapsed, sent)
                if sent >= total or (seconds and elapsed >= seconds):
                    break
                if all(p.poll() is not None for p in procs):
                    errors = b"".join(p.stderr.read() for p in procs if p.stderr)
                    raise SystemExit(f"the workers stopped:\n{errors.decode()[-3000:]}")
        finally:
            for p in procs:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        elapsed = time.perf_counter() - started
        sent = _sent()
        # Steady rate: from the first sample (workers started, Django loaded) to the last.
        (t0, n0), (t1, n1) = samples[0], samples[-1]
        steady = (n1 - n0) / (t1 - t0) if t1 > t0 else sent / elapsed
        return {
            "workers": workers,
            "seconds": round(elapsed, 1),
            "sent": sent,
            "received_by_sink": sink.count,
            "per_second": round(sent / elapsed, 1),
            "steady_per_second": round(steady, 1),
            "samples": samples,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--occupants", type=int, default=100_000)
    parser.add_argument(
        "--database-url", default="", help="default: var/bench/campaign-<N>.sqlite3"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="db_worker processes (at most 4 work: notify_many starts 4 batch tasks)",
    )
    parser.add_argument(
        "--deliver-seconds", type=float, default=60.0, help="stop delivering after this long"
    )
    parser.add_argument("--deliver-all", action="store_true", help="deliver the whole campaign")
    parser.add_argument("--skip-delivery", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)

    database_url = args.database_url or default_database_url(args.occupants)
    setup_django(database_url)
    from django.db import connection

    print(f"database: {database_url} ({connection.vendor})")
    seeded = seed(args.occupants)
    print(f"seeded: {args.occupants} occupants ({seeded['created']} new, {seeded['seconds']} s)")
    removed = reset()
    if any(removed.values()):
        print("removed the previous run: " + ", ".join(f"{n} {k}" for k, n in removed.items()))

    queued = queue(seeded["company"], seeded["project"])
    print(f"\nqueued: {queued['notifications']} notifications, {queued['messages']} messages "
          f"in {queued['seconds']} s ({queued['per_second']}/s, {queued['queries']} queries)")  # fmt: skip
    results: dict[str, Any] = {"database": connection.vendor, "queue": queued}
    if not args.skip_delivery:
        print(f"\ndelivering with {args.workers} db_worker processes to the SMTP sink:")
        connection.close()
        delivered = deliver(
            database_url,
            args.workers,
            0 if args.deliver_all else args.deliver_seconds,
            queued["messages"],
        )
        results["delivery"] = delivered
        print(f"delivered: {delivered['sent']} sent ({delivered['received_by_sink']} received "
              f"by the sink) in {delivered['seconds']} s: {delivered['per_second']} messages/s "
              f"overall, {delivered['steady_per_second']}/s steady")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
