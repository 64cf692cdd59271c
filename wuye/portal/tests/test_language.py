"""The portal's language switch (on the profile page)."""

from __future__ import annotations

from django.urls import reverse


def test_a_resident_can_switch_the_portal_to_english(client, world):
    client.force_login(world.resident)
    page = client.get(reverse("portal:profile")).content.decode()
    assert 'name="language"' in page
    client.post(reverse("set_language"), {"language": "en", "next": reverse("portal:profile")})
    assert "Switch language" in client.get(reverse("portal:profile")).content.decode()
