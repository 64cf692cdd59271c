"""Campaign transitions, the fan-out through notify_many and its statistics."""

import datetime as dt

import pytest
from django_tasks_db.models import DBTaskResult

from wuye.audit.models import AuditEvent
from wuye.core.errors import DomainError, PermissionDenied
from wuye.outreach.audiences import AudienceFilter
from wuye.outreach.models import Campaign, CampaignState
from wuye.outreach.services import (
    campaign_cancel,
    campaign_create,
    campaign_refresh_stats,
    campaign_schedule,
    campaign_send,
    campaign_send_now,
    campaign_sweep,
)
from wuye.outreach.tests.conftest import keys, sh

pytestmark = pytest.mark.django_db
NOW = sh(2026, 12, 2, 10, 0)


@pytest.fixture
def draft(world):
    return campaign_create(
        actor=world.admin,
        projects=[world.p1, world.p2],
        title="电梯年检",
        text="12月5日上午电梯年检。",
        now=NOW,
    )


def _codes(campaign):
    return list(campaign.events.order_by("at", "id").values_list("code", flat=True))


def _send_tasks(campaign):
    return DBTaskResult.objects.filter(
        task_path="wuye.outreach.tasks.send_campaign", args_kwargs__args=[campaign.pk]
    ).count()


def test_create_is_a_draft_with_an_event_and_audit(world, draft):
    assert draft.state == CampaignState.DRAFT and draft.company == world.company_a
    assert _codes(draft) == ["outreach.campaign.created"]
    assert AuditEvent.objects.filter(action="outreach.campaign.created").count() == 1


def test_create_needs_the_capability_in_every_project(world):
    with pytest.raises(PermissionDenied):
        campaign_create(actor=world.tech, projects=[world.p1], title="x", text="y")
    from django.http import Http404

    with pytest.raises(Http404):
        campaign_create(actor=world.manager, projects=[world.p1, world.p2], title="x", text="y")
    with pytest.raises(DomainError):
        campaign_create(actor=world.admin, projects=[], title="x", text="y")


def test_send_now_enqueues_the_fanout_in_the_same_transaction(world, draft):
    campaign_send_now(actor=world.admin, campaign=draft, now=NOW)
    assert draft.state == CampaignState.SENDING
    assert _send_tasks(draft) == 1
    assert campaign_send(campaign_id=draft.pk, now=NOW) == 2
    draft.refresh_from_db()
    assert draft.state == CampaignState.SENT and draft.recipients == 2 and draft.sent_at == NOW
    assert keys(draft.source) == sorted(
        f"campaign:{draft.pk}:o{o.pk}" for o in (world.occupant1, world.occupant2)
    )
    assert draft.stats["total"] == 2
    assert _codes(draft) == [
        "outreach.campaign.created",
        "outreach.campaign.sending",
        "outreach.campaign.sent",
    ]
    # a second run (duplicate task) does nothing
    assert campaign_send(campaign_id=draft.pk, now=NOW) == 0


def test_a_crashed_fanout_resumes_without_duplicates(world, draft, resident):
    campaign_send_now(actor=world.admin, campaign=draft, now=NOW)
    from wuye.messaging.bulk import notify_many

    # the first run died after one occupant
    notify_many(
        event="outreach.campaign",
        occupant_ids=[world.occupant1.pk],
        context={"title": "t", "text": "x"},
        company=world.company_a,
        source=draft.source,
        dedupe_prefix=draft.source,
        now=NOW,
    )
    assert campaign_send(campaign_id=draft.pk, now=NOW) == 1
    assert len(keys(draft.source)) == 2


def test_marketing_campaign_skips_and_counts_opted_out(world, resident, opt_out):
    quiet = resident(name="不要广告")
    opt_out(quiet, marketing=True)
    c = campaign_create(
        actor=world.manager,
        projects=[world.p1],
        title="年货节",
        text="会所年货市集",
        category="marketing",
        now=NOW,
    )
    campaign_send_now(actor=world.manager, campaign=c, now=NOW)
    assert campaign_send(campaign_id=c.pk, now=NOW) == 2
    stats = campaign_refresh_stats(campaign=c)
    assert stats["total"] == 2 and stats["opted_out"] == 1


def test_service_campaign_ignores_marketing_opt_outs(world, resident, opt_out):
    quiet = resident(name="不要广告")
    opt_out(quiet, marketing=True, greetings=True)
    c = campaign_create(actor=world.manager, projects=[world.p1], title="停水", text="x", now=NOW)
    campaign_send_now(actor=world.manager, campaign=c, now=NOW)
    campaign_send(campaign_id=c.pk, now=NOW)
    assert campaign_refresh_stats(campaign=c)["opted_out"] == 0


def test_audience_filter_is_applied_at_send_time(world, resident):
    fan = resident(interests=["书法"])
    c = campaign_create(
        actor=world.admin,
        projects=[world.p1, world.p2],
        title="书法班",
        text="x",
        audience=AudienceFilter(interests=("书法",), project_ids=(world.p3.pk,)),
        now=NOW,
    )
    assert c.audience["project_ids"] == []
    campaign_send_now(actor=world.admin, campaign=c, now=NOW)
    campaign_send(campaign_id=c.pk, now=NOW)
    assert keys(c.source) == [f"campaign:{c.pk}:o{fan.pk}"]


def test_schedule_then_sweep_sends_once_even_when_swept_twice(world, draft):
    with pytest.raises(DomainError):
        campaign_schedule(
            actor=world.admin, campaign=draft, at=NOW - dt.timedelta(minutes=1), now=NOW
        )
    campaign_schedule(actor=world.admin, campaign=draft, at=NOW + dt.timedelta(hours=1), now=NOW)
    assert draft.state == CampaignState.SCHEDULED
    assert campaign_sweep(now=NOW + dt.timedelta(minutes=30)) == {"started": 0, "requeued": 0}
    later = NOW + dt.timedelta(hours=1, minutes=1)
    assert campaign_sweep(now=later) == {"started": 1, "requeued": 0}
    assert campaign_sweep(now=later) == {"started": 0, "requeued": 0}
    assert _send_tasks(draft) == 1
    draft.refresh_from_db()
    assert draft.state == CampaignState.SENDING


def test_a_stale_sending_campaign_is_enqueued_again(world, draft):
    campaign_send_now(actor=world.admin, campaign=draft, now=NOW)
    Campaign.objects.filter(pk=draft.pk).update(updated_at=NOW)
    assert campaign_sweep(now=NOW + dt.timedelta(minutes=5))["requeued"] == 0
    assert campaign_sweep(now=NOW + dt.timedelta(minutes=20))["requeued"] == 1
    assert _send_tasks(draft) == 2


def test_cancel_and_invalid_transitions(world, draft):
    campaign_cancel(actor=world.admin, campaign=draft, now=NOW)
    assert draft.state == CampaignState.CANCELLED
    for action in (campaign_cancel, campaign_send_now):
        with pytest.raises(DomainError) as exc:
            action(actor=world.admin, campaign=draft, now=NOW)
        assert exc.value.code == "invalid_transition"
    assert _codes(draft)[-1] == "outreach.campaign.cancelled"
