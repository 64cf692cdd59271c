"""The Django admin is a superuser's back office: audited, and it cannot cascade-delete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuye.accounts.models import User
from wuye.audit.models import AuditEvent
from wuye.places.models import District
from wuye.testing import factories as f


@pytest.fixture
def superuser_client(client, world):
    root = User.objects.create_superuser("root", password=f.PASSWORD)
    client.force_login(root)
    return client


def test_deleting_in_the_admin_is_audited(superuser_client, world):
    district = District.objects.create(name="滨江区", code="binjiang")
    url = reverse("admin:places_district_delete", args=[district.pk])
    response = superuser_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="places.district.deleted")
    assert event.changes["name"] == ["滨江区", None]
    assert event.actor.username == "root"


def test_projects_cannot_be_deleted_in_the_admin(superuser_client, world):
    url = reverse("admin:places_project_delete", args=[world.p1.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    assert type(world.p1).objects.filter(pk=world.p1.pk).exists()


def test_user_mobile_is_normalised_and_edits_audited(superuser_client, world):
    url = reverse("admin:accounts_user_change", args=[world.outsider.pk])
    data = {
        "username": "outsider",
        "display_name": "外人",
        "mobile": "+86 139-0000-1234",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    world.outsider.refresh_from_db()
    assert world.outsider.mobile == "13900001234"
    event = AuditEvent.objects.get(action="accounts.user.updated")
    assert event.changes["mobile"] == ["139****9999", "139****1234"]
