"""Two people acting at once on one ticket: exactly one wins.

Real threads, each on its own database connection. On PostgreSQL the grab's conditional
UPDATE and the numbering's row lock decide. The SQLite test database is a shared-cache
in-memory database, whose table locks fail at once ("database table is locked") instead of
waiting like a file database with a busy timeout; there the test serialises the two calls
itself, which is what SQLite does with writers anyway — the second call then sees the first
one's committed result, the same path the loser takes on PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from wuye.core.errors import Conflict
from wuye.servicedesk import services as s
from wuye.servicedesk.models import Ticket
from wuye.servicedesk.tests.conftest import at

pytestmark = pytest.mark.django_db(transaction=True)


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _run_at_once(*calls):
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    writer = threading.Lock() if connection.vendor == "sqlite" else _NoLock()

    def run(i, fn):
        try:
            barrier.wait()
            with writer:
                results[i] = fn()
        except Exception as exc:  # collected and asserted on below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_technicians_grab_one_order_and_one_wins(world, register):
    pool = s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=None, now=at(1))
    results = _run_at_once(
        lambda: s.ticket_grab(actor=world.tech, ticket=pool, now=at(2)),
        lambda: s.ticket_grab(actor=world.cleaner, ticket=pool, now=at(2)),
    )
    winners = [r for r in results if isinstance(r, Ticket)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert losers[0].code == "already_taken"
    stored = Ticket.objects.get(pk=pool.pk)
    assert stored.assignee == winners[0].assignee
    assert stored.events.filter(code="servicedesk.ticket.grabbed").count() == 1


def test_two_registrations_at_once_get_different_numbers(world, register):
    results = _run_at_once(lambda: register(), lambda: register())
    assert all(isinstance(r, Ticket) for r in results), results
    assert sorted(r.number for r in results) == ["BX-20261124-0001", "BX-20261124-0002"]
