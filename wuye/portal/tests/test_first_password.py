"""A resident whose login the desk created signs in with a code and sets a first password."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from wuye.accounts.residents import occupant_portal_access_grant
from wuye.audit.models import AuditEvent
from wuye.messaging.models import Message
from wuye.testing import factories as f

LOGIN = reverse("portal:login")
PROFILE = reverse("portal:profile")
MOBILE = "13700005555"
NEW_PASSWORD = "Blue-Harbour-2026"


def code_from_outbox(mobile: str = MOBILE) -> str:
    body = Message.objects.filter(recipient=mobile, channel="sms").latest("id").body
    return re.search(r"\b(\d{6})\b", body).group(1)


@pytest.fixture
def newcomer_user(world):
    """An owner in p1 to whom the desk just gave portal access (a login without password)."""
    occupant = f.OccupantFactory(project=world.p1, name="王五", mobile=MOBILE)
    f.OccupancyFactory(unit=f.UnitFactory(building=world.b1, number="1-102"), occupant=occupant)
    return occupant_portal_access_grant(actor=world.desk, occupant=occupant)


def sign_in_with_code(client) -> None:
    client.post(LOGIN, {"action": "send_code", "mobile": MOBILE})
    response = client.post(
        LOGIN, {"action": "verify_code", "mobile": MOBILE, "code": code_from_outbox()}
    )
    assert response.status_code == 302
    assert response.url == reverse("portal:home")


def test_new_resident_signs_in_by_code_sets_a_password_and_signs_in_with_it(
    client, world, newcomer_user
):
    # Given the welcome SMS told them where to go; they sign in with a code
    assert "/portal/" in Message.objects.get(dedupe_key__startswith="portal-welcome:").body
    sign_in_with_code(client)

    # When they open their profile, they are not asked for an old password
    html = client.get(PROFILE).content.decode()
    assert "设置密码" in html
    assert 'name="old_password"' not in html
    assert 'name="new_password1"' in html

    # and set one
    response = client.post(
        PROFILE,
        {"action": "password", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200  # still signed in
    assert AuditEvent.objects.filter(
        action="portal.password.set", object_id=str(newcomer_user.pk)
    ).exists()

    # Then the next time the password works, and the profile asks for the old one
    client.post(reverse("portal:logout"))
    response = client.post(
        LOGIN, {"action": "password", "mobile": MOBILE, "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    assert 'name="old_password"' in client.get(PROFILE).content.decode()


def test_setting_a_password_shows_errors_per_field(client, world, newcomer_user):
    sign_in_with_code(client)

    response = client.post(
        PROFILE, {"action": "password", "new_password1": "abc", "new_password2": "abd"}
    )

    assert response.status_code == 200
    assert "new_password2" in response.context["password_form"].errors
    newcomer_user.refresh_from_db()
    assert not newcomer_user.has_usable_password()
