"""Tickets over the API: create (with Idempotency-Key), list, detail, scoping.

Every response is checked against the OpenAPI document by the ``api_as`` client. The
transitions are in test_tickets_transitions.py, return visits, fees, attachments and the
desk's reads in test_tickets_desk.py, query budgets in test_tickets_queries.py, the
concurrency proofs in test_tickets_concurrency.py.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from wuye.audit.models import AuditEvent
from wuye.servicedesk import services as s
from wuye.servicedesk.models import Category, Ticket
from wuye.testing import factories as f

from .conftest import ids

TZ = ZoneInfo("Asia/Shanghai")
#: Tuesday 24 November 2026, 10:00 — an ordinary working day.
T0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=TZ)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def new_ticket(world, **kwargs) -> Ticket:
    """A minor repair at 1-101 reported by 张三, registered by the desk at T0."""
    defaults = {
        "actor": world.desk,
        "project": world.p1,
        "kind": "repair_unit",
        "unit": world.u1,
        "reporter": world.occupant1,
        "description": "厨房水龙头漏水",
        "now": T0,
    }
    return s.ticket_register(**{**defaults, **kwargs})


def p2_ticket(world, **kwargs) -> Ticket:
    defaults = {
        "actor": world.manager2,
        "project": world.p2,
        "unit": world.u2,
        "reporter": world.occupant2,
    }
    return new_ticket(world, **{**defaults, **kwargs})


@pytest.fixture
def frozen():
    """The clock stands at T0 + 1 h (11:00 on a working Tuesday)."""
    with time_machine.travel(at(60), tick=False):
        yield


def error(response):
    return response.json()["error"]


# --- create ----------------------------------------------------------------------------------


def test_the_desk_registers_a_ticket_for_a_unit(api_as, world, frozen):
    water = Category.objects.get(project=world.p1, code="water")
    response = api_as("desk").post(
        "/tickets",
        {
            "kind": "repair_unit",
            "unit_id": world.u1.pk,
            "category_id": water.pk,
            "urgency": "urgent",
            "channel": "phone",
            "reporter_id": world.occupant1.pk,
            "description": "  卫生间漏水  ",
        },
    )

    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["id"] == ticket.pk
    assert body["number"] == "BX-20261124-0001"
    assert (body["project_id"], body["project_name"]) == (world.p1.pk, "阳光新邸")
    assert (body["unit_number"], body["building_name"]) == ("1-101", "1幢")
    assert (body["category_name"], body["urgency"], body["channel"]) == (
        "给排水",
        "urgent",
        "phone",
    )
    assert (body["reporter_name"], body["reporter_phone"]) == ("张三", "138****1111")
    assert body["description"] == "卫生间漏水"
    assert body["state"] == "registered"
    assert body["created_at"] == "2026-11-24T03:00:00Z"
    # the earliest running clock: urgent response within 30 minutes
    assert body["next_due_at"] == "2026-11-24T03:30:00Z"
    assert ticket.created_by == world.desk
    assert "Idempotent-Replayed" not in response


def test_a_technician_registers_a_public_area_finding_by_building(api_as, world, frozen):
    response = api_as("tech").post(
        "/tickets",
        {
            "kind": "repair_public",
            "building_id": world.b1.pk,
            "place": "3楼走廊",
            "channel": "inspection",
            "description": "灯不亮",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["building_name"], body["unit_id"], body["place"]) == ("1幢", None, "3楼走廊")
    assert body["reporter_id"] is None


def test_a_resident_reports_for_their_own_unit_as_themselves(api_as, world, frozen):
    response = api_as("resident").post(
        "/tickets", {"kind": "repair_unit", "unit_id": world.u1.pk, "description": "门锁坏了"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["reporter_id"], body["reporter_name"]) == (world.occupant1.pk, "张三")
    assert body["channel"] == "api"
    assert body["project_id"] == world.p1.pk


def test_a_resident_may_report_a_public_matter_of_their_project(api_as, world, frozen):
    response = api_as("resident").post(
        "/tickets",
        {
            "kind": "complaint",
            "project_id": world.p1.pk,
            "description": "夜间噪音",
            "channel": "app",
        },
    )

    assert response.status_code == 201
    assert response.json()["reporter_id"] == world.occupant1.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"unit_id": "u2"}, "unit_id"),  # not theirs
        ({"unit_id": "u1", "reporter_id": "occupant3"}, "reporter_id"),  # not themselves
        ({"unit_id": "u1", "channel": "phone"}, "channel"),  # not a resident's channel
        ({"project_id": "p2"}, "project_id"),  # not their project
        ({}, "unit_id"),  # nowhere
    ],
)
def test_a_resident_cannot_report_for_others(api_as, world, body, field):
    body = {k: getattr(world, v).pk if k.endswith("_id") else v for k, v in body.items()}
    response = api_as("resident", language="en").post(
        "/tickets", {"kind": "repair_unit", "description": "x", **body}
    )

    assert response.status_code == 422
    assert list(error(response)["fields"]) == [field]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("manager2", 422),  # another project: the unit is not theirs to name
        ("admin_b", 422),
        ("outsider", 422),
        ("district", 403),  # sees p1, but registers nothing
    ],
)
def test_others_cannot_register_in_p1(api_as, world, user, status):
    response = api_as(user).post(
        "/tickets", {"kind": "repair_unit", "unit_id": world.u1.pk, "description": "x"}
    )

    assert response.status_code == status
    assert not Ticket.objects.exists()


def test_create_validates_fields_in_the_callers_language(api_as, world):
    lifts = Category.objects.get(project=world.p2, code="lifts")
    api = api_as("desk", language="en")

    response = api.post(
        "/tickets",
        {"kind": "castle", "unit_id": world.u1.pk, "description": "x", "colour": "red"},
    )
    assert response.status_code == 422
    assert error(response)["fields"] == {
        "kind": ["Select a valid choice."],
        "colour": ["This field is not accepted here."],
    }

    response = api.post(
        "/tickets",
        {
            "kind": "repair_unit",
            "unit_id": world.u1.pk,
            "category_id": lifts.pk,
            "description": "x",
        },
    )
    assert error(response)["fields"] == {"category_id": ["No such record in your projects."]}

    response = api.post(
        "/tickets", {"kind": "repair_unit", "unit_id": world.u1.pk, "description": " "}
    )
    assert error(response)["fields"] == {"description": ["Describe the matter."]}

    response = api_as("desk").post(
        "/tickets",
        {
            "kind": "repair_unit",
            "project_id": world.p1.pk,
            "unit_id": world.u2.pk,
            "description": "x",
        },
    )
    assert list(error(response)["fields"]) == ["unit_id"]
    assert "\u4e00" <= error(response)["message"][0] <= "\u9fff"  # Chinese by default


# --- Idempotency-Key -------------------------------------------------------------------------

BODY = {"kind": "repair_unit", "description": "卫生间漏水", "urgency": "urgent"}


def test_a_retry_with_the_same_key_answers_the_same_and_creates_nothing(api_as, world):
    api = api_as("desk")
    api.headers["Idempotency-Key"] = "7a1e3c2c-0b6f-4b43-8d0e-3f1a2b9c0d11"
    body = {**BODY, "unit_id": world.u1.pk}

    first = api.post("/tickets", body)
    retry = api.post("/tickets", body)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.content == first.content
    assert retry["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().idempotency_key == "7a1e3c2c-0b6f-4b43-8d0e-3f1a2b9c0d11"


def test_a_key_is_per_user(api_as, world):
    body = {**BODY, "unit_id": world.u1.pk}
    desk, manager = api_as("desk"), api_as("manager")
    desk.headers["Idempotency-Key"] = manager.headers["Idempotency-Key"] = "same"

    assert desk.post("/tickets", body).json()["id"] != manager.post("/tickets", body).json()["id"]
    assert Ticket.objects.count() == 2


def test_the_same_key_with_a_different_body_is_refused(api_as, world):
    api = api_as("desk", language="en")
    api.headers["Idempotency-Key"] = "k-1"
    api.post("/tickets", {**BODY, "unit_id": world.u1.pk})

    response = api.post("/tickets", {**BODY, "unit_id": world.u1.pk, "description": "别的事"})

    assert response.status_code == 422
    assert error(response) == {
        "code": "idempotency_key_reused",
        "message": "This Idempotency-Key was used for a different request.",
        "fields": {"description": ["This Idempotency-Key was used for a different request."]},
    }
    # a left-out default counts: the first was urgent
    response = api.post(
        "/tickets", {"kind": "repair_unit", "description": "卫生间漏水", "unit_id": world.u1.pk}
    )
    assert list(error(response)["fields"]) == ["urgency"]
    assert Ticket.objects.count() == 1


def test_equivalent_spellings_are_the_same_request(api_as, world):
    api = api_as("desk")
    api.headers["Idempotency-Key"] = "k-2"
    first = api.post(
        "/tickets",
        {**BODY, "unit_id": world.u1.pk, "reporter_phone": "138 0000 1111", "place": "厨房"},
    )
    retry = api.post(
        "/tickets",
        {
            **BODY,
            "unit_id": world.u1.pk,
            "building_id": world.b1.pk,  # derived from the unit the first time
            "project_id": world.p1.pk,
            "reporter_phone": "+86 13800001111",
            "place": " 厨房 ",
            "description": "卫生间漏水 ",
        },
    )

    assert retry.status_code == 201
    assert retry.content == first.content


def test_a_failed_first_attempt_leaves_the_key_free(api_as, world):
    api = api_as("desk")
    api.headers["Idempotency-Key"] = "k-3"

    assert (
        api.post("/tickets", {**BODY, "unit_id": world.u1.pk, "description": ""}).status_code == 422
    )
    assert api.post("/tickets", {**BODY, "unit_id": world.u1.pk}).status_code == 201


def test_the_key_is_at_most_100_characters(api_as, world):
    api = api_as("desk", language="en")
    api.headers["Idempotency-Key"] = "x" * 101

    response = api.post("/tickets", {**BODY, "unit_id": world.u1.pk})

    assert response.status_code == 422
    assert error(response)["fields"] == {
        "Idempotency-Key": ["Ensure this value has at most 100 characters."]
    }


# --- list ------------------------------------------------------------------------------------


def test_staff_list_their_projects_tickets_and_residents_their_own(api_as, world):
    mine = new_ticket(world)
    by_phone = new_ticket(world, reporter=None, reporter_phone="13900001234", reporter_name="路人")
    other = p2_ticket(world)

    assert ids(api_as("desk").get("/tickets")) == [by_phone.pk, mine.pk]
    assert ids(api_as("admin").get("/tickets")) == [by_phone.pk, mine.pk, other.pk]
    assert ids(api_as("manager2").get("/tickets")) == [other.pk]
    assert ids(api_as("resident").get("/tickets")) == [mine.pk]
    assert ids(api_as("admin_b").get("/tickets")) == []
    assert ids(api_as("outsider").get("/tickets")) == []


def test_list_rows_are_masked(api_as, world):
    new_ticket(world)

    row = api_as("manager").get("/tickets").json()["items"][0]

    assert row["reporter_phone"] == "138****1111"
    assert "13800001111" not in str(api_as("manager").get("/tickets").json())


def test_list_filters(api_as, world, frozen):
    water = Category.objects.get(project=world.p1, code="water")
    leak = new_ticket(world, category=water, urgency="urgent")
    noise = new_ticket(world, kind="complaint", description="楼上噪音", now=at(10))
    lamp = new_ticket(
        world, kind="repair_public", unit=None, building=world.b1, reporter=None, now=at(20)
    )
    s.ticket_dispatch(actor=world.desk, ticket=lamp, assignee=world.tech, now=at(21))
    done = new_ticket(world, reporter_phone="13900005678", reporter=None, now=at(30))
    s.ticket_cancel(actor=world.desk, ticket=done, reason="重复", now=at(31))
    api = api_as("desk")

    def find(**params):
        return ids(api.get("/tickets", params))

    assert find(project_id=world.p1.pk) == [done.pk, lamp.pk, noise.pk, leak.pk]
    assert find(state=["dispatched", "cancelled"]) == [done.pk, lamp.pk]
    assert find(state="registered") == [noise.pk, leak.pk]
    assert find(kind="complaint") == [noise.pk]
    assert find(category_id=water.pk) == [leak.pk]
    assert find(urgency="urgent") == [leak.pk]
    assert find(assignee_id=world.tech.pk) == [lamp.pk]
    assert find(unit_id=world.u1.pk) == [done.pk, noise.pk, leak.pk]
    assert find(open="true") == [lamp.pk, noise.pk, leak.pk]
    assert find(q="5678") == [done.pk]
    assert find(q="噪音") == [noise.pk]
    assert find(q=leak.number) == [leak.pk]
    assert find(created_from="2026-11-24T10:10:00+08:00") == [done.pk, lamp.pk, noise.pk]
    # without an offset: Shanghai time; created_to is exclusive
    assert find(created_from="2026-11-24T10:00:00", created_to="2026-11-24T10:20:00") == [
        noise.pk,
        leak.pk,
    ]
    # 11:00: the leak's urgent response (due 10:30) and the lamp's response (due 10:50:
    # dispatched but not accepted) are late; the complaint's first feedback is due 11:10.
    assert find(overdue="true") == [lamp.pk, leak.pk]


def test_list_filter_errors_are_field_errors(api_as, world):
    response = api_as("desk", language="en").get(
        "/tickets", {"state": "lost", "created_from": "yesterday"}
    )

    assert response.status_code == 422
    assert set(error(response)["fields"]) == {"state.0", "created_from"}


def test_cursor_pages_walk_every_ticket_once_across_projects(api_as, world):
    p1 = [new_ticket(world, now=at(i)) for i in range(5)]
    p2 = [p2_ticket(world, now=at(i)) for i in range(3)]
    api = api_as("admin")
    seen, cursor = [], None
    while True:
        body = api.get("/tickets", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [row["id"] for row in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    # by project, newest first within each
    assert seen == [t.pk for t in reversed(p1)] + [t.pk for t in reversed(p2)]


def test_a_resident_pages_through_tickets_in_two_projects(api_as, world):
    # 张三 also owns a unit in p2
    other_me = f.OccupantFactory(
        project=world.p2, name="张三", mobile="13800001111", user=world.resident
    )
    f.OccupancyFactory(unit=world.u2, occupant=other_me)
    first = new_ticket(world)
    second = p2_ticket(world, reporter=other_me)
    api = api_as("resident")

    page = api.get("/tickets", {"limit": 1}).json()
    rest = api.get("/tickets", {"limit": 1, "cursor": page["next_cursor"]}).json()

    assert [r["id"] for r in page["items"] + rest["items"]] == [first.pk, second.pk]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["x", "WzFd", "WyJhIiwiYiIsImMiXQ", "WzEsIjIwMjYtMTEtMjQiLDFd"])
def test_bad_cursors_are_422(api_as, world, cursor):
    new_ticket(world)

    response = api_as("desk").get("/tickets", {"cursor": cursor})

    assert response.status_code == 422
    assert error(response)["code"] == "invalid_cursor"


# --- detail ----------------------------------------------------------------------------------


def test_detail_has_live_clocks_and_the_timeline(api_as, world, frozen):
    ticket = new_ticket(world)
    s.ticket_dispatch(
        actor=world.desk, ticket=ticket, assignee=world.tech, note="请尽快", now=at(2)
    )
    s.ticket_accept(actor=world.tech, ticket=ticket, now=at(5))

    body = api_as("tech").get(f"/tickets/{ticket.pk}").json()

    assert body["state"] == "accepted"
    assert body["assignee_name"] == str(world.tech)
    clocks = {c["kind"]: c for c in body["clocks"]}
    assert set(clocks) == {"response", "arrival", "completion"}
    # response: met at 10:05 against 10:30 → 25 minutes to spare
    assert (clocks["response"]["state"], clocks["response"]["remaining_seconds"]) == ("met", 1500)
    assert clocks["response"]["stopped_at"] == "2026-11-24T02:05:00Z"
    # arrival: 30 working minutes from 10:00, it is 11:00 now → 30 minutes late
    assert clocks["arrival"]["state"] == "breached"
    assert clocks["arrival"]["remaining_seconds"] == -1800
    assert clocks["arrival"]["basis"] == "working"
    assert clocks["completion"]["state"] == "running"
    assert clocks["completion"]["paused_seconds"] == 0
    assert [e["code"] for e in body["events"]] == [
        "servicedesk.ticket.registered",
        "servicedesk.ticket.dispatched",
        "servicedesk.ticket.accepted",
    ]
    dispatched = body["events"][1]
    assert (dispatched["from_state"], dispatched["to_state"], dispatched["note"]) == (
        "registered",
        "dispatched",
        "请尽快",
    )
    assert dispatched["actor_name"] == str(world.desk)
    assert (body["attachments"], body["charges"], body["return_visits"]) == ([], [], [])


def test_paused_time_shows_on_the_clocks_it_stops(api_as, world):
    ticket = new_ticket(world)
    s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, now=at(1))
    s.ticket_accept(actor=world.tech, ticket=ticket, now=at(2))
    s.ticket_arrive(actor=world.tech, ticket=ticket, now=at(10))
    s.ticket_start(actor=world.tech, ticket=ticket, now=at(11))
    s.ticket_pause(actor=world.tech, ticket=ticket, reason="waiting_parts", now=at(20))

    with time_machine.travel(at(80), tick=False):
        body = api_as("tech").get(f"/tickets/{ticket.pk}").json()

    completion = next(c for c in body["clocks"] if c["kind"] == "completion")
    assert completion["state"] == "paused"
    assert completion["paused_seconds"] == 3600
    assert body["state"] == "paused" and body["resume_state"] == "in_progress"


def test_the_full_phone_is_for_personal_data_holders_and_audited(api_as, world):
    ticket = new_ticket(world)

    desk = api_as("desk").get(f"/tickets/{ticket.pk}").json()
    tech = api_as("tech").get(f"/tickets/{ticket.pk}").json()
    resident = api_as("resident").get(f"/tickets/{ticket.pk}").json()

    assert (desk["reporter_phone"], desk["reporter_phone_full"]) == ("138****1111", "13800001111")
    assert (tech["reporter_phone"], tech["reporter_phone_full"]) == ("138****1111", None)
    assert resident["reporter_phone_full"] is None
    viewed = AuditEvent.objects.filter(action="servicedesk.ticket.personal_data_viewed")
    assert [(e.actor, e.object_id) for e in viewed] == [(world.desk, str(ticket.pk))]


def test_the_list_row_and_the_detail_agree(api_as, world):
    ticket = new_ticket(world)
    api = api_as("tech")

    row = api.get("/tickets").json()["items"][0]
    detail = api.get(f"/tickets/{ticket.pk}").json()

    assert {k: detail[k] for k in row} == row


@pytest.mark.parametrize("user", ["manager2", "admin_b", "outsider"])
def test_other_projects_tickets_are_404(api_as, world, user):
    ticket = new_ticket(world)

    response = api_as(user).get(f"/tickets/{ticket.pk}")

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_a_resident_sees_only_tickets_they_reported(api_as, world):
    theirs = new_ticket(world)
    by_someone_else = new_ticket(world, reporter=None, reporter_name="李四")
    api = api_as("resident")

    assert api.get(f"/tickets/{theirs.pk}").status_code == 200
    assert api.get(f"/tickets/{by_someone_else.pk}").status_code == 404
    assert api.get("/tickets/999999").status_code == 404
