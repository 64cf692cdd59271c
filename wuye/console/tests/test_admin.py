"""The Django admin: superusers only; audit events are read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuye.accounts.models import User
from wuye.audit.models import AuditEvent
from wuye.places.services import unit_update


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser("root", password="x-very-long-pass"))
    return client


@pytest.mark.parametrize(
    "model",
    [
        "places/district",
        "places/company",
        "places/project",
        "places/building",
        "places/unit",
        "places/occupant",
        "places/occupancy",
        "accounts/user",
        "accounts/membership",
        "accounts/department",
        "accounts/apitoken",
        "accounts/logincode",
        "audit/auditevent",
    ],
)
def test_superuser_opens_every_changelist(superuser_client, world, model):
    assert superuser_client.get(f"/admin/{model}/").status_code == 200


def test_occupant_changelist_masks_mobiles(superuser_client, world):
    content = superuser_client.get("/admin/places/occupant/").content.decode()
    assert "138****1111" in content
    assert "13800001111" not in content


def test_audit_events_cannot_be_added_or_changed(superuser_client, world):
    unit_update(actor=world.manager, unit=world.u1, floor=3)
    event = AuditEvent.objects.get()
    assert superuser_client.get("/admin/audit/auditevent/add/").status_code == 403
    response = superuser_client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "x"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.action == "places.unit.updated"


def test_admin_edit_of_a_building_is_audited(superuser_client, world):
    response = superuser_client.post(
        f"/admin/places/building/{world.b1.pk}/change/", {"name": "一号楼", "floors": 18}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="places.building.updated")
    assert event.changes == {"name": ["1幢", "一号楼"]}
    assert event.note == "admin"


def test_staff_without_superuser_cannot_use_the_admin(login):
    response = login("manager").get(reverse("admin:index"))
    assert response.status_code == 302
