"""POST/DELETE /occupants/{id}/portal-access; every response is checked against the
OpenAPI document by the ``api_as`` client."""

from __future__ import annotations

import pytest

from wuye.audit.models import AuditEvent
from wuye.messaging.models import Message
from wuye.places.models import Occupant
from wuye.testing import factories as f

MOBILE = "13700005555"


@pytest.fixture
def newcomer(world):
    return f.OccupantFactory(project=world.p1, name="王五", mobile=MOBILE)


def path(occupant):
    return f"/occupants/{occupant.pk}/portal-access"


def test_occupant_detail_says_whether_it_has_portal_access(api_as, world, newcomer):
    api = api_as("desk")

    assert api.get(f"/occupants/{world.occupant1.pk}").json()["has_portal_access"] is True
    assert api.get(f"/occupants/{newcomer.pk}").json()["has_portal_access"] is False


def test_grant_links_a_new_login_and_queues_the_welcome(api_as, world, newcomer):
    response = api_as("desk").post(path(newcomer), {})

    assert response.status_code == 201
    body = response.json()
    assert (body["id"], body["has_portal_access"], body["mobile"]) == (
        newcomer.pk,
        True,
        "137****5555",
    )
    newcomer.refresh_from_db()
    assert newcomer.user.mobile == MOBILE
    assert not newcomer.user.has_usable_password()
    message = Message.objects.get(recipient=MOBILE)
    assert "http://testserver/portal/" in message.body
    assert AuditEvent.objects.filter(
        action="accounts.portal_access.granted", actor=world.desk
    ).exists()


def test_grant_twice_is_a_conflict(api_as, world):
    response = api_as("desk").post(path(world.occupant1), {})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "portal_access_exists"


def test_grant_without_a_mobile_is_a_field_error(api_as, world, newcomer):
    Occupant.objects.filter(pk=newcomer.pk).update(mobile="")

    response = api_as("desk", language="en").post(path(newcomer), {})

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "mobile_required"
    assert error["fields"] == {
        "mobile": ["This occupant has no mobile number. Add one before giving portal access."]
    }


def test_revoke_unlinks_and_switches_off_the_unused_login(api_as, world):
    response = api_as("desk").delete(path(world.occupant1))

    assert response.status_code == 200
    assert response.json()["has_portal_access"] is False
    world.resident.refresh_from_db()
    assert not world.resident.is_active

    again = api_as("desk").delete(path(world.occupant1))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "no_portal_access"


@pytest.mark.parametrize("user", ["tech", "quality", "district"])
def test_both_need_manage_occupants(api_as, world, newcomer, user):
    api = api_as(user)

    for response in (api.post(path(newcomer), {}), api.delete(path(world.occupant1))):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
    newcomer.refresh_from_db()
    world.occupant1.refresh_from_db()
    assert (newcomer.user, world.occupant1.user) == (None, world.resident)


@pytest.mark.parametrize("user", ["manager2", "admin_b", "resident", "outsider"])
def test_out_of_scope_occupants_are_404(api_as, world, newcomer, user):
    api = api_as(user)

    for response in (api.post(path(newcomer), {}), api.delete(path(world.occupant1))):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert api.post("/occupants/999999/portal-access", {}).status_code == 404
    newcomer.refresh_from_db()
    assert newcomer.user is None


def test_anonymous_gets_401(anon_api, world):
    assert anon_api.post(path(world.occupant1), {}).status_code == 401
    assert anon_api.delete(path(world.occupant1)).status_code == 401
