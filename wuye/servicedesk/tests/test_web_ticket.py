"""The ticket page of the console: what it shows, the actions offered to each user in each
state, and every action posted as a plain form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuye.servicedesk import services as s
from wuye.servicedesk.models import (
    FeeState,
    PriceItem,
    ReturnVisit,
    Ticket,
    TicketAttachment,
    TicketKind,
    TicketState,
)
from wuye.servicedesk.tests.web_helpers import (
    SIGNATURE,
    accepted,
    completed,
    dispatched,
    english,
    in_progress,
    new_ticket,
    photo,
    pooled,
    private_files,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.django_db

S = TicketState


def page(client, ticket):
    return client.get(reverse("desk:ticket-detail", args=[ticket.pk]))


def act(client, ticket, action, data=None, **kwargs):
    """POST an action with its form's prefix (the page renders every form prefixed)."""
    payload = {f"{action}-{k}": v for k, v in (data or {}).items()}
    payload.update(kwargs)
    return client.post(reverse("desk:ticket-action", args=[ticket.pk, action]), payload)


def refreshed(ticket):
    return Ticket.objects.get(pk=ticket.pk)


def offered(response) -> list[str]:
    return response.context["actions"]


# --- what the page shows ---------------------------------------------------------------------


def test_the_ticket_page_shows_header_clocks_and_timeline(login, world):
    ticket = dispatched(world)
    response = page(login("desk"), ticket)
    assert response.status_code == 200
    content = response.content.decode()
    assert ticket.number in content
    assert "1-101" in content and "张三" in content
    assert "138****1111" in content and "13800001111" not in content
    # every clock with its state and deadline
    rows = response.context["clocks"]
    assert {r.clock.kind for r in rows} == {"response", "arrival", "completion"}
    assert all(r.status.state == "running" for r in rows)
    assert 'data-clock="completion"' in content
    # the timeline: registered, then dispatched to the technician
    codes = [e.code for e in response.context["events"]]
    assert codes == ["servicedesk.ticket.registered", "servicedesk.ticket.dispatched"]
    dispatched_event = response.context["events"][1]
    assert "tech" in [value for _label, value in dispatched_event.facts]


def test_the_desk_is_offered_dispatch_with_suggestions_and_workload(login, world):
    ticket = new_ticket(world)
    response = page(login("desk"), ticket)
    assert offered(response) == ["dispatch", "photo", "cancel"]
    suggested = {sg.user.username for sg in response.context["suggestions"]}
    assert suggested >= {"tech", "guard", "cleaner"}
    assert {r.user.username for r in response.context["workload"]} >= {"tech"}
    assert 'id="dispatch"' in response.content.decode()


def test_a_supervisor_sees_everything_but_no_buttons_and_cannot_post(login, world):
    ticket = dispatched(world)
    client = login("district")
    response = page(client, ticket)
    assert response.status_code == 200
    assert offered(response) == []
    content = response.content.decode()
    assert reverse("desk:ticket-action", args=[ticket.pk, "cancel"]) not in content
    assert 'data-action="' not in content
    for action in ("cancel", "accept", "dispatch"):
        response = act(client, ticket, action, {"reason": "x"})
        assert response.status_code == 403
    assert refreshed(ticket).state == S.DISPATCHED


def test_another_projects_ticket_answers_404(login, world):
    ticket = new_ticket(world)
    for name in ("manager2", "admin_b"):
        client = login(name)
        assert page(client, ticket).status_code == 404
        assert act(client, ticket, "cancel", {"reason": "x"}).status_code == 404
        assert client.get(reverse("desk:my-ticket", args=[ticket.pk])).status_code == 404
    assert refreshed(ticket).state == S.REGISTERED


# --- dispatch --------------------------------------------------------------------------------


def test_one_click_on_a_suggestion_dispatches(login, world):
    ticket = new_ticket(world)
    client = login("desk")
    response = act(client, ticket, "dispatch", {"assignee": world.tech.pk}, screen="desk")
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:ticket-detail", args=[ticket.pk])
    ticket = refreshed(ticket)
    assert ticket.state == S.DISPATCHED and ticket.assignee == world.tech
    assert ticket.number in client.get(response["Location"]).content.decode()


def test_dispatch_to_the_pool_and_the_technician_grabs_it(login, world):
    ticket = new_ticket(world)
    act(login("desk"), ticket, "dispatch", {"assignee": "", "note": "谁有空"})
    assert refreshed(ticket).state == S.DISPATCHED and refreshed(ticket).assignee is None
    client = login("tech")
    assert "grab" in offered(page(client, ticket))
    response = act(client, ticket, "grab", screen="tech")
    assert response["Location"] == reverse("desk:my-ticket", args=[ticket.pk])
    assert refreshed(ticket).assignee == world.tech
    # the second technician is told it is gone
    client = english(login("guard"))
    response = act(client, ticket, "grab")
    assert response.status_code == 302
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("Someone else has taken" in m or "not possible" in m for m in messages)


def test_reassign_needs_a_reason(login, world):
    ticket = accepted(world)
    client = english(login("desk"))
    assert "reassign" in offered(page(client, ticket))
    response = act(client, ticket, "reassign", {"assignee": world.guard.pk, "reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["forms"]["reassign"].errors
    assert refreshed(ticket).assignee == world.tech
    response = act(client, ticket, "reassign", {"assignee": world.guard.pk, "reason": "他休假"})
    assert response.status_code == 302
    ticket = refreshed(ticket)
    assert ticket.assignee == world.guard and ticket.state == S.DISPATCHED


# --- the technician's path -------------------------------------------------------------------


def test_the_technician_accepts_arrives_starts_pauses_and_resumes(login, world):
    ticket = dispatched(world)
    client = login("tech")
    assert offered(page(client, ticket))[:1] == ["accept"]
    act(client, ticket, "accept")
    assert refreshed(ticket).state == S.ACCEPTED
    act(client, ticket, "arrive")
    assert refreshed(ticket).state == S.ARRIVED
    act(client, ticket, "start")
    assert refreshed(ticket).state == S.IN_PROGRESS
    act(client, ticket, "pause", {"reason": "waiting_parts", "note": "等配件"})
    ticket = refreshed(ticket)
    assert ticket.state == S.PAUSED and ticket.pauses.get().reason == "waiting_parts"
    response = page(client, ticket)
    assert "resume" in offered(response)
    assert "等配件" in response.content.decode()
    assert len(response.context["pauses"]) == 1
    act(client, ticket, "resume")
    assert refreshed(ticket).state == S.IN_PROGRESS


def test_completing_with_photos_and_the_customers_signature(login, world, private_files):  # noqa: F811
    ticket = in_progress(world)
    client = login("tech")
    response = client.post(
        reverse("desk:ticket-action", args=[ticket.pk, "complete"]),
        {
            "complete-photos": [photo("after1.png"), photo("after2.png")],
            "complete-signature": SIGNATURE,
            "complete-note": "已更换阀门",
            "screen": "tech",
        },
    )
    assert response.status_code == 302
    ticket = refreshed(ticket)
    assert ticket.state == S.COMPLETED
    kinds = sorted(TicketAttachment.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == ["photo", "photo", "signature"]
    content = client.get(response["Location"]).content.decode()
    for attachment in TicketAttachment.objects.filter(ticket=ticket):
        assert reverse("desk:attachment", args=[attachment.pk]) in content


def test_a_refused_completion_keeps_no_photos(login, world, private_files):  # noqa: F811
    ticket = accepted(world)
    client = login("guard")  # not the assignee
    response = client.post(
        reverse("desk:ticket-action", args=[ticket.pk, "complete"]),
        {"complete-photos": [photo()], "complete-note": ""},
    )
    assert response.status_code == 403
    assert not TicketAttachment.objects.exists()
    assert refreshed(ticket).state == S.ACCEPTED


def test_a_file_that_is_not_a_photo_is_refused_on_its_field(login, world, private_files):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = in_progress(world)
    response = english(login("tech")).post(
        reverse("desk:ticket-action", args=[ticket.pk, "photo"]),
        {"photo-photos": [SimpleUploadedFile("x.png", b"not an image")]},
    )
    assert response.status_code == 200
    assert "photos" in response.context["forms"]["photo"].errors
    assert not TicketAttachment.objects.exists()


def test_an_invalid_transition_shows_the_services_message(login, world):
    ticket = new_ticket(world)
    client = english(login("desk"))
    response = act(client, ticket, "arrive")
    assert response.status_code == 302
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("is not possible" in m and ticket.number in m for m in messages)
    assert refreshed(ticket).state == S.REGISTERED


# --- return visit, close, cancel, reopen -----------------------------------------------------


def test_the_desk_records_the_return_visit_and_closes(login, world):
    ticket = completed(world)
    client = login("desk")
    response = page(client, ticket)
    assert offered(response)[:1] == ["return_visit"] or "return_visit" in offered(response)
    act(client, ticket, "return_visit", {"outcome": "satisfied", "rating": "5", "method": "phone",
                                          "comment": "很满意"})  # fmt: skip
    ticket = refreshed(ticket)
    assert ticket.state == S.RETURN_VISITED and ticket.rating == 5
    visit = ReturnVisit.objects.get()
    assert visit.comment == "很满意" and visit.actor == world.desk
    assert "close" in offered(page(client, ticket))
    act(client, ticket, "close")
    assert refreshed(ticket).state == S.CLOSED


def test_an_unreachable_customer_stays_in_the_queue(login, world):
    ticket = completed(world)
    client = login("desk")
    act(client, ticket, "return_visit", {"outcome": "unreachable", "method": "phone"})
    assert refreshed(ticket).state == S.COMPLETED
    content = client.get(reverse("desk:visits")).content.decode()
    assert ticket.number in content


def test_not_satisfied_with_rework_opens_a_rework_ticket(login, world):
    ticket = completed(world)
    act(login("desk"), ticket, "return_visit",
        {"outcome": "not_satisfied", "rating": "2", "method": "phone", "comment": "还在漏",
         "follow_up": "rework"})  # fmt: skip
    rework = Ticket.objects.get(reopened_from=ticket)
    assert rework.state == S.REGISTERED


def test_cancel_needs_a_reason_shown_on_the_field(login, world):
    ticket = new_ticket(world)
    client = english(login("desk"))
    response = act(client, ticket, "cancel", {"reason": ""})
    assert response.status_code == 200
    assert response.context["open_form"] == "cancel"
    assert "reason" in response.context["forms"]["cancel"].errors
    act(client, ticket, "cancel", {"reason": "住户自行修好"})
    ticket = refreshed(ticket)
    assert ticket.state == S.CANCELLED and ticket.cancel_reason == "住户自行修好"


def test_reopen_lands_on_the_rework_ticket(login, world):
    ticket = completed(world)
    response = act(login("desk"), ticket, "reopen", {"reason": "又漏了"})
    rework = Ticket.objects.get(reopened_from=ticket)
    assert response["Location"] == reverse("desk:ticket-detail", args=[rework.pk])


# --- complaints ------------------------------------------------------------------------------


def test_the_complaint_path_from_acknowledgement_to_the_customers_confirmation(login, world):
    ticket = new_ticket(world, kind=TicketKind.COMPLAINT, description="楼上噪音", category=None)
    client = login("desk")
    assert offered(page(client, ticket)) == ["acknowledge", "photo", "cancel"]
    act(client, ticket, "acknowledge", {"note": "已联系楼上"})
    assert refreshed(ticket).state == S.ACKNOWLEDGED
    act(client, ticket, "start")
    assert refreshed(ticket).state == S.HANDLING
    act(client, ticket, "report_result", {"note": "已协调，晚上十点后不装修"})
    assert refreshed(ticket).state == S.RESULT_REPORTED
    act(client, ticket, "confirm", {"satisfied": "no", "note": "还是吵"})
    assert refreshed(ticket).state == S.HANDLING
    act(client, ticket, "report_result", {"note": "物业再次上门"})
    act(client, ticket, "confirm", {"satisfied": "yes"})
    assert refreshed(ticket).state == S.COMPLETED
    assert "return_visit" in offered(page(client, ticket))


# --- fees and materials ----------------------------------------------------------------------


def test_a_paid_repair_fee_is_proposed_confirmed_and_paid(login, world):
    item = PriceItem.objects.create(
        project=world.p1,
        code="tap",
        name="更换水龙头",
        labour_price="30.00",
        material_price="50.00",
    )
    ticket = accepted(world, new_ticket(world, kind=TicketKind.HOME_REPAIR))
    tech = login("tech")
    assert "charges" in offered(page(tech, ticket))
    response = tech.post(
        reverse("desk:ticket-action", args=[ticket.pk, "charges"]),
        {
            "charges-purpose": "fee",
            "charges-line0-price_item": item.pk,
            "charges-line0-quantity": "2",
            "screen": "tech",
        },
    )
    assert response.status_code == 302
    ticket = refreshed(ticket)
    assert ticket.fee_state == FeeState.PROPOSED and str(ticket.fee_total) == "160.00"
    # the desk records the customer's answer (given by phone)
    desk = login("desk")
    assert "fee_confirm" in offered(page(desk, ticket))
    act(desk, ticket, "fee_confirm", {"accepted": "yes", "note": "电话确认"})
    assert refreshed(ticket).fee_state == FeeState.CONFIRMED
    # the work is done
    s.ticket_arrive(actor=world.tech, ticket=ticket)
    s.ticket_start(actor=world.tech, ticket=ticket)
    s.ticket_complete(actor=world.tech, ticket=ticket)
    assert "fee_pay" in offered(page(desk, ticket))
    act(desk, ticket, "fee_pay")
    ticket = refreshed(ticket)
    assert ticket.fee_state == FeeState.PAID and ticket.receipt_number.startswith("SJ-")
    assert ticket.receipt_number in page(desk, ticket).content.decode()


def test_materials_of_a_free_repair_and_line_errors(login, world):
    ticket = in_progress(world)
    client = english(login("tech"))
    response = client.post(
        reverse("desk:ticket-action", args=[ticket.pk, "charges"]),
        {"charges-purpose": "materials", "charges-line0-description": "生料带"},
    )
    assert response.status_code == 200  # a line off the list needs its price
    assert response.context["forms"]["charges"].lines[0].errors
    response = client.post(
        reverse("desk:ticket-action", args=[ticket.pk, "charges"]),
        {
            "charges-purpose": "materials",
            "charges-line0-description": "生料带",
            "charges-line0-unit_price": "3.50",
            "charges-line0-quantity": "2",
        },
    )
    assert response.status_code == 302
    line = refreshed(ticket).charges.get()
    assert not line.chargeable and line.kind == "material"
    assert "生料带" in page(client, ticket).content.decode()


def test_a_pool_ticket_may_be_dispatched_from_the_pool_page(login, world):
    ticket = pooled(world)
    response = page(login("desk"), ticket)
    assert "dispatch" in offered(response)
