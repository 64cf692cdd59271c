"""Two sweeps at once send once (real threads, as in servicedesk's test_concurrency: on
SQLite's shared-cache test database the two calls are serialised, the second one then
takes the loser's path; on PostgreSQL they really overlap)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from wuye.messaging.models import Notification
from wuye.outreach.models import Campaign, CampaignState, MessageRule
from wuye.outreach.rules import outreach_sweep
from wuye.outreach.services import campaign_create, campaign_schedule, campaign_sweep
from wuye.outreach.tests.conftest import sh

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


def test_two_rule_sweeps_at_once_greet_each_person_once(world):
    rule = MessageRule.objects.create(company=world.company_a, kind="holiday", enabled=True)
    now = sh(2027, 2, 6, 9, 30)
    results = _run_at_once(lambda: outreach_sweep(now=now), lambda: outreach_sweep(now=now))
    assert not any(isinstance(r, Exception) for r in results), results
    # the loser either skipped the claimed rule ({}) or ran after it and found nothing new
    assert sorted(r.get(rule.source, 0) for r in results) == [0, 2]
    assert Notification.objects.filter(source=rule.source).count() == 2


def test_two_campaign_sweeps_at_once_start_a_campaign_once(world):
    t0 = sh(2026, 12, 2, 10, 0)
    c = campaign_create(actor=world.admin, projects=[world.p1], title="t", text="x", now=t0)
    campaign_schedule(actor=world.admin, campaign=c, at=t0 + dt.timedelta(hours=1), now=t0)
    later = t0 + dt.timedelta(hours=2)
    results = _run_at_once(lambda: campaign_sweep(now=later), lambda: campaign_sweep(now=later))
    assert sorted(r["started"] for r in results) == [0, 1]
    assert Campaign.objects.get(pk=c.pk).state == CampaignState.SENDING
    assert c.events.filter(code="outreach.campaign.sending").count() == 1
