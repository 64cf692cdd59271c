"""Ticket transitions over the API: each endpoint, its permission (403), a transition the
state does not allow (409 invalid_transition), a lost grab (409 already_taken), bad input
(422 on the field), and other projects (404)."""

from __future__ import annotations

import pytest

from wuye.accounts.models import Membership, Role
from wuye.servicedesk import services as s
from wuye.servicedesk.models import Team, Ticket, TicketState

from .test_tickets import at, error, new_ticket


def codes(body) -> list[str]:
    return [e["code"].removeprefix("servicedesk.ticket.") for e in body["events"]]


@pytest.fixture
def ticket(world):
    return new_ticket(world)


def _in_progress(world, ticket: Ticket) -> Ticket:
    s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, now=at(1))
    s.ticket_accept(actor=world.tech, ticket=ticket, now=at(2))
    s.ticket_arrive(actor=world.tech, ticket=ticket, now=at(3))
    return s.ticket_start(actor=world.tech, ticket=ticket, now=at(4))


# --- dispatch --------------------------------------------------------------------------------


def test_the_desk_dispatches_to_a_technician(api_as, world, ticket):
    response = api_as("desk").post(
        f"/tickets/{ticket.pk}/dispatch", {"assignee_id": world.tech.pk, "note": "带扳手"}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["assignee_id"], body["team_id"]) == (
        "dispatched",
        world.tech.pk,
        None,
    )
    assert codes(body)[-1] == "dispatched"
    assert body["events"][-1]["note"] == "带扳手"
    assert body["reporter_phone_full"] is None  # only GET /tickets/{id} reveals


def test_dispatch_to_a_team_pool_or_the_project_pool(api_as, world, ticket):
    plumbers = Team.objects.create(project=world.p1, name="水电班")
    plumbers.members.add(world.tech)
    api = api_as("desk")

    body = api.post(f"/tickets/{ticket.pk}/dispatch", {"team_id": plumbers.pk}).json()
    assert (body["assignee_id"], body["team_id"], body["team_name"]) == (
        None,
        plumbers.pk,
        "水电班",
    )

    # no body at all: the project's pool
    response = api.client.generic(
        "POST", f"/api/v1/tickets/{ticket.pk}/dispatch", b"", headers=api.headers
    )
    body = response.json()
    assert (body["state"], body["assignee_id"], body["team_id"]) == ("dispatched", None, None)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"assignee_id": "desk"}, "assignee_id"),  # customer service is no field worker
        ({"assignee_id": "manager2"}, "assignee_id"),  # another project's
        ({"assignee_id": 999999}, "assignee_id"),
        ({"team_id": 999999}, "team_id"),
        ({"assignee": 1}, "assignee"),  # misspelt
    ],
)
def test_dispatch_input_errors_name_the_field(api_as, world, ticket, payload, field):
    payload = {k: getattr(world, v).pk if isinstance(v, str) else v for k, v in payload.items()}

    response = api_as("desk").post(f"/tickets/{ticket.pk}/dispatch", payload)

    assert response.status_code == 422
    assert list(error(response)["fields"]) == [field]
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.REGISTERED


def test_a_team_of_another_project_is_not_found(api_as, world, ticket):
    theirs = Team.objects.create(project=world.p2, name="A座工程")

    response = api_as("desk", language="en").post(
        f"/tickets/{ticket.pk}/dispatch", {"team_id": theirs.pk}
    )

    assert error(response)["fields"] == {"team_id": ["No such team in this project."]}


@pytest.mark.parametrize("user", ["tech", "resident", "district"])
def test_only_the_desk_dispatches(api_as, world, ticket, user):
    response = api_as(user).post(f"/tickets/{ticket.pk}/dispatch", {})

    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"


def test_an_impossible_transition_is_409_with_a_clear_message(api_as, world, ticket):
    s.ticket_cancel(actor=world.desk, ticket=ticket, reason="重复", now=at(1))

    response = api_as("desk").post(f"/tickets/{ticket.pk}/dispatch", {})
    english = api_as("desk", language="en").post(f"/tickets/{ticket.pk}/dispatch", {})

    assert response.status_code == 409
    assert error(response)["code"] == "invalid_transition"
    assert ticket.number in error(response)["message"]
    assert "已取消" in error(response)["message"]
    assert error(english)["message"] == (
        f"“Dispatch” is not possible: ticket {ticket.number} is “Cancelled”."
    )


def test_reassign_needs_a_reason_and_the_new_assignee_accepts_again(api_as, world, ticket):
    _in_progress(world, ticket)
    api = api_as("desk", language="en")

    missing = api.post(f"/tickets/{ticket.pk}/reassign", {"assignee_id": world.guard.pk})
    blank = api.post(
        f"/tickets/{ticket.pk}/reassign", {"assignee_id": world.guard.pk, "reason": " "}
    )
    done = api.post(
        f"/tickets/{ticket.pk}/reassign", {"assignee_id": world.guard.pk, "reason": "换人"}
    )

    assert error(missing)["fields"] == {"reason": ["This field is required."]}
    assert error(blank)["fields"] == {"reason": ["Give the reason for reassigning."]}
    assert done.status_code == 200
    body = done.json()
    assert (body["state"], body["assignee_id"]) == ("dispatched", world.guard.pk)
    assert codes(body)[-1] == "reassigned"
    again = api.post(
        f"/tickets/{ticket.pk}/reassign", {"assignee_id": world.guard.pk, "reason": "再换"}
    )
    assert (again.status_code, error(again)["code"]) == (409, "unchanged")


# --- grab ------------------------------------------------------------------------------------


def test_a_technician_grabs_from_the_pool_and_the_next_one_is_too_late(api_as, world, ticket):
    s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=None, now=at(1))

    won = api_as("tech").post(f"/tickets/{ticket.pk}/grab", {})
    lost = api_as("cleaner", language="en").post(f"/tickets/{ticket.pk}/grab", {})

    assert won.status_code == 200
    assert (won.json()["state"], won.json()["assignee_id"]) == ("accepted", world.tech.pk)
    assert codes(won.json())[-1] == "grabbed"
    assert lost.status_code == 409
    assert error(lost) == {
        "code": "already_taken",
        "message": "Someone else has taken this ticket.",
        "fields": {},
    }


def test_grab_needs_field_work_and_team_membership(api_as, world, ticket):
    plumbers = Team.objects.create(project=world.p1, name="水电班")
    plumbers.members.add(world.tech)
    s.ticket_dispatch(actor=world.desk, ticket=ticket, team=plumbers, now=at(1))

    assert api_as("desk").post(f"/tickets/{ticket.pk}/grab", {}).status_code == 403
    assert api_as("guard").post(f"/tickets/{ticket.pk}/grab", {}).status_code == 403
    assert api_as("tech").post(f"/tickets/{ticket.pk}/grab", {}).status_code == 200


def test_grab_of_a_registered_ticket_is_an_invalid_transition(api_as, world, ticket):
    response = api_as("tech").post(f"/tickets/{ticket.pk}/grab", {})

    assert (response.status_code, error(response)["code"]) == (409, "invalid_transition")


# --- the work --------------------------------------------------------------------------------


def test_the_technician_works_the_ticket_through(api_as, world, ticket):
    s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, now=at(1))
    api = api_as("tech")
    path = f"/tickets/{ticket.pk}"

    assert api.post(f"{path}/accept", {}).json()["state"] == "accepted"
    assert api.post(f"{path}/arrive", {}).json()["state"] == "arrived"
    assert api.post(f"{path}/start", {}).json()["state"] == "in_progress"
    paused = api.post(
        f"{path}/pause",
        {"reason": "appointment", "note": "业主不在家", "appointment_at": "2026-11-30T09:00:00"},
    ).json()
    assert (paused["state"], paused["resume_state"]) == ("paused", "in_progress")
    assert paused["appointment_at"] == "2026-11-30T01:00:00Z"  # 09:00 Shanghai
    assert api.post(f"{path}/resume", {"note": "已约好"}).json()["state"] == "in_progress"
    done = api.post(f"{path}/complete", {"note": "已更换阀芯"}).json()
    assert done["state"] == "completed" and done["completed_at"]
    assert codes(done) == [
        "registered",
        "dispatched",
        "accepted",
        "arrived",
        "started",
        "paused",
        "resumed",
        "completed",
    ]
    assert "return_visit" in {c["kind"] for c in done["clocks"]}


def test_only_the_assignee_accepts(api_as, world, ticket):
    s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=world.tech, now=at(1))

    response = api_as("guard").post(f"/tickets/{ticket.pk}/accept", {})

    assert (response.status_code, error(response)["code"]) == (403, "permission_denied")


def test_pause_needs_a_valid_reason(api_as, world, ticket):
    _in_progress(world, ticket)

    response = api_as("tech", language="en").post(
        f"/tickets/{ticket.pk}/pause", {"reason": "lunch"}
    )

    assert error(response)["fields"] == {"reason": ["Select a valid choice."]}


def test_a_body_is_optional_where_every_field_is(api_as, world, ticket):
    _in_progress(world, ticket)

    api = api_as("tech")

    response = api.client.generic(
        "POST", f"/api/v1/tickets/{ticket.pk}/complete", b"", headers=api.headers
    )

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "completed"


def test_close_after_the_return_visit(api_as, world, ticket):
    _in_progress(world, ticket)
    s.ticket_complete(actor=world.tech, ticket=ticket, now=at(30))
    api = api_as("desk")

    early = api.post(f"/tickets/{ticket.pk}/close", {})
    s.ticket_return_visit_record(actor=world.desk, ticket=ticket, outcome="satisfied", now=at(60))
    closed = api.post(f"/tickets/{ticket.pk}/close", {"note": "结单"})

    assert (early.status_code, error(early)["code"]) == (409, "invalid_transition")
    assert closed.status_code == 200
    assert closed.json()["state"] == "closed" and closed.json()["closed_at"]


def test_the_reporting_resident_cancels_with_a_reason(api_as, world, ticket):
    api = api_as("resident", language="en")

    missing = api.post(f"/tickets/{ticket.pk}/cancel", {"reason": ""})
    done = api.post(f"/tickets/{ticket.pk}/cancel", {"reason": "已自行修好"})

    assert error(missing)["fields"] == {"reason": ["Give the reason for cancelling."]}
    assert done.status_code == 200
    body = done.json()
    assert (body["state"], body["cancel_reason"]) == ("cancelled", "已自行修好")
    assert all(c["stopped_at"] for c in body["clocks"])


def test_reopen_answers_the_new_rework_ticket(api_as, world, ticket):
    _in_progress(world, ticket)
    s.ticket_complete(actor=world.tech, ticket=ticket, now=at(30))

    response = api_as("resident").post(f"/tickets/{ticket.pk}/reopen", {"reason": "又漏了"})

    assert response.status_code == 201
    rework = response.json()
    assert rework["id"] != ticket.pk
    assert (rework["reopened_from_id"], rework["state"]) == (ticket.pk, "registered")
    assert Ticket.objects.get(pk=rework["id"]).reopened_from == ticket
    again = api_as("resident").post(f"/tickets/{ticket.pk}/reopen", {"reason": "还漏"})
    assert (again.status_code, error(again)["code"]) == (409, "invalid_transition")


# --- complaints ------------------------------------------------------------------------------


def test_a_complaint_is_handled_and_confirmed_by_the_complainant(api_as, world):
    complaint = new_ticket(world, kind="complaint", description="楼道堆物")
    desk = api_as("desk")
    path = f"/tickets/{complaint.pk}"

    acknowledged = desk.post(f"{path}/acknowledge", {"note": "已联系"}).json()
    assert (acknowledged["state"], acknowledged["assignee_id"]) == ("acknowledged", world.desk.pk)
    assert desk.post(f"{path}/start", {}).json()["state"] == "handling"
    no_result = api_as("desk", language="en").post(f"{path}/report-result", {"note": " "})
    assert error(no_result)["fields"] == {"note": ["Describe the result."]}
    reported = desk.post(f"{path}/report-result", {"note": "已清理"}).json()
    assert reported["state"] == "result_reported"
    not_yet = api_as("resident").post(f"{path}/confirm", {"satisfied": False, "note": "还有"})
    assert not_yet.json()["state"] == "handling"
    desk.post(f"{path}/report-result", {"note": "全部清理"})
    satisfied = api_as("resident").post(f"{path}/confirm", {"satisfied": True}).json()
    assert satisfied["state"] == "completed"
    assert codes(satisfied)[-1] == "confirmed"


def test_acknowledge_is_for_complaints(api_as, world, ticket):
    response = api_as("desk").post(f"/tickets/{ticket.pk}/acknowledge", {})

    assert (response.status_code, error(response)["code"]) == (409, "invalid_transition")


def test_confirm_needs_a_verdict(api_as, world):
    complaint = new_ticket(world, kind="complaint")

    response = api_as("resident", language="en").post(f"/tickets/{complaint.pk}/confirm", {})

    assert error(response)["fields"] == {"satisfied": ["This field is required."]}


# --- scope -----------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["manager2", "admin_b", "outsider"])
def test_transitions_on_other_projects_tickets_are_404(api_as, world, ticket, user):
    Membership.objects.create(
        user=world.users[user], role=Role.ENGINEERING, project=world.p2, company=world.company_a
    ) if user == "outsider" else None
    s.ticket_dispatch(actor=world.desk, ticket=ticket, assignee=None, now=at(1))

    response = api_as(user).post(f"/tickets/{ticket.pk}/grab", {})

    assert response.status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).assignee is None
