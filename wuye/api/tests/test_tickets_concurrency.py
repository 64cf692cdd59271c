"""Concurrent requests against the API (issue 3, "done when"):

- 50 concurrent ``POST /tickets`` with one ``Idempotency-Key`` create one ticket and all
  answer 201 with the same body;
- 20 concurrent grabs of one pool ticket: exactly one 200, nineteen 409 ``already_taken``.

Each request runs in a thread of its own through Django's test client — the whole stack:
token authentication, the router, the service — on the thread's own database connection,
all released together by a barrier. On PostgreSQL they really overlap: the unique
constraint on (created_by, idempotency_key), the numbering's row lock and the grab's
conditional UPDATE decide. The SQLite test database is a shared-cache in-memory database
whose table locks fail at once instead of waiting, so there (as in
wuye/servicedesk/tests/test_concurrency.py) the requests take turns, which is what SQLite
does with writers anyway: each later one then takes the path a loser takes on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from wuye.accounts.models import Membership, Role
from wuye.accounts.tokens import token_create
from wuye.audit.models import AuditEvent
from wuye.servicedesk import services as s
from wuye.servicedesk.models import Ticket, TicketEvent, TicketSequence
from wuye.testing import factories as f

from .conftest import ApiClient
from .test_tickets import at, new_ticket

pytestmark = pytest.mark.django_db(transaction=True)


class _Turns:
    """SQLite: one request at a time (see the module docstring)."""

    def __init__(self) -> None:
        self.lock = threading.Lock() if connection.vendor == "sqlite" else None

    def __enter__(self) -> None:
        if self.lock:
            self.lock.acquire()

    def __exit__(self, *exc: Any) -> None:
        if self.lock:
            self.lock.release()


def all_at_once(requests: list[Any]) -> list[Any]:
    """Run each ``request()`` in its own thread, released together; their responses."""
    barrier = threading.Barrier(len(requests))
    turns = _Turns()
    responses: list[Any] = [None] * len(requests)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            with turns:
                responses[i] = requests[i]()
        except Exception as exc:  # collected and asserted on below
            responses[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a request did not finish"
    return responses


def client_of(user: Any) -> ApiClient:
    return ApiClient(Client(), token_create(user=user, name="concurrency")[1])


def test_fifty_retries_with_one_key_create_one_ticket_and_answer_alike(world):
    body = {
        "kind": "repair_unit",
        "unit_id": world.u1.pk,
        "reporter_id": world.occupant1.pk,
        "description": "卫生间漏水",
        "urgency": "urgent",
    }
    clients = [client_of(world.desk) for _ in range(50)]
    for api in clients:
        api.headers["Idempotency-Key"] = "mobile-retry-0f3c9a"

    responses = all_at_once([lambda api=api: api.post("/tickets", body) for api in clients])

    assert all(not isinstance(r, Exception) for r in responses), responses
    assert Counter(r.status_code for r in responses) == {201: 50}
    assert len({r.content for r in responses}) == 1
    ticket = Ticket.objects.get()
    assert responses[0].json()["id"] == ticket.pk
    # one of them made it; the others replayed it
    assert sum(1 for r in responses if r.get("Idempotent-Replayed") == "true") == 49
    assert TicketEvent.objects.filter(code="servicedesk.ticket.registered").count() == 1
    assert AuditEvent.objects.filter(action="servicedesk.ticket.created").count() == 1
    # the losers' rolled-back numbering burnt no number
    assert TicketSequence.objects.get().last == 1


def test_twenty_technicians_grab_one_ticket_and_one_wins(world):
    pool = new_ticket(world)
    s.ticket_dispatch(actor=world.desk, ticket=pool, assignee=None, now=at(1))
    technicians = [world.tech]
    for i in range(19):
        user = f.UserFactory(username=f"tech{i:02d}")
        Membership.objects.create(
            user=user, role=Role.ENGINEERING, project=world.p1, company=world.company_a
        )
        technicians.append(user)
    clients = [client_of(user) for user in technicians]

    responses = all_at_once(
        [lambda api=api: api.post(f"/tickets/{pool.pk}/grab", {}) for api in clients]
    )

    assert all(not isinstance(r, Exception) for r in responses), responses
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 19}
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {
        "already_taken"
    }
    winner = next(r.json() for r in responses if r.status_code == 200)
    stored = Ticket.objects.get(pk=pool.pk)
    assert (stored.state, stored.assignee_id) == ("accepted", winner["assignee_id"])
    assert stored.events.filter(code="servicedesk.ticket.grabbed").count() == 1
