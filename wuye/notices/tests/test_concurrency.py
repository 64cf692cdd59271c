"""Two people publishing one notice at once, a resident opening it in two tabs: one wins.

Real threads on their own connections. On PostgreSQL the row lock of the transition
(``select_for_update``) and the unique read constraint decide; the SQLite test database
fails table locks at once instead of waiting, so there the calls are serialised, as SQLite
serialises writers anyway (see wuye/servicedesk/tests/test_concurrency.py).
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection

from wuye.core.errors import DomainError
from wuye.notices import services as s
from wuye.notices.models import NoticeEvent, NoticeRead

pytestmark = pytest.mark.django_db(transaction=True)


def _run_at_once(*calls):
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    writer = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

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


def test_two_publish_clicks_publish_once(world, make_notice):
    draft = make_notice()  # both callers hold this stale draft
    results = _run_at_once(
        lambda: s.notice_publish(actor=world.desk, notice=draft),
        lambda: s.notice_publish(actor=world.manager, notice=draft),
    )
    errors = [r for r in results if isinstance(r, DomainError)]
    assert len(errors) == 1 and errors[0].code == "invalid_transition"
    assert NoticeEvent.objects.filter(notice=draft, code="notices.notice.published").count() == 1


def test_two_tabs_count_one_read(world, make_notice):
    notice = make_notice(publish=True)
    results = _run_at_once(
        lambda: s.notice_read_record(user=world.resident, notice=notice),
        lambda: s.notice_read_record(user=world.resident, notice=notice),
    )
    assert sorted(results) == [False, True]
    assert NoticeRead.objects.filter(notice=notice).count() == 1
