"""Kill the delivery worker at the worst moments, over and over, and lose nothing.

500 SMS messages go out through the real generic-gateway adapter
(``providers/http_gateway.py``, which sends ``Idempotency-Key: <dedupe key>``) to a local
HTTP "provider". Delivery is done by real ``db_worker --batch`` processes
(``chaos_worker.py``) sharing a SQLite file with this test; each kills itself with
``os._exit`` with probability 1.5 % at each of three points: before the HTTP request,
right after the provider accepted, and inside the ``sent`` transaction before it commits.
Whenever the worker has died (or drained the queue), the stale-claim sweep runs with no
age limit (``sending`` → ``queued``: safe, no worker is alive), the lost-task sweep every
tenth round and whenever the queue ran dry with messages unsent, and a new worker starts,
until every message is ``sent``.

Proved, for a provider that deduplicates by ``Idempotency-Key`` and for one that cannot:

- no message is lost: all 500 end ``sent``, each with exactly one ``sent`` event;
- the provider saw every message;
- deduplicating provider: nobody received a message twice (replays were answered with the
  original id);
- non-deduplicating provider: the duplicates are exactly the kills after acceptance or
  before the commit, message by message (a kill before the send never duplicates).

Measured on the 2-core VM (one worker at a time, forked by ``chaos_worker --serve``;
seeds fixed, so the runs repeat): deduplicating provider — 24 kills (9 before the send,
7 after acceptance, 8 before the commit) in 25 rounds, 515 provider requests, 15 replays
answered from the provider's memory, 0 duplicates delivered; plain provider — 30
kills (9 / 10 / 11) in 31 rounds, 521 requests, 21 duplicates delivered (= 10 + 11),
9–23 s per provider depending on the load. The test prints its counts (``pytest -s``).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from wuye.core.tests.processes import ROOT, process_env
from wuye.messaging.models import ChannelAccount, Message, MessageEvent, MessageStatus
from wuye.messaging.services import message_queue, message_requeue_stale, message_retry_due
from wuye.messaging.tests.chaos_worker import KILLED, POINTS
from wuye.places.models import Company

MESSAGES = 500
KILL_PROBABILITY = 0.015  # at each of the three points
MAX_ROUNDS = 150
# The lost-task sweep re-enqueues *every* queued message when its grace is 0. In production
# it runs once a minute and then leaves a message alone for a minute; after every one-second
# round here it would bury the queue in thousands of (harmless, skipped) duplicate tasks.
RETRY_SWEEP_EVERY = 10
DUPLICATING_POINTS = ("after_accept", "before_commit")


# --- the provider -------------------------------------------------------------------------


class Provider:
    """A local SMS gateway. Records every request's ``Idempotency-Key`` and message id.
    ``dedupe=True``: a key seen before is answered with the first reply and not delivered
    again; ``dedupe=False``: every request is a delivery to the recipient's phone."""

    def __init__(self, *, dedupe: bool) -> None:
        self.dedupe = dedupe
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str]] = []  # (idempotency key, message id)
        self.delivered: Counter[str] = Counter()  # message id → deliveries to the phone
        self.first_reply: dict[str, str] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers.get("Idempotency-Key", "")
                message_id = str(json.loads(body)["id"])
                with provider.lock:
                    provider.requests.append((key, message_id))
                    if provider.dedupe and key in provider.first_reply:
                        reply = provider.first_reply[key]
                    else:
                        provider.delivered[message_id] += 1
                        reply = f"gw-{len(provider.requests)}"
                        provider.first_reply.setdefault(key, reply)
                raw = json.dumps({"id": reply}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        return Handler

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- a database file the worker processes share --------------------------------------------


@contextmanager
def shared_database(var_dir: Path) -> Iterator[dict[str, str]]:
    """A database the worker processes share with the test; yields the environment that
    points them at it.

    SQLite: this process's ``default`` connection moves to a *file*, a copy (sqlite3
    backup) of the migrated, empty in-memory test database; children open the same file
    through ``WUYE_VAR_DIR``, and the test database is restored afterwards. PostgreSQL: the
    test database itself (a transactional test commits), named by ``DATABASE_URL``."""
    original = connections["default"]
    if original.vendor != "sqlite":
        s = original.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        yield {
            "DATABASE_URL": f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:"
            f"{s['PORT'] or 5432}/{s['NAME']}"
        }
        return
    original.ensure_connection()
    path = var_dir / "wuye.sqlite3"
    target = sqlite3.connect(path)
    original.connection.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    target.close()
    replacement = original.__class__({**original.settings_dict, "NAME": str(path)}, "default")
    connections["default"] = replacement
    try:
        yield {}
    finally:
        replacement.close()
        connections["default"] = original


def _worker_env(
    var_dir: Path, kill_log: Path, seed: str, database: dict[str, str]
) -> dict[str, str]:
    env = process_env(var_dir)
    env.update(database)
    env.update(
        WUYE_DEBUG="0",
        WUYE_LOG_LEVEL="CRITICAL",
        WUYE_MESSAGE_CHANNELS="sms",
        # The account's secret is encrypted with this process's key.
        WUYE_SECRET_KEY=settings.SECRET_KEY,
        WUYE_FIELD_ENCRYPTION_KEY=settings.FIELD_ENCRYPTION_KEY,
        CHAOS_KILL_LOG=str(kill_log),
        CHAOS_SEED=seed,
        **{f"CHAOS_P_{point.upper()}": str(KILL_PROBABILITY) for point in POINTS},
    )
    return env


class WorkerPool:
    """``chaos_worker --serve``: forks one chaos worker per ``run(seed)`` and reports how it
    ended (0: drained the queue, ``KILLED``: died at a kill point)."""

    def __init__(self, var_dir: Path, kill_log: Path, seed: str, database: dict[str, str]) -> None:
        self.stderr = (var_dir / "workers.err").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wuye.messaging.tests.chaos_worker", "--serve"],
            cwd=ROOT,
            env=_worker_env(var_dir, kill_log, seed, database),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        self.errors = Path(self.stderr.name)

    def run(self, seed: str) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{seed}\n".encode())
        self.process.stdin.flush()
        answer = self.process.stdout.readline().decode().split()
        assert answer[:1] == ["exit"], self.errors.read_text()[-3000:]
        return int(answer[1])

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.stderr.close()


def _queue_messages(provider: Provider) -> list[int]:
    company = Company.objects.create(name="混沌物业", code="chaos")
    ChannelAccount.objects.create(
        company=company,
        provider="http_sms",
        name="chaos gateway",
        key_id="gateway",
        secret="chaos-secret",
        # Generous timeout: a timed-out request the provider did accept would be a
        # duplicate that no kill explains.
        config={"url": provider.url, "timeout": 30, "free_text": True},
    )
    with transaction.atomic():
        ids = [
            message_queue(
                channel="sms",
                recipient=f"139{i:08d}",
                body=f"第 {i} 条：明天上午九点停水。",
                company=company,
                dedupe_key=f"chaos:{i}",
            ).pk
            for i in range(MESSAGES)
        ]
        # Five attempts would let an unlucky message that is killed five times end
        # ``failed`` (the documented give-up rule); here we measure loss, not give-up.
        Message.objects.update(max_attempts=50)
    return ids


# --- the test -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("dedupe", [True, False], ids=["dedupe-provider", "plain-provider"])
def test_killing_workers_at_the_worst_moments_loses_no_message(dedupe, tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    kill_log = tmp_path / "kills.log"
    kill_log.touch()
    started = time.monotonic()

    with Provider(dedupe=dedupe) as provider, shared_database(var_dir) as database:
        ids = _queue_messages(provider)
        pool = WorkerPool(var_dir, kill_log, seed=str(dedupe), database=database)
        rounds = requeued = reenqueued = 0
        exits: Counter[int] = Counter()
        while Message.objects.exclude(status=MessageStatus.SENT).exists():
            rounds += 1
            assert rounds <= MAX_ROUNDS, "the workers never finished"
            status = pool.run(seed=f"{dedupe}-{rounds}")
            assert status in (0, KILLED), pool.errors.read_text()[-3000:]
            exits[status] += 1
            # Every worker is dead or done: whatever is still ``sending`` is orphaned.
            requeued += message_requeue_stale(now=timezone.now(), older_than=dt.timedelta(0))
            if rounds % RETRY_SWEEP_EVERY == 0 or status == 0:
                reenqueued += message_retry_due(now=timezone.now(), grace=dt.timedelta(0))

        kills = [line.split() for line in kill_log.read_text().splitlines()]
        kills_by_point = Counter(point for point, _ in kills)
        statuses = Counter(Message.objects.values_list("status", flat=True))
        sent_events = Counter(
            MessageEvent.objects.filter(code="messaging.message.sent").values_list(
                "message_id", flat=True
            )
        )
        provider_ids = dict(Message.objects.values_list("pk", "provider_message_id"))
        pool.close()

    seen = Counter(message_id for _, message_id in provider.requests)
    duplicates = sum(n - 1 for n in provider.delivered.values())
    replays = len(provider.requests) - len(seen)
    print(
        f"\nchaos ({'deduplicating' if dedupe else 'plain'} provider): {MESSAGES} messages, "
        f"{rounds} rounds, {sum(exits.values())} workers ({exits[KILLED]} killed), "
        f"{requeued} requeued as stale, {reenqueued} tasks re-enqueued, "
        f"kills {dict(kills_by_point)}, {len(provider.requests)} provider requests, "
        f"{replays} replayed, {duplicates} duplicates delivered, "
        f"{time.monotonic() - started:.1f} s"
    )

    # Nothing lost, nothing recorded twice.
    assert statuses == {MessageStatus.SENT: MESSAGES}
    assert sent_events == dict.fromkeys(ids, 1)
    assert set(seen) == {str(pk) for pk in ids}
    # The chaos happened, at every point.
    assert exits[KILLED] == len(kills) and all(kills_by_point[p] for p in POINTS), kills
    # Each kill after acceptance or before the commit made the provider see that message
    # once more; a kill before the send did not.
    resent = Counter(message_id for point, message_id in kills if point in DUPLICATING_POINTS)
    assert Counter({k: n - 1 for k, n in seen.items() if n > 1}) == resent
    if dedupe:
        assert provider.delivered == dict.fromkeys(seen, 1)
        assert duplicates == 0
        # the outbox keeps the id of the one delivery
        assert {str(pk): provider_ids[pk] for pk in ids} == {
            message_id: provider.first_reply[f"chaos:{i}"]
            for i, message_id in enumerate(str(pk) for pk in ids)
        }
    else:
        assert duplicates == replays == sum(resent.values())
