"""The customer-service desk of the console: registering a call by phone tail, the lookup,
the lists (tickets, grab pool, return visits, workload) and the reporter's phone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuye.audit.models import AuditEvent
from wuye.servicedesk.models import Channel, Team, Ticket, TicketKind, TicketState, Urgency
from wuye.servicedesk.tests.web_helpers import (
    completed,
    dispatched,
    english,
    new_ticket,
    pooled,
    water,
)
from wuye.testing import factories as f

pytestmark = pytest.mark.django_db


def _select_p1(client, world):
    client.post(reverse("console:switch-project"), {"project": world.p1.pk, "next": "/console/"})
    return client


# --- registering a call ----------------------------------------------------------------------


def test_the_desk_opens_on_the_register_form_of_its_project(login, world):
    response = login("desk").get(reverse("desk:home"))
    assert response.status_code == 200
    content = response.content.decode()
    # the desk works one project: it opens right on it, the phone field first
    assert world.p1.name in content
    assert content.index('name="phone"') < content.index('name="description"')
    assert f'name="project" value="{world.p1.pk}"' in content


def test_a_user_with_several_desk_projects_chooses_one_first(login, world):
    client = login("admin")
    response = client.get(reverse("desk:home"))
    assert response.status_code == 200
    content = response.content.decode()
    assert f"?project={world.p1.pk}" in content and f"?project={world.p2.pk}" in content
    assert 'name="description"' not in content
    # the project switcher's choice is taken without asking
    _select_p1(client, world)
    content = client.get(reverse("desk:home")).content.decode()
    assert 'name="description"' in content


def test_field_staff_and_supervisors_land_on_the_ticket_list(login):
    for name in ("tech", "district"):
        response = login(name).get(reverse("desk:home"))
        assert response.status_code == 302
        assert response["Location"] == reverse("desk:ticket-list")


def test_the_phone_tail_finds_the_caller_their_unit_and_their_tickets(login, world):
    earlier = new_ticket(world)
    other = new_ticket(world, reporter=None, unit=None, kind=TicketKind.INQUIRY,
                       reporter_phone="13912340000", reporter_name="路人")  # fmt: skip
    client = login("desk")
    response = client.get(
        reverse("desk:lookup"),
        {"project": world.p1.pk, "phone": "1111"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    # the occupant with that tail, at their unit, phone masked
    assert "张三" in content and "1-101" in content
    assert "138****1111" in content and "13800001111" not in content
    assert f'data-reporter="{world.occupant1.pk}"' in content
    assert f'data-unit="{world.u1.pk}"' in content
    # and their ticket history, not other callers'
    assert earlier.number in content
    assert other.number not in content


def test_a_full_number_or_a_unit_number_finds_the_caller_too(login, world):
    client = login("desk")
    by_number = client.get(
        reverse("desk:lookup"), {"project": world.p1.pk, "phone": "138 0000 1111"}
    )
    assert "张三" in by_number.content.decode()
    by_unit = client.get(reverse("desk:lookup"), {"project": world.p1.pk, "phone": "1-101"})
    assert "张三" in by_unit.content.decode()
    nobody = client.get(reverse("desk:lookup"), {"project": world.p1.pk, "phone": "9999"})
    assert "张三" not in nobody.content.decode()
    too_short = client.get(reverse("desk:lookup"), {"project": world.p1.pk, "phone": "11"})
    assert "张三" not in too_short.content.decode()


def test_the_lookup_never_reaches_another_projects_occupants(login, world):
    # manager2 works p2: p1's callers stay out of reach, whatever the project asked for
    client = login("manager2")
    response = client.get(reverse("desk:lookup"), {"project": world.p1.pk, "phone": "1111"})
    assert response.status_code == 404
    response = client.get(reverse("desk:lookup"), {"project": world.p2.pk, "phone": "1111"})
    assert "张三" not in response.content.decode()
    # a read-only supervisor cannot use the desk's lookup
    response = login("district").get(
        reverse("desk:lookup"), {"project": world.p1.pk, "phone": "1111"}
    )
    assert response.status_code == 403


def test_registering_a_picked_caller_lands_on_the_ticket_page(login, world):
    client = login("desk")
    category = water(world)
    response = client.post(
        reverse("desk:home"),
        {
            "project": world.p1.pk,
            "phone": "1111",  # the tail typed to find them
            "reporter": world.occupant1.pk,
            "unit": world.u1.pk,
            "reporter_name": "张三",
            "channel": Channel.COUNTER,
            "kind": TicketKind.REPAIR_UNIT,
            "category": category.pk,
            "urgency": Urgency.URGENT,
            "description": "卫生间漏水到楼下",
            "appointment_at": "",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:ticket-detail", args=[ticket.pk])
    assert ticket.reporter == world.occupant1
    assert ticket.unit == world.u1 and ticket.building == world.b1
    assert ticket.reporter_phone == "13800001111"  # the occupant's own number, not the tail
    assert ticket.channel == Channel.COUNTER
    assert ticket.urgency == Urgency.URGENT and ticket.category == category
    assert ticket.created_by == world.desk
    page = client.get(response["Location"]).content.decode()
    assert ticket.number in page  # the success message and the header


def test_register_and_dispatch_opens_the_dispatch_panel(login, world):
    response = login("desk").post(
        reverse("desk:home"),
        {
            "project": world.p1.pk,
            "phone": "13911112222",
            "reporter_name": "访客",
            "channel": Channel.PHONE,
            "kind": TicketKind.REPAIR_PUBLIC,
            "urgency": Urgency.NORMAL,
            "description": "大堂灯不亮",
            "building": world.b1.pk,
            "dispatch": "1",
        },
    )
    ticket = Ticket.objects.get()
    assert response["Location"].endswith("#dispatch")
    assert ticket.reporter is None and ticket.reporter_phone == "13911112222"
    assert ticket.reporter_phone_tail == "2222"


def test_register_errors_show_on_their_fields(login, world):
    client = english(login("desk"))
    response = client.post(
        reverse("desk:home"),
        {
            "project": world.p1.pk,
            "phone": "12",
            "channel": Channel.PHONE,
            "kind": TicketKind.REPAIR_UNIT,
            "urgency": Urgency.NORMAL,
            "description": "",
        },
    )
    assert response.status_code == 200
    assert not Ticket.objects.exists()
    form = response.context["form"]
    assert "description" in form.errors
    assert "phone" in form.errors
    content = response.content.decode()
    assert "Enter the full number" in content
    assert "An in-unit repair needs the unit" in content
    # the same page in Chinese gives Django's own message in Chinese
    client.cookies.pop("django_language")
    content = client.post(reverse("desk:home"), {"project": world.p1.pk}).content.decode()
    assert "此字段为必填项" in content


def test_a_unit_of_another_project_is_refused(login, world):
    response = login("desk").post(
        reverse("desk:home"),
        {
            "project": world.p1.pk,
            "unit": world.u3.pk,
            "channel": Channel.PHONE,
            "kind": TicketKind.REPAIR_UNIT,
            "urgency": Urgency.NORMAL,
            "description": "x",
        },
    )
    assert response.status_code == 200
    assert not Ticket.objects.exists()


def test_a_pick_without_javascript_is_a_link_that_fills_the_form(login, world):
    response = login("desk").get(
        reverse("desk:home"),
        {"phone": "1111", "reporter": world.occupant1.pk, "unit": world.u1.pk},
    )
    content = response.content.decode()
    assert f'name="reporter" value="{world.occupant1.pk}"' in content
    assert f'name="unit" value="{world.u1.pk}"' in content
    assert "is-set" in content  # the picked caller is shown
    assert "张三" in content  # and the lookup results of the typed tail


def test_find_without_javascript_keeps_what_was_typed(login, world):
    response = login("desk").post(
        reverse("desk:home"),
        {
            "project": world.p1.pk,
            "phone": "1111",
            "kind": TicketKind.REPAIR_PUBLIC,
            "description": "电梯异响",
            "find": "1",
        },
    )
    assert response.status_code == 200
    assert not Ticket.objects.exists()
    content = response.content.decode()
    assert "张三" in content and "电梯异响" in content
    assert response.context["form"]["kind"].value() == TicketKind.REPAIR_PUBLIC
    assert not response.context["form"].is_bound  # no errors shown for a half-typed form


# --- the ticket list -------------------------------------------------------------------------


def test_the_ticket_list_filters_and_searches(login, world):
    repair = new_ticket(world)
    complaint = new_ticket(world, kind=TicketKind.COMPLAINT, description="噪音")
    other_phone = new_ticket(
        world, reporter=None, reporter_phone="13912345678", reporter_name="李四"
    )
    done = completed(world)
    client = _select_p1(login("desk"), world)

    def numbers(**params):
        response = client.get(reverse("desk:ticket-list"), params)
        assert response.status_code == 200
        return {t.number for t in response.context["page"]}

    # open tickets by default
    assert numbers() == {repair.number, complaint.number, other_phone.number}
    assert numbers(status="all") >= {done.number}
    assert numbers(kind="complaint") == {complaint.number}
    assert numbers(state="completed") == {done.number}
    assert numbers(q="5678") == {other_phone.number}  # the phone tail
    assert numbers(q=repair.number, status="all") == {repair.number}
    assert numbers(assignee=str(world.tech.pk), status="all") == {done.number}
    assert numbers(assignee="none") == {repair.number, complaint.number, other_phone.number}
    assert numbers(urgency="urgent") == set()
    assert numbers(category=str(water(world).pk), status="all") >= {repair.number, done.number}


def test_the_overdue_filter_shows_tickets_past_a_deadline(login, world):
    import datetime as dt

    from django.utils import timezone

    late = new_ticket(world)
    late.clocks.update(due_at=timezone.now() - dt.timedelta(minutes=5))
    on_time = new_ticket(world)
    on_time.clocks.update(due_at=timezone.now() + dt.timedelta(hours=5))
    response = login("desk").get(reverse("desk:ticket-list"), {"status": "overdue"})
    assert {t.number for t in response.context["page"]} == {late.number}


def test_the_search_box_refreshes_only_the_results(login, world):
    ticket = new_ticket(world)
    response = login("desk").get(
        reverse("desk:ticket-list"),
        {"q": "1111"},
        headers={"HX-Request": "true", "HX-Target": "ticket-results"},
    )
    content = response.content.decode()
    assert ticket.number in content
    assert "<html" not in content


def test_a_supervisor_reads_the_list_and_an_outsider_sees_nothing_of_p1(login, world):
    ticket = new_ticket(world)
    assert ticket.number in login("district").get(reverse("desk:ticket-list")).content.decode()
    for name in ("manager2", "admin_b"):
        assert ticket.number not in login(name).get(reverse("desk:ticket-list")).content.decode()


# --- the grab pool, the return-visit queue, the workload --------------------------------------


def test_the_pool_shows_undispatched_orders_with_the_right_buttons(login, world):
    in_pool = pooled(world)
    taken = dispatched(world)
    desk = login("desk").get(reverse("desk:pool")).content.decode()
    assert in_pool.number in desk and taken.number not in desk
    assert f"{reverse('desk:ticket-detail', args=[in_pool.pk])}#dispatch" in desk
    tech = login("tech").get(reverse("desk:pool")).content.decode()
    assert reverse("desk:ticket-action", args=[in_pool.pk, "grab"]) in tech


def test_a_team_pool_is_offered_only_to_the_team(login, world):
    team = Team.objects.create(project=world.p1, name="水电班")
    team.members.add(world.guard)
    ticket = pooled(world, team=team)
    assert ticket.number not in login("tech").get(reverse("desk:pool")).content.decode()
    assert ticket.number in login("guard").get(reverse("desk:pool")).content.decode()
    assert ticket.number in login("desk").get(reverse("desk:pool")).content.decode()


def test_the_return_visit_queue_masks_the_phone_and_reveals_it_on_purpose(login, world):
    ticket = completed(world)
    client = login("desk")
    content = client.get(reverse("desk:visits")).content.decode()
    assert ticket.number in content
    assert "138****1111" in content and "13800001111" not in content
    reveal = reverse("desk:ticket-reveal", args=[ticket.pk])
    assert reveal in content  # customer service holds VIEW_PERSONAL_DATA
    response = client.post(reveal, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "13800001111" in response.content.decode()
    event = AuditEvent.objects.get(action="servicedesk.ticket.personal_data_viewed")
    assert event.actor == world.desk and event.object_id == str(ticket.pk)
    # quality works the desk too, but may not see personal data in full
    quality = login("quality")
    content = quality.get(reverse("desk:visits")).content.decode()
    assert ticket.number in content and reveal not in content
    assert quality.post(reveal).status_code == 403


def test_the_queue_belongs_to_customer_service(login, world):
    ticket = completed(world)
    assert ticket.number not in login("tech").get(reverse("desk:visits")).content.decode()
    assert ticket.number not in login("manager2").get(reverse("desk:visits")).content.decode()


def test_the_workload_panel_counts_open_tickets_per_technician(login, world):
    dispatched(world)
    dispatched(world)
    completed(world)  # no longer open
    client = _select_p1(login("desk"), world)
    response = client.get(reverse("desk:workload"))
    rows = {row.user.username: row.open_tickets for row in response.context["workload"]}
    assert rows["tech"] == 2
    assert rows["guard"] == 0
    # on the desk's home page too
    home = client.get(reverse("desk:home"))
    assert {r.user.username for r in home.context["workload"]} >= {"tech", "guard", "cleaner"}


def test_a_new_technician_appears_in_the_workload(login, world):
    from wuye.accounts.models import Membership, Role

    newcomer = f.UserFactory(username="newtech")
    Membership.objects.create(
        user=newcomer, role=Role.ENGINEERING, project=world.p1, company=world.company_a
    )
    response = _select_p1(login("desk"), world).get(reverse("desk:workload"))
    assert "newtech" in {r.user.username for r in response.context["workload"]}
    assert TicketState.REGISTERED  # (the enum stays importable for readers of this module)
