"""The ticket admin is read-only and shows the reporter's phone masked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuye.accounts.models import User
from wuye.servicedesk import services as s
from wuye.servicedesk.tests.conftest import at
from wuye.testing import factories as f

pytestmark = pytest.mark.django_db


def test_ticket_admin_lists_and_shows_a_ticket_with_a_masked_phone(client, world, register):
    ticket = s.ticket_dispatch(actor=world.desk, ticket=register(), assignee=world.tech, now=at(1))
    client.force_login(User.objects.create_superuser("root", password=f.PASSWORD))
    listing = client.get(reverse("admin:servicedesk_ticket_changelist"))
    assert listing.status_code == 200
    assert ticket.number in listing.content.decode()
    page = client.get(reverse("admin:servicedesk_ticket_change", args=[ticket.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "138****1111" in body
    assert "13800001111" not in body
    assert "servicedesk.ticket.dispatched" in body
    assert client.get(reverse("admin:servicedesk_ticket_add")).status_code == 403
