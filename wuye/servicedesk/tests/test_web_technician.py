"""The technician's phone screens: my orders, the grab pool, one order with big buttons."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuye.servicedesk.models import Team, Ticket, TicketState, Urgency
from wuye.servicedesk.tests.web_helpers import (
    SIGNATURE,
    accepted,
    completed,
    dispatched,
    in_progress,
    new_ticket,
    photo,
    pooled,
    private_files,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.django_db

S = TicketState


def numbers(response) -> list[str]:
    return [t.number for t in response.context["page"]]


def test_my_orders_lists_my_open_orders_urgent_first(login, world):
    normal = dispatched(world)
    urgent = dispatched(world, new_ticket(world, urgency=Urgency.URGENT))
    someone_elses = dispatched(world, to=world.guard)
    done = completed(world)
    unassigned = new_ticket(world)
    response = login("tech").get(reverse("desk:my-orders"))
    assert response.status_code == 200
    assert numbers(response) == [urgent.number, normal.number]
    content = response.content.decode()
    for other in (someone_elses, done, unassigned):
        assert other.number not in content
    assert 'class="console tech"' in content  # the phone layout
    assert reverse("desk:my-ticket", args=[urgent.pk]) in content


def test_the_pool_offers_big_grab_buttons(login, world):
    ticket = pooled(world)
    team = Team.objects.create(project=world.p1, name="保洁班")
    team.members.add(world.cleaner)
    teams_only = pooled(world, team=team)
    response = login("tech").get(reverse("desk:my-pool"))
    assert numbers(response) == [ticket.number]
    content = response.content.decode()
    assert reverse("desk:ticket-action", args=[ticket.pk, "grab"]) in content
    assert 'name="screen" value="tech"' in content
    # the team's member sees both, the oldest first
    cleaner = numbers(login("cleaner").get(reverse("desk:my-pool")))
    assert cleaner == [ticket.number, teams_only.number]


def test_the_phone_screens_are_for_field_staff(login, world):
    for name in ("desk", "quality", "district"):
        client = login(name)
        assert client.get(reverse("desk:my-orders")).status_code == 403
        assert client.get(reverse("desk:my-pool")).status_code == 403


def test_the_order_page_offers_the_next_step_as_a_big_button(login, world):
    ticket = dispatched(world)
    client = login("tech")
    response = client.get(reverse("desk:my-ticket", args=[ticket.pk]))
    assert response.status_code == 200
    assert response.context["actions"][0] == "accept"
    content = response.content.decode()
    assert "btn-big" in content and 'data-action="accept"' in content
    assert "138****1111" in content and "13800001111" not in content
    # each step comes back to the phone page
    response = client.post(
        reverse("desk:ticket-action", args=[ticket.pk, "accept"]), {"screen": "tech"}
    )
    assert response["Location"] == reverse("desk:my-ticket", args=[ticket.pk])
    assert Ticket.objects.get(pk=ticket.pk).state == S.ACCEPTED


def test_completing_on_the_phone_has_a_camera_input_and_a_signature_pad(
    login,
    world,
    private_files,  # noqa: F811
):
    ticket = in_progress(world)
    client = login("tech")
    content = client.get(reverse("desk:my-ticket", args=[ticket.pk])).content.decode()
    assert 'accept="image/*"' in content and 'capture="environment"' in content
    assert "<canvas data-signature=" in content
    assert "servicedesk/desk.js" in content
    response = client.post(
        reverse("desk:ticket-action", args=[ticket.pk, "complete"]),
        {"complete-photos": [photo()], "complete-signature": SIGNATURE, "screen": "tech"},
    )
    assert response["Location"] == reverse("desk:my-ticket", args=[ticket.pk])
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.state == S.COMPLETED
    assert ticket.attachments.filter(kind="signature", stage="completion").exists()


def test_a_form_error_on_the_phone_shows_the_phone_page_again(login, world):
    ticket = accepted(world)
    client = login("tech")
    response = client.post(
        reverse("desk:ticket-action", args=[ticket.pk, "pause"]),
        {"pause-reason": "", "screen": "tech"},
    )
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "servicedesk/tech/order.html"
    assert "reason" in response.context["forms"]["pause"].errors


def test_the_signature_alone_can_be_added(login, world, private_files):  # noqa: F811
    ticket = in_progress(world)
    client = login("tech")
    response = client.post(
        reverse("desk:ticket-action", args=[ticket.pk, "signature"]),
        {"signature-signature": SIGNATURE, "screen": "tech"},
    )
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).attachments.get().kind == "signature"
