"""The outreach API: every response is checked against the OpenAPI document (``api_as``)."""

import pytest

from wuye.outreach.announcements import activity_create, outage_create
from wuye.outreach.models import CampaignState, MessageRule
from wuye.outreach.services import campaign_create
from wuye.outreach.tests.conftest import sh

pytestmark = pytest.mark.django_db


def test_campaign_lifecycle(api_as, world, resident):
    api = api_as("manager")
    resident(interests=["书法"])
    response = api.post(
        "/outreach/campaigns",
        {
            "project_ids": [world.p1.pk],
            "title": "书法班",
            "text": "周六开课",
            "category": "marketing",
            "audience": {"interests": ["书法"]},
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "draft" and body["project_ids"] == [world.p1.pk]
    cid = body["id"]
    assert api.get("/outreach/campaigns").json()["items"][0]["id"] == cid
    assert api.get(f"/outreach/campaigns/{cid}").status_code == 200
    response = api.post(
        f"/outreach/campaigns/{cid}/schedule", {"scheduled_at": "2099-01-01T09:00:00"}
    )
    assert response.status_code == 200 and response.json()["state"] == "scheduled"
    response = api.post(f"/outreach/campaigns/{cid}/send", {})
    assert response.json()["state"] == CampaignState.SENDING
    from wuye.outreach.services import campaign_send

    assert campaign_send(campaign_id=cid) == 1
    stats = api.get(f"/outreach/campaigns/{cid}").json()["stats"]
    assert stats["total"] == 1
    response = api.post(f"/outreach/campaigns/{cid}/cancel", {})
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_transition"


def test_campaign_errors(api_as, world):
    api = api_as("manager")
    assert (
        api.post(
            "/outreach/campaigns", {"project_ids": [world.p3.pk], "title": "x", "text": "y"}
        ).status_code
        == 404
    )
    assert (
        api.post("/outreach/campaigns", {"project_ids": [], "title": "x", "text": "y"}).status_code
        == 422
    )
    assert (
        api_as("tech")
        .post("/outreach/campaigns", {"project_ids": [world.p1.pk], "title": "x", "text": "y"})
        .status_code
        == 403
    )
    c = campaign_create(actor=world.manager, projects=[world.p1], title="t", text="x")
    past = api.post(
        f"/outreach/campaigns/{c.pk}/schedule", {"scheduled_at": "2000-01-01T09:00:00+08:00"}
    )
    assert past.status_code == 422 and "scheduled_at" in past.json()["error"]["fields"]


def test_audience_preview(api_as, world, resident):
    resident(name="王五", birthday=sh(1960, 6, 1).date())
    body = api_as("manager").post("/outreach/audience-preview", {"birthday_month": 6}).json()
    assert body["count"] == 1 and body["sample"][0]["name"] == "王五"
    assert body["sample"][0]["mobile"].count("*") == 4
    assert api_as("admin_b").post("/outreach/audience-preview", {}).json()["count"] == 1


def test_rules_list_and_update(api_as, world):
    rule = MessageRule.objects.create(company=world.company_a, project=world.p1, kind="birthday")
    api = api_as("manager")
    items = api.get("/outreach/rules").json()["items"]
    assert [i["id"] for i in items] == [rule.pk] and items[0]["project_name"] == "阳光新邸"
    response = api.patch(f"/outreach/rules/{rule.pk}", {"enabled": True, "send_time": "08:30:00"})
    assert response.status_code == 200 and response.json()["enabled"] is True
    rule.refresh_from_db()
    assert rule.enabled and rule.send_time.hour == 8
    assert (
        api_as("manager2").patch(f"/outreach/rules/{rule.pk}", {"enabled": False}).status_code
        == 404
    )


def test_activities_and_outages(api_as, world):
    api = api_as("desk")
    response = api.post(
        "/outreach/activities",
        {
            "project_id": world.p1.pk,
            "title": "亲子课",
            "starts_at": "2026-12-12T14:00:00+08:00",
            "tags": ["亲子"],
        },
    )
    assert response.status_code == 201
    aid = response.json()["id"]
    assert api.post(f"/outreach/activities/{aid}/publish", {}).json()["invite_sent_at"] is not None
    assert api.post(f"/outreach/activities/{aid}/publish", {}).status_code == 409
    assert [i["id"] for i in api.get("/outreach/activities").json()["items"]] == [aid]
    response = api.post(
        "/outreach/outages",
        {
            "project_id": world.p1.pk,
            "kind": "lift",
            "starts_at": "2026-12-12T09:00:00+08:00",
            "ends_at": "2026-12-12T11:00:00+08:00",
            "reason": "年检",
            "building_ids": [world.b1.pk],
        },
    )
    assert response.status_code == 201 and response.json()["building_ids"] == [world.b1.pk]
    oid = response.json()["id"]
    assert api.post(f"/outreach/outages/{oid}/issue", {}).json()["notified"] == 1
    listed = api.get("/outreach/outages").json()["items"]
    assert listed[0]["building_ids"] == [world.b1.pk]
    bad = api.post(
        "/outreach/outages",
        {
            "project_id": world.p1.pk,
            "kind": "lift",
            "starts_at": "2026-12-12T09:00:00+08:00",
            "ends_at": "2026-12-12T11:00:00+08:00",
            "reason": "x",
            "building_ids": [world.b2.pk],
        },
    )
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/outreach/campaigns", 3),
        ("/outreach/rules", 4),
        ("/outreach/activities", 3),
        ("/outreach/outages", 4),
    ],
)
def test_list_query_budgets(api_as, world, django_assert_num_queries, path, queries):
    for i in range(3):
        campaign_create(actor=world.admin, projects=[world.p1], title=f"c{i}", text="x")
        activity_create(
            actor=world.admin, project=world.p1, title=f"a{i}", starts_at=sh(2026, 12, 12, 14)
        )
        outage_create(
            actor=world.admin,
            project=world.p1,
            kind="gas",
            starts_at=sh(2026, 12, 12, 9),
            ends_at=sh(2026, 12, 12, 10),
            reason="r",
            buildings=[world.b1],
        )
    MessageRule.objects.create(company=world.company_a, kind="holiday")
    api = api_as("admin")
    with django_assert_num_queries(queries):
        assert api.get(path).status_code == 200
