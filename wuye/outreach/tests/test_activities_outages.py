import datetime as dt

import pytest

from wuye.core.errors import DomainError
from wuye.messaging.models import Notification
from wuye.outreach.announcements import (
    activity_create,
    activity_publish,
    outage_create,
    outage_issue,
)
from wuye.outreach.tests.conftest import keys, sh, statuses
from wuye.testing import factories as f

pytestmark = pytest.mark.django_db
NOW = sh(2026, 12, 2, 10, 0)


def test_activity_invites_matching_interests_once_and_counts_opt_outs(world, resident, opt_out):
    chess = resident(interests=["象棋"])
    quiet = resident(interests=["象棋"])
    opt_out(quiet, marketing=True)
    resident(interests=["广场舞"])
    activity = activity_create(
        actor=world.desk,
        project=world.p1,
        title="象棋比赛",
        starts_at=sh(2026, 12, 12, 14, 0),
        place="会所",
        tags=["象棋", " "],
    )
    assert activity.tags == ["象棋"]
    assert activity_publish(actor=world.desk, activity=activity, now=NOW) == 2
    assert activity.invited == 2 and activity.invite_sent_at == NOW
    assert keys(activity.source) == sorted(
        f"activity:{activity.pk}:o{o.pk}" for o in (chess, quiet)
    )
    assert statuses(activity.source).get("opted_out") == 1
    n = Notification.objects.get(recipient_occupant=chess)
    assert n.category == "marketing" and n.context["starts_at"] == "2026-12-12 14:00"
    with pytest.raises(DomainError):
        activity_publish(actor=world.desk, activity=activity, now=NOW)


def test_activity_without_tags_invites_everyone(world, resident):
    resident()
    a = activity_create(actor=world.manager, project=world.p1, title="迎新", starts_at=NOW)
    assert activity_publish(actor=world.manager, activity=a, now=NOW) == 2


def test_outage_notifies_current_occupants_of_the_buildings_never_opted_out(
    world, resident, opt_out
):
    b2 = f.BuildingFactory.create(project=world.p1, name="2幢")
    other = resident(f.UnitFactory.create(building=b2, number="2-101"))
    quiet = resident()
    opt_out(quiet, greetings=True, marketing=True)
    resident(end=dt.date(2025, 1, 1))
    notice = outage_create(
        actor=world.desk,
        project=world.p1,
        kind="water",
        starts_at=sh(2026, 12, 5, 9, 0),
        ends_at=sh(2026, 12, 5, 12, 0),
        reason="水箱清洗",
        buildings=[world.b1],
    )
    assert outage_issue(actor=world.desk, notice=notice, now=NOW) == 2
    assert other.pk not in Notification.objects.values_list("recipient_occupant_id", flat=True)
    assert "opted_out" not in statuses(notice.source)
    n = Notification.objects.filter(source=notice.source).first()
    assert n.category == "service" and not n.urgent and n.event == "outreach.outage"
    assert n.context["buildings"] == "1幢" and n.context["ends_at"] == "2026-12-05 12:00"
    with pytest.raises(DomainError):
        outage_issue(actor=world.desk, notice=notice, now=NOW)


def test_outage_starting_within_24_hours_is_urgent_and_all_buildings_by_default(world):
    notice = outage_create(
        actor=world.desk,
        project=world.p1,
        kind="power",
        starts_at=NOW + dt.timedelta(hours=3),
        ends_at=NOW + dt.timedelta(hours=5),
        reason="抢修",
    )
    assert outage_issue(actor=world.desk, notice=notice, now=NOW) == 1
    n = Notification.objects.get(source=notice.source)
    assert n.urgent and n.event == "outreach.outage.urgent" and n.context["buildings"] == "阳光新邸"


def test_outage_validation(world):
    with pytest.raises(DomainError):
        outage_create(
            actor=world.desk, project=world.p1, kind="water", starts_at=NOW, ends_at=NOW, reason="x"
        )
    with pytest.raises(DomainError):
        outage_create(
            actor=world.desk,
            project=world.p1,
            kind="water",
            starts_at=NOW,
            ends_at=NOW + dt.timedelta(hours=1),
            reason="x",
            buildings=[world.b2],
        )
