"""Scoped reads of tickets: staff by project, residents their own, everyone else 404."""

from __future__ import annotations

import pytest
from django.http import Http404

from wuye.servicedesk.models import TicketKind
from wuye.servicedesk.selectors import access_ticket, ticket_list

pytestmark = pytest.mark.django_db


def test_a_manager_of_another_project_gets_404(world, register):
    ticket = register()
    assert access_ticket(world.manager, ticket.pk) == ticket
    for name in ("manager2", "admin_b", "outsider"):
        with pytest.raises(Http404):
            access_ticket(world.users[name], ticket.pk)
    with pytest.raises(Http404):
        access_ticket(world.manager, "not-a-number")


def test_a_resident_sees_only_the_tickets_they_reported(world, register):
    mine = register()
    register(reporter=None, reporter_name="过路人", reporter_phone="13900009999")
    assert list(ticket_list(user=world.resident)) == [mine]
    assert access_ticket(world.resident, mine.pk) == mine


def test_staff_list_filters_and_finds_a_caller_by_phone_tail(
    world, register, django_assert_num_queries
):
    repair = register()
    complaint = register(kind=TicketKind.COMPLAINT, reporter=None, reporter_phone="13900009999")
    register(project=world.p2, unit=world.u2, reporter=world.occupant2, actor=world.admin)
    world.desk._wuye_scope = None  # count the scope query too
    with django_assert_num_queries(2):  # scope + the list with its joins
        rows = list(ticket_list(user=world.desk))
        _ = [(t.project.name, t.unit and t.unit.number, t.assignee) for t in rows]
    assert rows == [complaint, repair]
    assert list(ticket_list(user=world.desk, q="9999")) == [complaint]
    assert list(ticket_list(user=world.desk, q=repair.number)) == [repair]
    assert list(ticket_list(user=world.desk, kind=TicketKind.COMPLAINT)) == [complaint]
    assert list(ticket_list(user=world.desk, state="closed")) == []
    assert len(ticket_list(user=world.admin)) == 3  # company admin: both projects
    assert list(ticket_list(user=world.outsider)) == []
